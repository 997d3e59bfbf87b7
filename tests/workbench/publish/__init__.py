"""Tests of workbench.publish."""
