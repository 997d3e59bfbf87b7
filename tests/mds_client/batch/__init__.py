"""Tests of mds_client.batch."""
