"""``replay_calls``: a window's calls in parts, oldest first, the newest N with a limit, the workbench's own
predictions merged in by time, inputs decoded; on SQLite and on a real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.store import log_prediction, open_store
from workbench.store.request_log import LogWrite, log_row, store_log
from workbench.store.traffic import replay_calls, window_calls

T0 = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = (T0, T0 + timedelta(hours=1))


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'store.db'}")
    return open_store(request.getfixturevalue("postgres_db"))


def logged(engine, calls: int, rows: int = 3) -> None:
    """``calls`` calls of ``rows`` rows each, a second apart, both halves logged."""
    write = LogWrite()
    for k in range(calls):
        moment = T0 + timedelta(seconds=k)
        for i in range(rows):
            common = {"model": "m", "request_id": f"r{k}", "row_index": i, "source": "seldon-logger", "time": moment}
            write.rows.append(log_row(**common, inputs={"x": k, "name": f"n{i}"}))
            write.rows.append(log_row(**common, outputs={"label": "a", "probabilities": {"a": 0.75}}, label="a",
                                      confidence=0.75, status="ok", response_time=moment))
    store_log(engine, write)


def keys(parts) -> list[tuple[str, int]]:
    return [(c.request_id, c.row_index) for part in parts for c in part]


def test_parts_hold_every_call_in_order_with_inputs_and_without_outputs(engine):
    logged(engine, 5)
    parts = list(replay_calls(engine, "m", *WINDOW, part_rows=4))
    assert [len(p) for p in parts] == [4, 4, 4, 3]
    assert keys(parts) == [(f"r{k}", i) for k in range(5) for i in range(3)]
    first = parts[0][1]
    assert (first.inputs, first.label, first.confidence, first.status, first.ts) == (
        {"x": 0, "name": "n1"}, "a", 0.75, "ok", T0.timestamp())
    assert keys(parts) == [(c.request_id, c.row_index) for c in window_calls(engine, "m", *WINDOW)]


@pytest.mark.parametrize(("limit", "expected"), [
    (4, [("r3", 2), ("r4", 0), ("r4", 1), ("r4", 2)]),
    (100, [(f"r{k}", i) for k in range(5) for i in range(3)]),
])
def test_a_limit_keeps_the_newest_calls_oldest_first(engine, limit, expected):
    logged(engine, 5)
    assert keys(replay_calls(engine, "m", *WINDOW, limit=limit, part_rows=2)) == expected


def test_the_workbench_predictions_no_logger_reported_are_merged_by_time(engine):
    logged(engine, 2, rows=1)
    log_prediction(engine, user="ana", model="m", request_id="own", inputs={"x": 9},
                   outputs={"label": "b", "probabilities": {"a": 0.1, "b": 0.9}, "row": 1})
    log_prediction(engine, user="ana", model="m", request_id="r0", inputs={"x": 0}, outputs={"label": "a"})  # logged too
    calls = [c for part in replay_calls(engine, "m", T0, datetime.now(UTC) + timedelta(minutes=1)) for c in part]
    assert [(c.request_id, c.source) for c in calls] == [("r0", "seldon-logger"), ("r1", "seldon-logger"),
                                                         ("own", "workbench")]
    assert (calls[-1].inputs, calls[-1].label, calls[-1].confidence) == ({"x": 9}, "b", 0.9)
    assert keys(replay_calls(engine, "m", T0, datetime.now(UTC), include_workbench=False)) == [("r0", 0), ("r1", 0)]
    assert keys(replay_calls(engine, "m", T0, datetime.now(UTC), limit=1)) == [("own", 0)]


def test_nothing_in_the_window_reads_nothing(engine):
    logged(engine, 2)
    assert list(replay_calls(engine, "m", T0 - timedelta(hours=2), T0)) == []
    assert list(replay_calls(engine, "other", *WINDOW)) == []
