"""Migration 0004: prediction.trace_id and request_log.tag, added to a store at 0002 that holds rows."""

from __future__ import annotations

from sqlalchemy import inspect, text

from workbench.store import get_prediction, log_prediction, make_engine, migrate


def test_upgrade_from_0002_keeps_rows_and_adds_the_columns(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0002")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO prediction (request_id, model, version, protocol, user, status, source, "
                                "created) VALUES ('r1', 'm', '', 'v2', 'ana', 'ok', 'app', '2026-11-30 10:00:00')"))
    migrate(engine)
    assert "trace_id" in {c["name"] for c in inspect(engine).get_columns("prediction")}
    assert "tag" in {c["name"] for c in inspect(engine).get_columns("request_log")}
    assert get_prediction(engine, 1).trace_id == ""
    new = log_prediction(engine, user="ana", model="m", trace_id="ab" * 16)
    assert get_prediction(engine, new).trace_id == "ab" * 16
