"""Engine, sessions and migrations of the workbench store.

SQLite by default (a file under the MDS home), Postgres through a URL. The schema is
brought to the newest Alembic revision at start-up with ``migrate(engine)``.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The app warms the store up in a thread while the first page draws: one migration at a time.
_MIGRATE_LOCK = threading.Lock()
_PG_MIGRATION_LOCK_KEY = 0x57_4F_52_4B  # any constant shared by every workbench process ("WORK")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the folder is created and foreign keys are on."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Under WAL, NORMAL skips the fsync per commit (a power cut may lose the last commits,
            # never corrupt the file): a batch job commits once per chunk, and this halves its cost.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def fsync_every_commit(engine: Engine) -> Engine:
    """SQLite: ``synchronous=FULL`` on this engine's connections, so a commit survives a power cut too.

    The request-log sink answers 2xx only once an event is durable; with its group commit the fsync
    is paid once per group, not per event (bench/sink_throughput.py). Other engines are left alone.
    """
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _full(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA synchronous=FULL")

        engine.dispose()  # connections opened before (the migration check) had NORMAL
    return engine


def head_revision() -> str:
    """The newest revision, from the file names (migrations are named ``<revision>_<slug>.py``)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("*_*.py"))


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (idempotent).

    A store already at the newest revision is left alone without loading Alembic (faster start).
    """
    with _MIGRATE_LOCK:
        if revision == "head" and current_revision(engine) == head_revision():
            return
        with _sqlite_file_lock(engine):
            if revision == "head" and current_revision(engine) == head_revision():
                return  # another process migrated it while this one waited
            _upgrade(engine, revision)


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """SQLite's DDL takes no lock a second process waits on: the embedded MDS's sink and health exporter starting
    at once on a fresh home both created the tables ("table batch_job already exists"). A lock file beside the
    database makes the second wait, then find the schema at head (PostgreSQL: an advisory lock, in `_upgrade`)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    with open(f"{database}.migrating", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _upgrade(engine: Engine, revision: str) -> None:
    # Alembic costs ~0.1 s of imports: only a store that is not at head pays (see upgrade).
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The thread lock above is per process; the app and ``mds`` starting at once on an empty
            # Postgres database would both create the tables (duplicate key in pg_type). A
            # transaction-level advisory lock makes the second wait, then find the schema at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_store(url: str) -> Engine:
    """Engine with the schema up to date: what the app and the CLI call once."""
    engine = make_engine(url)
    migrate(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
