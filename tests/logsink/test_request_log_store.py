"""The request log in the store, on SQLite and on a real Postgres: upserts, windows, union with predictions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.store import log_prediction, open_store
from workbench.store.request_log import LogWrite, log_row, store_log
from workbench.store.traffic import count_log_rows, log_summary, source_totals, window_calls, window_counts

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'store.db'}")
    return open_store(request.getfixturevalue("postgres_db"))


def request_part(rid: str, row: int, moment: datetime, source: str = "seldon-logger") -> dict:
    return log_row(model="m", request_id=rid, row_index=row, source=source, time=moment, inputs={"x": row})


def response_part(rid: str, row: int, moment: datetime) -> dict:
    return log_row(model="m", request_id=rid, row_index=row, source="seldon-logger", time=moment,
                   outputs={"label": "a"}, label="a", confidence=0.9, status="ok", response_time=moment)


def test_upsert_joins_either_order_and_is_idempotent(engine):
    later = T0 + timedelta(seconds=5)
    store_log(engine, LogWrite(rows=[response_part("r1", 0, later)]))
    store_log(engine, LogWrite(rows=[request_part("r1", 0, T0), request_part("r1", 0, T0)][:1]))
    store_log(engine, LogWrite(rows=[request_part("r1", 0, T0)]))
    store_log(engine, LogWrite(rows=[response_part("r1", 0, later)]))
    # In one statement too: Postgres refuses a key twice per INSERT, the writer merges them first.
    from logsink.writer import _dedupe

    store_log(engine, _dedupe(LogWrite(rows=[request_part("r2", 0, T0), response_part("r2", 0, later)])))
    assert count_log_rows(engine, model="m") == 2
    calls = window_calls(engine, "m", T0, T0 + timedelta(hours=1), include_workbench=False)
    assert [(c.request_id, c.time, c.inputs, c.label, c.status) for c in calls] == [
        ("r1", T0, {"x": 0}, "a", "ok"), ("r2", T0, {"x": 0}, "a", "ok")]


def test_windows_counted_by_the_database_and_unioned_with_workbench_predictions(engine):
    rows = [request_part(f"h{h}-{i}", 0, T0 + timedelta(hours=h, minutes=i)) for h in range(24) for i in range(h % 3)]
    rows.append(request_part("shared", 0, T0 + timedelta(hours=1), source="simulate"))
    store_log(engine, LogWrite(rows=rows))
    # The workbench made "shared" too (the logger saw it: counted once) and one call no logger saw.
    log_prediction(engine, user="u", model="m", request_id="shared", inputs={"x": 1}, outputs={"label": "a"})
    log_prediction(engine, user="u", model="m", request_id="only-here", inputs={"x": 2},
                   outputs={"label": "b", "probabilities": {"a": 0.3, "b": 0.7}, "row": 1})
    now = datetime.now(UTC)
    counts = window_counts(engine, "m", T0, T0 + timedelta(days=1), 3600, include_workbench=False)
    assert len(counts) == 24 and counts[0] == (T0, 0) and counts[1][1] == 1 + 1 and counts[2][1] == 2
    assert sum(n for _, n in counts) == len(rows)
    span = window_counts(engine, "m", now - timedelta(minutes=5), now + timedelta(minutes=5), 600)
    assert span == [(now - timedelta(minutes=5), 1)], "the shared call is not counted twice"
    totals = source_totals(engine, "m")
    assert totals == {"seldon-logger": len(rows) - 1, "simulate": 1, "workbench": 1}
    summary = log_summary(engine, "m")
    assert summary.total == len(rows) + 1 and summary.first == T0 + timedelta(hours=1)
    recent = window_calls(engine, "m", now - timedelta(minutes=5), now + timedelta(minutes=5))
    assert [(c.source, c.request_id, c.label, c.confidence) for c in recent] == [("workbench", "only-here", "b", 0.7)]


def test_no_silent_row_limit(engine):
    store_log(engine, LogWrite(rows=[request_part(f"r{i}", 0, T0 + timedelta(seconds=i)) for i in range(50_001)]))
    assert len(window_calls(engine, "m", T0, T0 + timedelta(days=1), include_workbench=False)) == 50_001
