"""Tests of mds_client.registry."""
