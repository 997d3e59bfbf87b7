"""The Monitor page in AppTest over request-log calls and a batch run logged by the real BatchLogWriter: the
headline and the call count say how many rows came from batches, and a batch row a logger also reported is
counted once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from logsink.simulate import draw_rows
from mds_client import ModelSchema, read_reference
from mds_client.schema.features import Feature, FeatureKind
from tests.app.helpers import metric_values, texts
from tests.app.test_monitor_page import tabular_model
from tests.app.test_monitor_periods import open_monitor
from workbench.batch.log_writer import BatchLogWriter
from workbench.settings import get_settings
from workbench.store import open_store
from workbench.store.request_log import LogWrite, log_row, store_log

CALLS, BATCH, SHARED = 150, 240, 40


def schema_of(reference) -> ModelSchema:  # type: ignore[no-untyped-def]
    return ModelSchema(features=tuple(
        Feature(str(c), FeatureKind.NUMBER if reference[c].dtype.kind in "fiu" else FeatureKind.STRING)
        for c in reference.columns))


@pytest.fixture
def logged(app_env, refs, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """CALLS single calls in the last half hour, and a batch run of BATCH rows whose first SHARED rows the
    request log holds too (their requests went through a logger)."""
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", "")
    get_settings.cache_clear()
    ref, _ = tabular_model(refs)
    reference = read_reference(ref.reference_data)
    engine = open_store(get_settings().database_url)
    rng = np.random.default_rng(5)
    frame = draw_rows(reference, CALLS + BATCH, rng)
    now = datetime.now(UTC)
    write = LogWrite()
    for i, record in enumerate(frame.head(CALLS + SHARED).to_dict("records")):
        request_id = f"call-{i}" if i < CALLS else f"shared-{i - CALLS}"
        t = now - timedelta(minutes=30) + timedelta(seconds=10 * i)
        write.rows.append(log_row(model=ref.name, request_id=request_id, row_index=0, source="simulate", time=t,
                                  inputs=record, label="first", confidence=0.8, status="ok",
                                  response_time=t + timedelta(milliseconds=15)))
    store_log(engine, write)
    rows = frame.tail(BATCH).reset_index(drop=True)
    rows.iloc[:SHARED] = frame.iloc[CALLS:CALLS + SHARED].to_numpy()
    rows = rows.assign(prediction="first", confidence=0.8, error="",
                       request_id=[f"shared-{i}" if i < SHARED else f"job-{i // 10}" for i in range(BATCH)])
    writer = BatchLogWriter(engine, tmp_path, ref, schema_of(reference), run_id="monitor-run", user="ana")
    for start in range(0, BATCH, 100):
        writer.on_rows(rows.iloc[start:start + 100].reset_index(drop=True))
    assert writer.close() is None
    return ref


def test_the_page_counts_batch_rows_beside_calls_once(logged):
    at = open_monitor(model=logged.name)
    shown = texts(at)
    batch_only = BATCH - SHARED
    headline = re.search(r"([\d,]+) calls from the request log and ([\d,]+) rows scored in batches", shown)
    assert headline, shown[:600]
    assert (int(headline.group(1)), int(headline.group(2))) == (CALLS + SHARED, batch_only)
    assert metric_values(at)[next(k for k in metric_values(at) if k.startswith("Calls "))] == \
        f"{CALLS + SHARED + batch_only:,}"


def test_the_rate_is_of_live_calls_and_says_so_beside_batch_rows(logged):
    at = open_monitor(model=logged.name)
    metrics = metric_values(at)
    rates = [k for k in metrics if "per second" in k and "Prometheus" not in k]
    assert rates and all(k.startswith("Live calls per second, last ") for k in rates), list(metrics)
    # the rate is of the request log's calls over one window's width: the batch's rows are not in it
    helps = " ".join(str(m.help) for m in at.metric if m.label in rates)
    assert "Rows scored in batches are left out" in helps
