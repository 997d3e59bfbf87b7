"""The 5-minute rollup beside the request log: kept exact by every write, on SQLite and on a real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, Table, insert, text

from workbench.store import make_engine, migrate, open_store
from workbench.store.request_log import LogWrite, delete_tagged, log_row, sample_key, store_log
from workbench.store.traffic_windows import window_sample, window_stats

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'store.db'}")
    return open_store(request.getfixturevalue("postgres_db"))


def request_part(rid: str, moment: datetime, *, row: int = 0, source: str = "seldon-logger",
                 tag: str | None = None) -> dict:
    return log_row(model="m", request_id=rid, row_index=row, source=source, time=moment, inputs={"x": 1}, tag=tag)


def response_part(rid: str, moment: datetime, *, row: int = 0, status: str = "ok") -> dict:
    return log_row(model="m", request_id=rid, row_index=row, source="seldon-logger", time=moment,
                   outputs={"label": "a"}, label="a", status=status, response_time=moment)


def rollup(engine) -> dict:
    with engine.connect() as c:
        rows = c.execute(text("SELECT model, bucket, source, calls, errors, latency_sum, latency_n "
                              "FROM request_log_rollup WHERE calls <> 0 OR latency_n <> 0"))
        return {(m, int(b), s): (n, e, round(ls, 6), ln) for m, b, s, n, e, ls, ln in rows}


def recomputed(engine) -> dict:
    with engine.connect() as c:
        rows = c.execute(text(
            "SELECT model, CAST(floor(event_ts / 300) AS INTEGER) * 300 AS b, source, count(*), "
            "sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END), "
            "coalesce(sum((response_ts - event_ts) * 1000.0), 0), count(response_ts) "
            "FROM request_log GROUP BY model, b, source"))
        return {(m, int(b), s): (n, e, round(ls, 6), ln) for m, b, s, n, e, ls, ln in rows}


def test_every_kind_of_write_keeps_the_rollup_equal_to_the_log(engine):
    # a response before its request (its row moves to the request's bucket), replays, failures, a batch
    store_log(engine, LogWrite(rows=[response_part("late", T0 + timedelta(minutes=7, seconds=1))]))
    assert rollup(engine) == recomputed(engine)
    store_log(engine, LogWrite(rows=[request_part("late", T0 + timedelta(minutes=2))]))
    store_log(engine, LogWrite(rows=[request_part("late", T0 + timedelta(minutes=2))]))  # delivered twice
    store_log(engine, LogWrite(rows=[request_part(f"b{i}", T0 + timedelta(minutes=i), row=r, source="simulate",
                                                  tag="demo" if i % 2 else None)
                                     for i in range(12) for r in range(3)]))
    store_log(engine, LogWrite(rows=[request_part("x", T0), response_part("x", T0 + timedelta(seconds=1))]))
    store_log(engine, LogWrite(rows=[response_part("b3", T0 + timedelta(minutes=3, seconds=2), row=1)]))
    store_log(engine, LogWrite(failures=[("m", "b4", "boom"), ("m", "b4", "boom"), ("m", "nobody", "x")]))
    store_log(engine, LogWrite(rows=[response_part("b5", T0 + timedelta(minutes=5), status="error")]))
    assert rollup(engine) == recomputed(engine)
    assert sum(v[0] for v in rollup(engine).values()) == 1 + 36 + 1  # "b5" row 0 existed: no new call
    assert delete_tagged(engine, "demo") == 18
    assert rollup(engine) == recomputed(engine)


def test_aligned_windows_read_the_rollup_and_agree_with_the_log(engine):
    rows = [request_part(f"r{i}", T0 + timedelta(seconds=37 * i)) for i in range(200)]
    store_log(engine, LogWrite(rows=rows))
    store_log(engine, LogWrite(rows=[response_part(f"r{i}", T0 + timedelta(seconds=37 * i + 0.25),
                                                   status="error" if i % 7 == 0 else "ok") for i in range(0, 200, 2)]))
    aligned = window_stats(engine, "m", T0, 900, 10, include_workbench=False)
    # a start 1 s off the buckets: counted from the log's index, the same arithmetic
    shifted = window_stats(engine, "m", T0 - timedelta(seconds=1), 900, 10, include_workbench=False)
    assert [(w.calls, w.errors) for w in aligned] == [(w.calls, w.errors) for w in shifted]
    assert sum(w.calls for w in aligned) == 200 and sum(w.errors for w in aligned) == len(range(0, 200, 14))
    assert all(w.mean_latency_ms == pytest.approx(250.0) for w in aligned if w.mean_latency_ms is not None)
    assert window_stats(engine, "m", T0, 900, 10, include_workbench=False, sources=("simulate",))[0].calls == 0


def test_a_large_window_is_sampled_by_key_about_the_limit_and_the_same_each_time(engine):
    rows = [request_part(f"s{i}", T0 + timedelta(seconds=i % 3600), row=i % 4) for i in range(8000)]
    store_log(engine, LogWrite(rows=rows))
    one = window_sample(engine, "m", T0, T0 + timedelta(hours=1), limit=400, total=8000, include_workbench=False)
    again = window_sample(engine, "m", T0, T0 + timedelta(hours=1), limit=400, total=8000, include_workbench=False)
    assert one.sampled and one.total == 8000 and len(one) == 400
    assert one.request_ids == again.request_ids and one.times == sorted(one.times)
    everything = window_sample(engine, "m", T0, T0 + timedelta(hours=1), limit=9000, total=8000,
                               include_workbench=False)
    assert not everything.sampled and len(everything) == 8000


def test_the_sample_reads_its_own_index(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    store_log(engine, LogWrite(rows=[request_part(f"p{i}", T0 + timedelta(seconds=i)) for i in range(50)]))
    with engine.connect() as c:
        plan = " ".join(str(r[-1]) for r in c.execute(text(
            "EXPLAIN QUERY PLAN SELECT inputs FROM request_log WHERE model = 'm' AND sample_key IN (0, 1, 2) "
            "AND event_ts >= 0 AND event_ts < 1e12")))
    assert "ix_request_log_sample" in plan


def test_upgrade_from_0006_fills_the_rollup_and_the_sample_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0006")
    table = Table("request_log", MetaData(), autoload_with=engine)
    rows = [request_part(f"o{i}", T0 + timedelta(minutes=i)) for i in range(30)]
    rows += [response_part(f"o{i}", T0 + timedelta(minutes=i, seconds=1), status="error") for i in range(30, 33)]
    with engine.begin() as c:
        c.execute(insert(table), [{k: v for k, v in r.items() if k in table.c and k not in ("inputs", "outputs")}
                                  for r in rows])
    migrate(engine)
    assert rollup(engine) == recomputed(engine) and sum(v[0] for v in rollup(engine).values()) == 33
    with engine.connect() as c:
        keys = dict(c.execute(text("SELECT log_key, sample_key FROM request_log")).all())
    assert keys == {r["log_key"]: sample_key(r["log_key"]) for r in rows}


def test_two_writers_on_one_sqlite_file_keep_the_rollup_exact(tmp_path):
    # two sink processes (or the sink and `mds logs clear-demo`) write the same file: BEGIN IMMEDIATE
    # serialises read, upsert and rollup, so a row read as new cannot be inserted meanwhile by the other
    import threading

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engines = [open_store(url), make_engine(url)]

    def writer(k: int) -> None:
        for i in range(60):  # the same calls from both sides: one writes requests, the other responses
            moment = T0 + timedelta(seconds=i)
            part = request_part(f"c{i}", moment) if k == 0 else response_part(f"c{i}", moment)
            store_log(engines[k], LogWrite(rows=[part]))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert rollup(engines[1]) == recomputed(engines[1])
    assert sum(v[0] for v in rollup(engines[1]).values()) == 60


def test_begin_immediate_without_waiting_says_when_another_writer_holds_the_lock(tmp_path):
    from workbench.store.request_log import begin_immediate

    url = f"sqlite:///{tmp_path / 'locked.db'}"
    holder, other = open_store(url), make_engine(url)
    with holder.connect() as held:
        held.exec_driver_sql("BEGIN IMMEDIATE")
        with other.connect() as connection:
            assert begin_immediate(connection, wait=False) is False
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000  # put back
        held.exec_driver_sql("ROLLBACK")
    with other.connect() as connection:
        assert begin_immediate(connection, wait=False) is True
        connection.connection.driver_connection.rollback()
