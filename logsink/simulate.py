"""``mds simulate``: traffic from outside the workbench, logged as Seldon's request logger logs it.

Rows are drawn from the model's reference data (resampled, numeric columns jittered by 5 % of their
standard deviation so that no two calls are copies), sent to the model's real endpoint through
``MDSClient``, and the exact request and response bodies are posted to the sink as binary
CloudEvents with Seldon's headers. ``Ce-Source: urn:mds-workbench:simulate`` marks them as
simulated, so they can be told apart and removed. With ``days`` the event times are spread over
the last ``days`` days (a backfill); ``drift`` shifts one feature from the last day onward.
Every loop is bounded by ``rows``; a fixed ``seed`` gives the same rows every run.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pandas as pd

from logsink.errors import SimulateError
from logsink.events import WORKBENCH_SOURCE_PREFIX, binary_headers
from mds_client import MDSClient, MDSError, ModelRef, ModelSchema, jsonable, read_reference
from mds_client.prediction import dump_json

DEFAULT_SINK = "http://127.0.0.1:9530"
JITTER = 0.05


@dataclass(frozen=True)
class Drift:
    feature: str
    shift: float

    @classmethod
    def parse(cls, text: str) -> Drift:
        name, sep, amount = text.rpartition(":")
        try:
            shift = float(amount)
        except ValueError:
            shift = None  # type: ignore[assignment]
        if not sep or not name or shift is None:
            raise SimulateError(f"--drift {text!r} is not FEATURE:SHIFT (e.g. alcohol:2 shifts alcohol by 2 "
                                "standard deviations).")
        return cls(name, shift)


@dataclass
class SimulateResult:
    calls: int = 0
    rows: int = 0
    drifted_rows: int = 0
    events_accepted: int = 0
    events_rejected: int = 0
    failed_calls: int = 0
    rejects: list[str] = field(default_factory=list)
    seconds: float = 0.0


def draw_rows(reference: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` rows like the reference: resampled, numeric columns jittered, integers kept integers."""
    frame = reference.iloc[rng.integers(0, len(reference), size=n)].reset_index(drop=True)
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        std = float(reference[column].std() or 0.0)
        noisy = series.to_numpy(dtype=float) + rng.normal(0.0, JITTER * std, size=n)
        lo, hi = float(reference[column].min()), float(reference[column].max())
        noisy = np.clip(noisy, lo, hi)  # stay inside what the model saw, so validation passes
        frame[column] = np.rint(noisy).astype(series.dtype) if pd.api.types.is_integer_dtype(series) else noisy
    return frame


def apply_drift(frame: pd.DataFrame, reference: pd.DataFrame, drift: Drift, mask: np.ndarray,
                rng: np.random.Generator) -> pd.DataFrame:
    """Numeric: + shift standard deviations. Categorical: the rarest category becomes common."""
    if drift.feature not in frame.columns:
        raise SimulateError(f"--drift names '{drift.feature}', which is not a feature of this model "
                            f"(features: {', '.join(map(str, frame.columns))}).")
    column = frame[drift.feature]
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        std = float(reference[drift.feature].std() or 1.0)
        shifted = column.to_numpy(dtype=float) + np.where(mask, drift.shift * std, 0.0)
        frame[drift.feature] = np.rint(shifted).astype(column.dtype) if pd.api.types.is_integer_dtype(column) else shifted
        return frame
    rarest = reference[drift.feature].value_counts().index[-1]
    share = min(0.9, 0.25 * abs(drift.shift))
    flip = mask & (rng.random(len(frame)) < share)
    values = column.astype(object).to_numpy()
    values[flip] = rarest
    frame[drift.feature] = pd.Series(values, index=frame.index).astype(column.dtype)
    return frame


def event_times(n: int, days: float | None, now: datetime) -> list[datetime]:
    if not days:
        return []
    start = now - timedelta(days=days)
    step = (now - start) / max(n, 1)
    return [start + step * (i + 0.5) for i in range(n)]


