"""What a test of an ``mds`` command sets up: a store of its own that the CLI reads (``store``), and ``run_cli``
to call a command with a catalog and read what it printed.

Import the fixture into a test module (``from tests.workbench.cli.cli_store import store``) and list it in
``__all__``, as tests/workbench/picked_models.py's fixtures are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from workbench.cli import main
from workbench.settings import get_settings
from workbench.store import open_store


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A migrated SQLite store in the test's folder, the one the CLI opens (``WORKBENCH_DATABASE_URL``)."""
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = open_store(url)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def run_cli(capsys: pytest.CaptureFixture[str], catalog: Path, command: str, *argv: str) -> tuple[int, str, str]:
    """``mds --catalog CATALOG COMMAND ARGV...``: its exit code, standard output and standard error."""
    code = main(["--catalog", str(catalog), command, *argv])
    out, err = capsys.readouterr()
    return code, out, err
