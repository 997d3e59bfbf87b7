"""Processes opening one fresh SQLite store at once (the embedded MDS's sink and health exporter on a fresh home)
all reach the newest revision: the second waits on the first's migration instead of creating the tables again."""

from __future__ import annotations

import subprocess
import sys

from workbench.paths import REPO_ROOT
from workbench.store import open_store
from workbench.store.engine import current_revision, head_revision

CODE = """
import os, sys, time
from workbench.store import open_store
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):  # released together, imports done
    time.sleep(0.01)
open_store(sys.argv[1])
"""


def test_processes_migrating_one_fresh_sqlite_file_at_once_all_reach_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'workbench.db'}"
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", CODE, url, str(go)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT) for _ in range(3)]
    assert [proc.stdout.readline().strip() for proc in procs] == ["ready"] * 3  # type: ignore[union-attr]
    go.touch()
    errors = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 3, "\n".join(e[-600:] for e in errors)
    engine = open_store(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
