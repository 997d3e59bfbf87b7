"""Tests of mds_client.transport."""
