"""CPU seconds per group of the processes a bench started, read from ``/proc/<pid>/stat`` (utime + stime).

Used by ``bench/load_users.py``. Every descendant of the bench's own process is put in a group by its
command line (or its nearest ancestor's, for workers such as MLServer's): the browser, the Playwright
driver, the app server, the model servers, the sink, ``mds simulate`` and the bench driver itself. A
thread rescans every second so that a process which exits between two snapshots still counts (up to its
last scan). CPU seconds are what the work cost whoever else shares the machine; wall seconds are not.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
GROUPS = ["browser (Chromium)", "Playwright driver", "app server (streamlit)", "model servers", "sink",
          "mds simulate", "bench driver"]
SERVER_GROUPS = ("app server (streamlit)", "model servers", "sink")
CLIENT_GROUPS = ("browser (Chromium)", "Playwright driver", "bench driver")
STEPS_PER_ITERATION = 3.7  # predict, why, feedback, and one time in three history and back to predict


def _classify(cmd: str) -> str | None:
    if "chromium" in cmd or "chrome" in cmd:
        return "browser (Chromium)"
    if "playwright" in cmd or cmd.startswith("node ") or "/node " in cmd:
        return "Playwright driver"
    if "streamlit" in cmd:
        return "app server (streamlit)"
    if "logsink" in cmd:
        return "sink"
    if "simulate" in cmd and "workbench.cli" in cmd:
        return "mds simulate"
    if any(word in cmd for word in ("mlserver", "seldon", "alibi", "v1_explainer", "microservice")):
        return "model servers"
    return None  # a worker: its parent's group


def _read(pid: int) -> tuple[int, float, str] | None:
    """(parent pid, CPU seconds, command line) of one process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, cmd


class CpuMeter:
    """Per-process CPU seconds since ``start``, summed per group; ``snapshot`` reads them now."""

    def __init__(self, root: int | None = None, interval: float = 1.0) -> None:
        self.root = root or os.getpid()
        self.interval = interval
        self.baseline: dict[int, float] = {}
        self.latest: dict[int, float] = {}
        self.group: dict[int, str] = {}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    def _scan(self) -> None:
        table: dict[int, tuple[int, float, str]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (row := _read(int(entry.name))) is not None:
                table[int(entry.name)] = row
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        mine, frontier = [self.root], [self.root]  # parents before their children
        while frontier:
            frontier = [c for p in frontier for c in children.get(p, [])]
            mine += frontier
        with self.lock:
            for pid in mine:
                if pid not in table:
                    continue
                ppid, seconds, cmd = table[pid]
                if pid not in self.group:
                    self.group[pid] = ("bench driver" if pid == self.root else
                                       _classify(cmd) or self.group.get(ppid) or "bench driver")
                self.latest[pid] = max(seconds, self.latest.get(pid, 0.0))

    def start(self) -> CpuMeter:
        """Take the baseline (processes alive now count from here, new ones from 0) and scan every second."""
        self._scan()
        with self.lock:
            self.baseline = dict(self.latest)
        self.thread = threading.Thread(target=self._loop, name="cpu-meter", daemon=True)
        self.thread.start()
        return self

    def _loop(self) -> None:
        while not self.stop_event.wait(self.interval):
            self._scan()

    def snapshot(self) -> dict[str, float]:
        """CPU seconds per group since ``start``."""
        self._scan()
        totals = dict.fromkeys(GROUPS, 0.0)
        with self.lock:
            for pid, seconds in self.latest.items():
                group = self.group[pid]
                totals[group] = totals.get(group, 0.0) + seconds - self.baseline.get(pid, 0.0)
        return totals

    def stop(self) -> dict[str, float]:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(5)
        return self.snapshot()


def capacity(per_iteration: float, period: float, cores: int, busy: float = 0.7) -> float:
    """Users that ``cores`` hold at ``busy`` utilisation when each costs ``per_iteration`` CPU s every ``period`` s."""
    return cores * busy * period / per_iteration if per_iteration > 0 else float("inf")


def cpu_report(cpu: dict[str, float], *, iterations: int, page_loads: int, wall: float, users: int,
               cores: int | None = None, think: float = 0.0) -> list[str]:
    """The table and the capacity it implies, as lines to print."""
    cores = cores or os.cpu_count() or 1
    total = sum(cpu.values())
    lines = [f"CPU seconds per group over {wall:.0f} s (CPU seconds hold whoever else shares the machine; "
             "wall seconds do not)",
             f"{'group':<26}{'CPU s':>8}{'share':>7}{'/ iteration':>13}{'/ page load':>13}"]
    for group in GROUPS:
        seconds = cpu.get(group, 0.0)
        per_it = f"{seconds / iterations:13.2f}" if iterations else f"{'-':>13}"
        per_load = f"{seconds / page_loads:13.3f}" if page_loads else f"{'-':>13}"
        lines.append(f"{group:<26}{seconds:8.1f}{seconds / total if total else 0:7.0%}{per_it}{per_load}")
    lines.append(f"{'all':<26}{total:8.1f}{'':>7}"
                 + (f"{total / iterations:13.2f}" if iterations else f"{'-':>13}")
                 + (f"{total / page_loads:13.3f}" if page_loads else f"{'-':>13}"))
    lines.append(f"({iterations} iterations of predict + why + feedback, {page_loads} page loads = timed steps; "
                 f"the machine's {cores} cores could give {cores * wall:.0f} CPU s in that time)")
    if not page_loads:
        return lines
    rounds, how = float(iterations), "per iteration"
    if not iterations:  # none finished: estimate one from the page loads it has (predict, why, feedback, 1/3 history)
        rounds, how = page_loads / STEPS_PER_ITERATION, f"per iteration (estimated as {STEPS_PER_ITERATION} page loads)"
    server = sum(cpu.get(g, 0.0) for g in SERVER_GROUPS) / rounds
    client = sum(cpu.get(g, 0.0) for g in CLIENT_GROUPS) / rounds
    period = wall * users / rounds  # the seconds one user took per iteration here
    lines.append(f"{how}: server side (app + model servers + sink) {server:.2f} CPU s, "
                 f"browser side (Chromium + Playwright + driver) {client:.2f} CPU s; here one user took "
                 f"{period:.0f} s per iteration (wall: depends on the machine's other load)")
    lines.append(f"capacity at 70% of {cores} cores if each user does one iteration every T s (the model servers and "
                 "the sink also served mds simulate: the server's CPU is an upper bound, its capacity a lower one):")
    for t in sorted({30.0, 60.0, 120.0, *((think,) if think else ())}):
        lines.append(f"  T = {t:4.0f} s{' (--think)' if t == think else '':<10} server alone "
                     f"{capacity(server, t, cores):6.1f} users;  server + their browsers on this machine "
                     f"{capacity(server + client, t, cores):6.1f} users")
    return lines
