"""What the Monitor page shows, from the prediction log: inputs seen, latency and errors over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine

from mds_client import ModelSchema
from workbench.store import monitoring


def logged_inputs(engine: Engine, model: str, schema: ModelSchema, *, days: int = 30, limit: int = 50_000) -> pd.DataFrame:
    """Inputs of successful predictions of ``model`` in the last ``days``: feature columns plus ``created``."""
    since = datetime.now(UTC) - timedelta(days=days)
    rows = monitoring.logged_inputs(engine, model, since, limit)
    records = []
    for inputs, created in rows:
        if isinstance(inputs, dict) and all(name in inputs for name in schema.names):
            records.append({**{n: inputs[n] for n in schema.names}, "created": created})
    return pd.DataFrame.from_records(records, columns=[*schema.names, "created"])


def health(engine: Engine, model: str, *, days: int = 30, freq: str = "D") -> pd.DataFrame:
    """Per window: calls, errors, error rate, p50 and p95 latency (ms)."""
    since = datetime.now(UTC) - timedelta(days=days)
    frame = pd.DataFrame(monitoring.calls(engine, model, since), columns=["created", "status", "latency_ms", "source"])
    columns = ["window", "calls", "errors", "error_rate", "p50_ms", "p95_ms"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    # Batch rows share one call's latency; the latency view is about single calls.
    frame["window"] = pd.to_datetime(frame["created"], utc=True).dt.floor(freq)
    grouped = frame.groupby("window")
    single = frame[frame["source"] != "batch"].groupby("window")["latency_ms"]
    out = pd.DataFrame({
        "calls": grouped.size(),
        "errors": grouped["status"].apply(lambda s: int((s == "error").sum())),
    })
    out["error_rate"] = out["errors"] / out["calls"]
    out["p50_ms"] = single.median()
    out["p95_ms"] = single.quantile(0.95)
    return out.reset_index()[columns]
