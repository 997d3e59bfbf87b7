"""Fixtures of the mds_client tests: the throwaway Postgres server (see tests/postgres_fixture.py)."""

from tests.postgres_fixture import postgres_db, postgres_url

__all__ = ["postgres_db", "postgres_url"]
