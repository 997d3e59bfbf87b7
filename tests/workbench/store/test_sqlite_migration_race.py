"""Processes opening one fresh SQLite store at once (the embedded MDS's sink and health exporter on a fresh home)
all reach the newest revision: the second waits on the first's migration instead of creating the tables again."""

from __future__ import annotations

import subprocess
import sys
import time

from workbench.paths import REPO_ROOT
from workbench.store import open_store
from workbench.store.engine import current_revision, head_revision

CODE = """
import sys, time
from workbench.store import open_store
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))  # released together, imports done
open_store(sys.argv[1])
"""


def test_processes_migrating_one_fresh_sqlite_file_at_once_all_reach_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'workbench.db'}"
    start = time.time() + 6  # the imports of each process take a few seconds on a busy machine
    procs = [subprocess.Popen([sys.executable, "-c", CODE, url, str(start)], stderr=subprocess.PIPE, text=True,
                              cwd=REPO_ROOT) for _ in range(4)]
    errors = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 4, "\n".join(e[-600:] for e in errors)
    engine = open_store(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
