"""The store: migrations create every table, the prediction log writes and reads back."""

from __future__ import annotations

from sqlalchemy import inspect

from workbench.store import get_prediction, log_prediction, make_engine, migrate, recent_predictions

TABLES = {"prediction", "feedback", "feedback_event", "batch_job", "batch_chunk", "explanation", "drift_run"}


def test_first_migration_creates_every_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert tables >= TABLES
    assert "alembic_version" in tables
    columns = {c["name"] for c in inspect(engine).get_columns("prediction")}
    assert {"request_id", "model", "version", "protocol", "user", "inputs", "outputs", "request", "response",
            "latency_ms", "status", "error", "source", "batch_job_id", "created"} <= columns
    feedback = {c["name"] for c in inspect(engine).get_columns("feedback")}
    assert {"prediction_id", "verdict", "truth", "forwarded", "attempts", "withdrawn", "reward", "tags"} <= feedback


def test_migrate_is_idempotent(engine):
    migrate(engine)
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_log_and_read_back(engine):
    body = {"inputs": [{"name": "x", "data": [1.5]}]}
    pid = log_prediction(engine, user="ana", model="wine", version="1", protocol="v2", inputs={"x": 1.5},
                         outputs={"label": "a", "probabilities": {"a": 0.9, "b": 0.1}}, request=body,
                         response={"outputs": []}, request_id="abc", latency_ms=4.2)
    row = get_prediction(engine, pid)
    assert row is not None and row.ok
    assert row.inputs == {"x": 1.5} and row.request == body and row.outputs["probabilities"]["a"] == 0.9
    assert row.request_id == "abc" and row.latency_ms == 4.2 and row.source == "app"


def test_failed_calls_are_logged_as_errors(engine):
    pid = log_prediction(engine, user="ana", model="wine", inputs={"x": 1}, error="Model 'wine' not reachable")
    row = get_prediction(engine, pid)
    assert row.status == "error" and row.error.startswith("Model 'wine'") and not row.ok


def test_recent_is_per_user_newest_first(engine):
    ids = [log_prediction(engine, user="ana", model=f"m{i}") for i in range(3)]
    log_prediction(engine, user="bob", model="other")
    mine = recent_predictions(engine, "ana", limit=2)
    assert [r.id for r in mine] == ids[::-1][:2]
    assert {r.user for r in recent_predictions(engine, None)} == {"ana", "bob"}
    assert recent_predictions(engine, "ana", model="m0")[0].id == ids[0]


def test_get_missing_is_none(engine):
    assert get_prediction(engine, 999) is None


def test_sqlite_folder_is_created(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'x.db'}")
    migrate(engine)
    assert (tmp_path / "a" / "b" / "x.db").exists()


def test_head_revision_matches_alembic(engine):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from workbench.store.engine import MIGRATIONS_DIR, current_revision, head_revision

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()
    assert current_revision(engine) == head_revision()
