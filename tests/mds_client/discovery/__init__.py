"""Tests of mds_client.discovery."""
