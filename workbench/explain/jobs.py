"""An explanation running off the caller's thread: progress, cancel, result or plain error.

The app starts one per button press and polls it; the page stays usable meanwhile. The work
gets a ``Budget`` and must check it (every ``BlackBox`` call does), so cancel and the time limit
take effect at the next call to the model.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mds_client import MDSError
from workbench.explain.budget import Budget

_live: set[ExplanationJob] = set()
_live_lock = threading.Lock()


@dataclass(eq=False)
class ExplanationJob:
    budget: Budget
    label: str = ""
    progress: float = 0.0
    message: str = "Starting..."
    result: Any = None
    error: str | None = None
    finished: float | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.finished is not None

    def cancel(self) -> None:
        self.budget.cancel()
        self.message = "Stopping at the next call to the model..."

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.done


def start(work: Callable[[Budget], Any], *, seconds: float, model: str, label: str = "") -> ExplanationJob:
    """Run ``work(budget)`` in a daemon thread and return the job to poll."""
    job = ExplanationJob(budget=Budget(seconds=seconds, model=model), label=label)

    def report(fraction: float, message: str) -> None:
        job.progress, job.message = fraction, message or job.message

    job.budget.on_progress = report

    def run() -> None:
        try:
            job.result = work(job.budget)
        except MDSError as exc:
            job.error = str(exc)
        except Exception as exc:  # shown in plain words: a silent dead thread would look like a hang
            job.error = f"The explanation of '{model}' failed unexpectedly ({type(exc).__name__}: {exc})."
        finally:
            job.progress, job.finished = 1.0, time.monotonic()
            with _live_lock:
                _live.discard(job)

    with _live_lock:
        _live.add(job)
    job._thread = threading.Thread(target=run, name=f"explain-{model}", daemon=True)
    job._thread.start()
    return job


def wait_all(timeout: float = 60.0) -> bool:
    """Wait until every running explanation has ended (tests, shutdown); False if some still run."""
    deadline = time.monotonic() + timeout
    while True:
        with _live_lock:
            running = list(_live)
        if not running:
            return True
        if time.monotonic() >= deadline:
            return False
        running[0].wait(max(0.0, deadline - time.monotonic()))
