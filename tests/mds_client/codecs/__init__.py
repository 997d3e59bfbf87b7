"""Tests of mds_client.codecs."""
