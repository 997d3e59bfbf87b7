"""Time budget, cancel and progress for explanations, and the model as a numpy function.

Every explanation computed here calls the model many times. ``Budget`` is checked before each
call: past its deadline it raises ``ExplanationTimeout``, after ``cancel()`` it raises
``ExplanationCancelled``, so a slow model gives a plain message instead of a hung page. The
``BlackBox`` predictor sends many perturbed rows per call through the client's pooled session
and counts its calls (the what-if sweep promises exactly one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mds_client import MDSClient, MDSError, ModelRef, ModelSchema, Timeout
from mds_client.errors import RequestTimeout
from workbench.errors import ExplainError, ExplanationCancelled, ExplanationTimeout
from workbench.explain.feature_space import FeatureSpace

MAX_ROWS_PER_CALL = 5000
"""Rows in one request; Alibi's samplers ask for a few hundred to a few thousand at a time."""


@dataclass
class Budget:
    """A deadline, a cancel flag and a progress callback shared by one explanation run."""

    seconds: float = 20.0
    model: str = ""
    on_progress: Callable[[float, str], None] | None = None
    started: float = field(default_factory=time.monotonic)
    _cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def remaining(self) -> float:
        return self.seconds - self.elapsed

    def start_clock(self) -> None:
        """Count from now: called once the explainer library is loaded, which on a busy machine can
        take longer than the budget itself and says nothing about the model's speed."""
        self.started = time.monotonic()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise if the run was cancelled or its time is up; called before every model call."""
        if self._cancel.is_set():
            raise ExplanationCancelled(f"The explanation of '{self.model}' was cancelled.")
        if self.remaining <= 0:
            raise ExplanationTimeout(
                f"Model '{self.model}' is too slow to explain within {self.seconds:g} s "
                f"(stopped after {self.elapsed:.1f} s).")

    def progress(self, fraction: float, message: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(min(max(fraction, 0.0), 1.0), message)


def unlimited(model: str = "") -> Budget:
    return Budget(seconds=float("inf"), model=model)


class BlackBox:
    """The served model as ``matrix -> probabilities`` (classification) or ``-> values`` (regression).

    Rows are encoded with the model's ``FeatureSpace``; each call of this object is one request
    (split only above ``MAX_ROWS_PER_CALL`` rows), through the client's pooled transport.
    """

    def __init__(self, client: MDSClient, ref: ModelRef, schema: ModelSchema, space: FeatureSpace | None,
                 budget: Budget | None = None, *, labels: bool = False) -> None:
        self.client, self.ref, self.schema, self.space = client, ref, schema, space
        self.budget = budget or unlimited(ref.name)
        self.labels = labels
        self.calls = 0
        self.rows = 0

    def frames(self, frame: pd.DataFrame) -> np.ndarray:
        """Score an already decoded frame: one request per ``MAX_ROWS_PER_CALL`` rows."""
        outs = []
        for start in range(0, len(frame), MAX_ROWS_PER_CALL):
            self.budget.check()
            chunk = frame.iloc[start:start + MAX_ROWS_PER_CALL]
            try:
                prediction = self.client.predict(self.ref, chunk, self.schema, validate=False,
                                                 timeout=self._timeout(), rows_as_tensor=True)
            except RequestTimeout:
                self.budget.check()
                raise ExplanationTimeout(
                    f"Model '{self.ref.name}' is too slow to explain within {self.budget.seconds:g} s "
                    "(a call to it did not come back in time).") from None
            self.calls += 1
            self.rows += len(chunk)
            if self.budget.seconds != float("inf"):
                self.budget.progress(self.budget.elapsed / self.budget.seconds,
                                     f"{self.calls} calls to the model, {self.rows:,} rows, "
                                     f"{self.budget.elapsed:.1f} s of {self.budget.seconds:g} s")
            if prediction.probabilities is not None:
                outs.append(prediction.probabilities.to_numpy(dtype=float))
            elif prediction.values is not None:
                outs.append(np.asarray(prediction.values, dtype=float).reshape(len(chunk)))
            else:
                raise ExplainError(f"Model '{self.ref.name}' gives neither probabilities nor values to explain.")
        out = np.concatenate(outs, axis=0)
        if self.labels and out.ndim == 2:
            return np.argmax(out, axis=1)
        return out

    def _timeout(self) -> Timeout | None:
        if self.budget.seconds == float("inf"):
            return None
        # The transport retries a read timeout; split what is left so the retries fit in it too.
        attempts = max(1, self.client.transport.retry.attempts)
        return Timeout(self.client.transport.timeout.connect, max(0.2, self.budget.remaining / attempts))

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        if self.space is None:
            raise ExplainError(f"Model '{self.ref.name}' has no tabular feature space.")
        return self.frames(self.space.decode(matrix))


@contextmanager
def model_errors_surface() -> Iterator[None]:
    """Alibi wraps whatever the predictor raised (``PredictorCallError``); give back our own error.

    A timeout, a cancel or a model that refused the rows then reads as what it is, not as
    "Predictor failed to be called".
    """
    try:
        yield
    except MDSError:
        raise
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, MDSError):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        raise cause from None
