"""A throwaway PostgreSQL cluster for the store's tests: Debian's binaries, a tmp dir, a free port.

``postgres_url`` (session) runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/<v>/bin``
as the ``postgres`` user when the tests run as root (``initdb`` refuses root), with trust auth,
``listen_addresses=127.0.0.1`` and the socket in the tmp dir, so nothing on the machine is touched;
it yields ``postgresql+psycopg://postgres@127.0.0.1:<port>/postgres``. ``postgres_db`` (per test)
is the URL of a fresh database on that server. Without the binaries the tests skip locally
and fail in CI (``CI=true``): CI must not go green by skipping them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_S = 60


def url_of(port: int, database: str = "postgres") -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"


def find_bin_dir() -> Path | None:
    """The newest installed version's bin dir holding both initdb and pg_ctl."""
    found = [Path(p) for p in Path("/").glob(PG_GLOB.lstrip("/"))
             if (Path(p) / "initdb").exists() and (Path(p) / "pg_ctl").exists()]
    return max(found, key=lambda p: _version(p.parent.name), default=None)


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the Postgres tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"Postgres tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; as any other user they run as that user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(_as_postgres(args), capture_output=True, text=True, timeout=START_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _missing(f"no initdb/pg_ctl under {PG_GLOB} (apt-get install -y postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("the psycopg driver is not installed (pip install 'psycopg[binary]')")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _missing("running as root without runuser to switch to the postgres user")

    root = Path(tempfile.mkdtemp(prefix="wb-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")
    data, log = root / "data", root / "server.log"
    port = _free_port()
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--no-sync"], "initdb")
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off -c full_page_writes=off"
        try:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                  "-t", str(START_TIMEOUT_S), "start"], "pg_ctl start")
        except RuntimeError as exc:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{exc}\n{tail}") from None
        yield url_of(port)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           capture_output=True, timeout=START_TIMEOUT_S)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def postgres_db(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database for one test; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"wb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
