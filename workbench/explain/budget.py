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

from mds_client import FeatureKind, MDSClient, MDSError, ModelRef, ModelSchema, Prediction, Timeout
from mds_client.codecs.v2 import V2Codec
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
    (split only above ``MAX_ROWS_PER_CALL`` rows), through the client's pooled transport. A V2 model
    that takes numeric rows (``schema.takes_numeric_rows``) gets the matrix as one tensor directly,
    with no DataFrame in between.

    With ``remember`` (one box per explanation) each row's answer is kept, keyed by the row's bytes,
    and a row asked again is answered from memory, never sent twice: AnchorTabular perturbs by drawing
    from the reference rows, so about a quarter of what it asks repeats. That assumes the served model
    is deterministic (the same row always gets the same answer), as a model serving fixed weights is;
    the memory lives only as long as the explanation. ``calls`` and ``rows`` count what was truly
    sent, ``asked`` the rows asked, so "N calls, M rows" stays what the model saw.
    """

    def __init__(self, client: MDSClient, ref: ModelRef, schema: ModelSchema, space: FeatureSpace | None,
                 budget: Budget | None = None, *, labels: bool = False, remember: bool = False) -> None:
        self.client, self.ref, self.schema, self.space = client, ref, schema, space
        self.budget = budget or unlimited(ref.name)
        self.labels = labels
        self.calls = 0
        self.rows = 0
        self.asked = 0
        self._memo: dict[bytes, np.ndarray] | None = {} if remember else None
        self._deferred: list[np.ndarray] | None = None
        self._tensor = ref.protocol == "v2" and schema.takes_numeric_rows
        self._integers = [j for j, f in enumerate(schema.features) if f.kind == FeatureKind.INTEGER]

    def frames(self, frame: pd.DataFrame) -> np.ndarray:
        """Score an already decoded frame: one request per ``MAX_ROWS_PER_CALL`` rows."""
        return self._score(frame)

    def _score(self, rows: pd.DataFrame | np.ndarray) -> np.ndarray:
        outs = []
        for start in range(0, len(rows), MAX_ROWS_PER_CALL):
            self.budget.check()
            chunk = rows[start:start + MAX_ROWS_PER_CALL] if isinstance(rows, np.ndarray) else \
                rows.iloc[start:start + MAX_ROWS_PER_CALL]
            try:
                prediction = self._send(chunk)
            except RequestTimeout:
                self.budget.check()
                raise ExplanationTimeout(
                    f"Model '{self.ref.name}' is too slow to explain within {self.budget.seconds:g} s "
                    "(a call to it did not come back in time).") from None
            self.calls += 1
            self.rows += len(chunk)
            if self.budget.seconds != float("inf"):
                self.budget.progress(self.budget.elapsed / self.budget.seconds, self.progress_message())
            if prediction.proba_matrix is not None:
                outs.append(np.asarray(prediction.proba_matrix, dtype=float))
            elif prediction.values is not None:
                outs.append(np.asarray(prediction.values, dtype=float).reshape(len(chunk)))
            else:
                raise ExplainError(f"Model '{self.ref.name}' gives neither probabilities nor values to explain.")
        out = np.concatenate(outs, axis=0)
        if self.labels and out.ndim == 2:
            return np.argmax(out, axis=1)
        return out

    def progress_message(self) -> str:
        repeats = self.asked - self.rows if self._memo is not None else 0
        again = f" ({repeats:,} repeated rows answered from memory)" if repeats > 0 else ""
        return (f"{self.calls} calls to the model, {self.rows:,} rows{again}, "
                f"{self.budget.elapsed:.1f} s of {self.budget.seconds:g} s")

    def _send(self, chunk: pd.DataFrame | np.ndarray) -> Prediction:
        if isinstance(chunk, pd.DataFrame):
            return self.client.predict(self.ref, chunk, self.schema, validate=False, timeout=self._timeout(),
                                       rows_as_tensor=True)
        if self._tensor:
            wire = chunk.copy()
            # what decode then encode would send: integers rounded, as float64
            wire[:, self._integers] = np.rint(wire[:, self._integers]).astype(np.int64)
            body = V2Codec().encode_matrix(wire, self.schema)
            return self.client.predict_body(self.ref, body, self.schema, n_rows=len(chunk), timeout=self._timeout())
        return self._send(self.space.decode(chunk))  # type: ignore[union-attr]

    def _timeout(self) -> Timeout | None:
        if self.budget.seconds == float("inf"):
            return None
        # The transport retries a read timeout; split what is left so the retries fit in it too.
        attempts = max(1, self.client.transport.retry.attempts)
        return Timeout(self.client.transport.timeout.connect, max(0.2, self.budget.remaining / attempts))

    @contextmanager
    def deferring(self) -> Iterator[list[np.ndarray]]:
        """Within this block, record the matrices asked instead of sending them and answer placeholder
        labels (-1); the caller sends the recorded rows later, together (``anchor_rounds``)."""
        self._deferred = recorded = []
        try:
            yield recorded
        finally:
            self._deferred = None

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        if self.space is None:
            raise ExplainError(f"Model '{self.ref.name}' has no tabular feature space.")
        if self._deferred is not None:
            self._deferred.append(np.array(matrix, copy=True))
            return np.full(len(matrix), -1)
        matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
        self.asked += len(matrix)
        if self._memo is None:
            return self._score(matrix)
        memo = self._memo
        row_bytes = np.dtype((np.void, matrix.dtype.itemsize * matrix.shape[1]))
        keys: list[bytes] = np.ascontiguousarray(matrix).view(row_bytes).ravel().tolist()
        new: dict[bytes, int] = {}  # rows neither remembered nor met earlier in this matrix -> first index
        for i, k in enumerate(keys):
            if k not in memo and k not in new:
                new[k] = i
        if new:
            for k, answer in zip(new, self._score(matrix[list(new.values())]), strict=True):
                memo[k] = answer
        return np.asarray([memo[k] for k in keys])


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