def simulate(ref: ModelRef, *, rows: int, rate: float, sink_url: str, drift: Drift | None = None,
             days: float | None = None, seed: int = 0, batch: int = 1, client: MDSClient | None = None,
             on_call: Callable[[SimulateResult], None] | None = None, tag: str = "",
             stop: threading.Event | None = None) -> SimulateResult:
    """Send ``rows`` instances to ``ref`` (``batch`` per call) at ``rate`` calls/s, and their events to the sink.

    ``tag`` marks every logged row (``demo`` for the seeded traffic); setting ``stop`` ends the run
    after the call in flight.
    """
    if rows < 1 or rate <= 0 or batch < 1:
        raise SimulateError("--rows and --batch must be at least 1 and --rate above 0.")
    if ref.reference_data is None or not ref.reference_data.exists():
        raise SimulateError(f"Model '{ref.name}' has no reference data in the catalog (reference_data:); "
                            "simulated rows are drawn from it.")
    own = client is None
    client = client or MDSClient()
    rng = np.random.default_rng(seed)
    reference = read_reference(ref.reference_data)
    try:
        schema = client.schema(ref, reference=reference)
        features = [c for c in schema.table_columns() if c in reference.columns] or list(reference.columns)
        reference = reference[features]
        frame = draw_rows(reference, rows, rng)
        now = datetime.now(UTC)
        times = event_times(rows, days, now)
        mask = (np.array([t >= now - timedelta(days=1) for t in times]) if times else np.ones(rows, dtype=bool))
        result = SimulateResult()
        if drift is not None:
            frame = apply_drift(frame, reference, drift, mask, rng)
            result.drifted_rows = int(mask.sum())
        started = time.monotonic()
        with httpx.Client(timeout=httpx.Timeout(10.0, connect=3.0)) as http:
            for call, first in enumerate(range(0, rows, batch)):
                chunk = frame.iloc[first:first + batch]
                moment = times[first] if times else datetime.now(UTC)
                if stop is not None and stop.is_set():
                    break
                _one_call(client, http, ref, schema, chunk, moment, sink_url, result, tag)
                if on_call is not None:
                    on_call(result)
                wait = started + (call + 1) / rate - time.monotonic()
                if wait > 0 and (stop.wait(wait) if stop is not None else time.sleep(wait)):
                    break
        result.seconds = time.monotonic() - started
        return result
    finally:
        if own:
            client.close()


def _one_call(client: MDSClient, http: Any, ref: ModelRef, schema: ModelSchema, chunk: pd.DataFrame,
              moment: datetime, sink_url: str, result: SimulateResult, tag: str = "") -> None:
    try:
        # Drifted values may leave the schema's bounds on purpose: the model, not our validation, must see them.
        prediction = client.predict(ref, chunk, schema, validate=False)
    except MDSError as exc:
        result.failed_calls += 1
        if result.calls == 0 and result.failed_calls >= 5:
            raise SimulateError(f"Model '{ref.name}' refused every call so far: {exc}") from None
        return
    result.calls += 1
    result.rows += len(chunk)
    respond_at = moment + timedelta(milliseconds=prediction.latency_ms)
    for kind, body, at in (("request", prediction.request, moment), ("response", prediction.response, respond_at)):
        headers = binary_headers(event_id=str(uuid.uuid4()), kind=kind, request_id=prediction.request_id,
                                 service=ref.log_name or ref.name, model_id=ref.v2_name, namespace=ref.namespace,
                                 time=at, source=f"{WORKBENCH_SOURCE_PREFIX}simulate",
                                 logger="kserve" if ref.protocol == "kserve-v1" else "seldon")
        if ref.protocol == "v2":
            headers["Ce-Protocol"] = "v2"
        if tag:
            headers["Ce-Mdstag"] = tag  # a CloudEvents extension the sink honours from workbench sources only
        try:
            answer = http.post(sink_url.rstrip("/") + "/", headers=headers, content=dump_json(jsonable(body)))
        except httpx.HTTPError as exc:
            raise SimulateError(f"The request-log sink at {sink_url} is not reachable ({type(exc).__name__}). "
                                "Start it with 'mds logs serve' or pass --sink URL.") from None
        if answer.status_code // 100 == 2:
            result.events_accepted += 1
        else:
            result.events_rejected += 1
            result.rejects.append(f"{answer.status_code}: {answer.text[:200]}")
