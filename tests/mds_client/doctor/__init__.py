"""Tests of mds_client.doctor."""
