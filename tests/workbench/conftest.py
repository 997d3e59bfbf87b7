"""Fixtures of the workbench tests: a fresh SQLite store per test, and the throwaway Postgres server
(see tests/postgres_fixture.py)."""

import pytest

from tests.postgres_fixture import postgres_db, postgres_url
from workbench.store import open_store

__all__ = ["engine", "postgres_db", "postgres_url"]


@pytest.fixture
def engine(tmp_path):
    """A migrated SQLite store of this test alone."""
    engine = open_store(f"sqlite:///{tmp_path / 'store' / 'wb.db'}")
    yield engine
    engine.dispose()
