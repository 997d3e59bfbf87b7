"""Start, watch and stop server processes, each in its own process group (POSIX).

A server is started as a session leader (``start_new_session``) so that stopping it means one
signal to its group, reaching gunicorn workers, multiprocessing helpers and MLServer's children.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path

STOP_GRACE_SECONDS = 5.0
POLL_SECONDS = 0.1
HTTP_PROBE_TIMEOUT = 1.0


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start_process(argv: list[str], *, log_path: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(argv)}\n".encode())
        log.flush()
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )


def http_ok(url: str, timeout: float = HTTP_PROBE_TIMEOUT) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def http_post(url: str, body: bytes = b"", timeout: float = 30.0) -> tuple[bool, str]:
    """POST and report (ok, response text or error)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return 200 <= response.status < 300, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        # MLServer answers a traceback or {"error": ...}: its last line says what went wrong.
        lines = [line for line in error.read().decode(errors="replace").splitlines() if line.strip()]
        return False, f"HTTP {error.code}: {(lines[-1] if lines else error.reason)[:300]}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, str(error)


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines)).rstrip()
    except OSError:
        return "(no log)"


def log_matches(path: Path, pattern: str, limit: int = 3) -> list[str]:
    """The first ``limit`` matches of ``pattern`` in the log's last run (after its last "==== ... starting" line)."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return []
    run = text[text.rfind("\n==== "):]
    return [match.group(0)[:300] for match in re.finditer(pattern, run)][:limit]


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, pgid) of a process from /proc, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return fields[0], int(fields[2])


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # not our child: init reaps it
        os.waitpid(pid, os.WNOHANG)


def pid_alive(pid: int) -> bool:
    _reap(pid)
    stat = _stat(pid)
    if stat is None:
        if not Path("/proc").is_dir():  # not Linux: fall back to signal 0
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return True
        return False
    return stat[0] != "Z"


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and stat[1] == pgid and stat[0] != "Z":
                members.append(int(entry.name))
    return members


def group_alive(pgid: int) -> bool:
    _reap(pgid)
    if Path("/proc").is_dir():
        return bool(group_members(pgid))
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop_group(pgid: int, grace: float = STOP_GRACE_SECONDS) -> bool:
    """SIGTERM a process group, SIGKILL it after `grace` seconds; True when nothing is left."""
    return stop_groups([pgid], grace)


def stop_groups(pgids: list[int], grace: float = STOP_GRACE_SECONDS) -> bool:
    """Stop several process groups at once (SIGTERM all, wait, SIGKILL the rest)."""
    for pgid in pgids:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            _reap(pgid)
    for sig, wait in ((signal.SIGKILL, grace), (None, 2.0)):
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not any(group_alive(pgid) for pgid in pgids):
                return True
            time.sleep(POLL_SECONDS)
        if sig is not None:
            for pgid in pgids:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, sig)
    return not any(group_alive(pgid) for pgid in pgids)
