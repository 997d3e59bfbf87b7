"""Tests of mds_client.payload_check."""
