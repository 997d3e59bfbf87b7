"""Demo verdicts: some seeded calls judged by demo analysts, stored as real feedback is, wrong more often on the
drifting model's last day, removed with the demo traffic and nothing else.

Store level: the seeded calls are written to the request log as the sink writes them (``store_log``), for two
models of our own (string class names with spaces and dashes, and a regression), never the demo models.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from logsink.demo import DEMO_TAG, clear_demo
from logsink.demo_verdicts import REWARDS, SHARE, seed_verdicts
from mds_client import ModelSchema
from mds_client.schema.model import Output
from workbench.feedback.capture import REWARDS as CAPTURE_REWARDS
from workbench.feedback.capture import record_feedback
from workbench.feedback.metrics import feedback_frame, summary_by_model
from workbench.store import open_store
from workbench.store.feedback import models_with_feedback
from workbench.store.predictions import log_prediction
from workbench.store.request_log import LogWrite, log_row, store_log
from workbench.store.traffic import count_log_rows

CLASSES = ("stays", "churn - likely", "moved away")
CALLS = 400
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _calls(model: str, *, regression: bool, tag: str | None, n: int = CALLS) -> LogWrite:
    rng = random.Random(model)
    rows = []
    for i in range(n):
        at = NOW - timedelta(days=3) + timedelta(days=3) * (i + 0.5) / n
        inputs = {"tenure months": rng.randint(1, 60), "plan": rng.choice(["basic", "gold"])}
        if regression:
            value = round(rng.uniform(10, 90), 2)
            outputs, label = {"label": None, "value": value, "probabilities": None}, None
        else:
            label = rng.choice(CLASSES)
            probs = {c: (0.8 if c == label else 0.1) for c in CLASSES}
            outputs, value = {"label": label, "value": None, "probabilities": probs}, None
        rows.append(log_row(model=model, request_id=f"{model}-{tag or 'live'}-{i}", row_index=0, source="simulate", time=at,
                            inputs=inputs, outputs=outputs, label=label, value=value, status="ok", tag=tag,
                            response_time=at + timedelta(milliseconds=5)))
    return LogWrite(rows=rows)


@pytest.fixture
def store(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'wb.db'}")
    store_log(engine, _calls("churn-cls", regression=False, tag=DEMO_TAG))
    store_log(engine, _calls("price-reg", regression=True, tag=DEMO_TAG))
    store_log(engine, _calls("churn-cls", regression=False, tag=None, n=5))  # live traffic that is not demo
    return engine


SCHEMAS = {
    "churn-cls": ModelSchema(outputs=(Output("p", kind="proba", class_names=CLASSES),)),
    "price-reg": ModelSchema(outputs=(Output("price", kind="value"),)),
}


def test_some_seeded_calls_get_verdicts_stored_as_feedback(store):
    given = seed_verdicts(store, SCHEMAS, tag=DEMO_TAG, drifted="churn-cls", now=NOW)
    assert set(given) == {"churn-cls", "price-reg"}
    for model, n in given.items():
        assert CALLS * SHARE * 0.7 < n < CALLS * SHARE * 1.3, model
    assert models_with_feedback(store) == {"churn-cls", "price-reg"}

    frame = feedback_frame(store)
    assert len(frame) == sum(given.values())
    assert set(frame["tags"]) == {DEMO_TAG}
    assert set(frame["forwarded"]) == {"not_applicable"}  # never sent to a model server
    assert (frame["created"] >= frame["predicted_at"]).all() and (frame["created"] <= NOW).all()
    assert frame["created"].min() < NOW - timedelta(days=2)  # dated through the three days, not all "now"

    cls = frame[frame["model"] == "churn-cls"]
    wrong = cls[cls["verdict"] == "wrong"]
    assert not wrong.empty and set(wrong["truth"]) <= set(CLASSES)
    assert (wrong["truth"] != wrong["predicted"]).all()
    assert cls.loc[cls["verdict"] == "correct", "truth"].isna().all()

    judged = cls[cls["verdict"] != "unsure"]
    last_day = judged["predicted_at"] >= NOW - timedelta(days=1)
    wrong_before = (judged.loc[~last_day, "verdict"] == "wrong").mean()
    wrong_last_day = (judged.loc[last_day, "verdict"] == "wrong").mean()
    assert 0.05 < wrong_before < 0.3 and wrong_last_day > wrong_before + 0.1

    summary = summary_by_model(store).set_index("model")
    assert summary.loc["churn-cls", "predictions"] == CALLS  # every seeded call is a prediction
    assert 0.2 < summary.loc["churn-cls", "coverage"] < 0.4
    # a realistic mix: not the one-sided warning people-flag-mistakes feedback would earn
    assert "one-sided" not in summary.loc["churn-cls", "warning"]
    reg = frame[frame["model"] == "price-reg"]
    assert reg.loc[reg["verdict"] == "wrong", "truth"].map(lambda v: isinstance(v, float)).all()


def test_verdicts_carry_the_rewards_real_feedback_does():
    assert REWARDS == CAPTURE_REWARDS


def test_seeding_twice_adds_nothing(store):
    first = seed_verdicts(store, SCHEMAS, tag=DEMO_TAG, now=NOW)
    assert seed_verdicts(store, SCHEMAS, tag=DEMO_TAG, now=NOW) == {}
    assert len(feedback_frame(store)) == sum(first.values())


def test_clear_demo_removes_the_verdicts_and_keeps_real_feedback(store):
    seed_verdicts(store, SCHEMAS, tag=DEMO_TAG, now=NOW)
    mine = log_prediction(store, user="analyst", model="churn-cls", inputs={"tenure months": 3, "plan": "gold"},
                          outputs={"task": "classification", "label": "stays"})
    record_feedback(store, mine, "analyst", "wrong", "moved away", classes=CLASSES)
    removed = clear_demo(store)
    assert removed == 2 * CALLS
    frame = feedback_frame(store)
    assert list(frame["prediction_id"]) == [mine] and list(frame["user"]) == ["analyst"]
    assert summary_by_model(store).set_index("model").loc["churn-cls", "predictions"] == 1
    assert count_log_rows(store, model="churn-cls") == 5


def test_a_model_without_classes_or_numbers_gets_none(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'wb.db'}")
    write = _calls("texty", regression=True, tag=DEMO_TAG, n=20)
    for row in write.rows:
        row["value"] = None
    store_log(engine, write)
    assert seed_verdicts(engine, {"texty": ModelSchema()}, tag=DEMO_TAG, now=NOW) == {}


def test_the_demo_seeding_judges_calls_of_every_demo_model_that_has_answers(tmp_path, catalog_path):
    """Through the real demo models and a real sink: whatever the catalog's models are, each seeded model that
    answers with classes or numbers gets verdicts, and Feedback review has data."""
    from logsink.demo import plan_demo, seed_demo
    from mds_client import MDSClient, load_catalog

    from .conftest import start_sink, stop_sink

    sink = start_sink(tmp_path, catalog_path)
    client = MDSClient()
    try:
        engine = sink.engine()
        plan = plan_demo(load_catalog(catalog_path), client)
        logged = seed_demo(catalog_path, sink_url=sink.url, rows=60, days=3, client=client, store=engine)
        judged = {s.task for _r, s in plan.models if s.task in ("classification", "regression")}
        assert judged and set(logged) == {r.name for r, _s in plan.models}
        summary = summary_by_model(engine).set_index("model")
        answering = {r.name for r, s in plan.models if s.task in ("classification", "regression")}
        assert set(summary.index) == answering
        assert (summary["labelled"] >= 60 * SHARE * 0.4).all()
        assert (summary["predictions"] == 60).all()
    finally:
        client.close()
        stop_sink(sink)
