"""What a load bench started, stopped by process group at the end or by its watchdog.

Used by ``bench/load_users.py``: the app, ``mds simulate`` and the embedded MDS it brings up, and
whatever Playwright left behind (the driver and Chromium are the bench's own descendants).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class Processes:
    """What this run started: stopped in ``stop`` (and by the watchdog), each by its own process group."""

    def __init__(self) -> None:
        self.groups: list[subprocess.Popen] = []
        self.mds_home: Path | None = None
        self.lock = threading.Lock()
        self.stopped = False

    def start(self, argv: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
        with open(log, "wb") as out:
            process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.groups.append(process)
        return process

    def stop(self) -> None:
        with self.lock:
            if self.stopped:
                return
            self.stopped = True
        for process in self.groups:
            kill_group(process)
        if self.mds_home is not None:
            from embedded_mds import local_mds

            local_mds.down(self.mds_home)
        for pid in _descendants(os.getpid()):  # Playwright's driver and Chromium, if still there
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def kill_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier]
        found += children
        frontier = children
    return found
