"""Tests of mds_client.schema."""
