"""Black-box anchors, image occlusion, SHAP, the time budget and the cache, against the real servers."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ExplanationCancelled, ExplanationTimeout
from workbench.explain import jobs
from workbench.explain import service as explain_service
from workbench.explain.anchors import explain_with_anchor, rule_mask
from workbench.explain.budget import Budget


@pytest.mark.parametrize("picked", ["numeric_classifier", "mixed_classifier"])
def test_black_box_anchor_rule_holds_on_the_reference_data(request, counting_client, picked):
    m = request.getfixturevalue(picked)
    ref = replace(m.ref, explainer=None)
    row = m.reference.iloc[[7]][m.schema.names]
    result = explain_with_anchor(counting_client, ref, m.schema, row, m.reference)
    posts = sum(1 for s in counting_client.sent if s.startswith("POST"))
    assert result.anchor and result.precision >= 0.9 and 0 < result.coverage <= 1
    assert result.rule.startswith("IF ") and result.rule.endswith(f"THEN {result.target}")
    # the rule, applied to the reference data, really holds about as often as the precision says
    mask = rule_mask(result.conditions, m.reference[m.schema.names], m.schema)
    assert bool(rule_mask(result.conditions, row, m.schema).iloc[0]), "the explained case must meet its own rule"
    covered = m.reference[mask][m.schema.names]
    answers = counting_client.predict(ref, covered, m.schema).labels
    agreement = float(np.mean([a == result.target for a in answers]))
    assert agreement >= result.precision - 0.1
    assert mask.mean() == pytest.approx(result.coverage, abs=0.15)
    # examples that keep the answer do, and those that break it do not
    for rows, same in ((result.keeps, True), (result.breaks, False)):
        if rows:
            labels = counting_client.predict(ref, pd.DataFrame(rows), m.schema, validate=False).labels
            assert all((label == result.target) == same for label in labels)
            assert rule_mask(result.conditions, pd.DataFrame(rows), m.schema).all()
    # perturbations travel in batches over the pooled session, not one row per request
    assert result.calls == posts and 0 < result.calls < 400


def test_shap_values_sum_to_prediction_minus_expected_value(client, numeric_classifier):
    m = numeric_classifier
    row = m.reference.iloc[[11]][m.schema.names]
    result = explain_service.explain_with_shap(client, m.ref, m.schema, row, m.reference, samples=256)
    probability = float(client.predict(m.ref, row, m.schema).probabilities.iloc[0][result.target])
    assert sum(result.attributions.values()) == pytest.approx(probability - result.base_value, abs=1e-3)


def test_image_occlusion_is_one_request_and_points_at_the_ink(counting_client, image_classifier):
    m = image_classifier
    row = m.reference.iloc[[0]]
    result = explain_service.explain(None, counting_client, m.ref, m.schema, row, m.reference)
    assert result.kind == "occlusion" and result.calls == 1
    heat = np.asarray(result.heatmap)
    assert heat.shape == tuple(m.schema.features[0].shape)
    image = np.asarray(result.image)
    # the pixels that matter most carry ink: hiding blank paper changes nothing
    top = np.unravel_index(np.argsort(-heat, axis=None)[:3], heat.shape)
    assert (image[top] > 0).all()
    assert result.target in m.schema.class_names


def test_a_slow_model_hits_the_budget_with_a_plain_message(client, numeric_classifier, slow_proxy):
    m = numeric_classifier
    slow = replace(slow_proxy(m.ref, delay=0.6), explainer=None)
    row = m.reference.iloc[[0]][m.schema.names]
    started = time.monotonic()
    with pytest.raises(ExplanationTimeout, match=r"too slow to explain within 2 s") as caught:
        explain_service.explain(None, client, slow, m.schema, row, m.reference, kind="shap",
                                budget=Budget(seconds=2.0, model=slow.name))
    assert time.monotonic() - started < 4.0
    assert "WORKBENCH_EXPLAIN_BUDGET_S" in str(caught.value)


def test_a_model_slower_than_the_whole_budget_stops_in_time(client, numeric_classifier, slow_proxy):
    m = numeric_classifier
    slow = replace(slow_proxy(m.ref, delay=5.0), explainer=None)
    started = time.monotonic()
    job = jobs.start(lambda b: explain_service.explain(None, client, slow, m.schema, m.reference.head(1)[m.schema.names],
                                                       m.reference, kind="anchor", budget=b),
                     seconds=1.5, model=slow.name)
    assert job.wait(10)
    assert time.monotonic() - started < 4.0
    assert job.error and "too slow to explain" in job.error and job.result is None


def test_cancel_stops_a_running_explanation(client, numeric_classifier, slow_proxy):
    m = numeric_classifier
    slow = replace(slow_proxy(m.ref, delay=0.3), explainer=None)
    job = jobs.start(lambda b: explain_service.explain(None, client, slow, m.schema, m.reference.head(1)[m.schema.names],
                                                       m.reference, kind="anchor", budget=b),
                     seconds=60, model=slow.name)
    time.sleep(0.8)
    assert not job.done and job.progress > 0 and "calls to the model" in job.message
    job.cancel()
    assert job.wait(5) and "cancelled" in job.error


def test_the_cache_hit_makes_no_model_call(counting_client, engine, numeric_classifier, helpers_dead_ref):
    m = numeric_classifier
    ref = replace(m.ref, explainer=None)
    row = m.reference.iloc[[3]][m.schema.names]
    first = explain_service.explain(engine, counting_client, ref, m.schema, row, m.reference, kind="shap")
    assert first.calls > 0 and not first.from_cache
    counting_client.sent.clear()
    again = explain_service.explain(engine, counting_client, ref, m.schema, row, m.reference, kind="shap")
    assert counting_client.sent == [] and again.from_cache and again.calls == 0
    assert again.attributions == first.attributions
    # another version, another input or another method is not the same explanation
    dead = helpers_dead_ref(ref)
    with pytest.raises(Exception, match="not reachable"):
        explain_service.explain(engine, counting_client, replace(dead, version="other"), m.schema, row, m.reference,
                                kind="shap", budget=Budget(seconds=5, model=ref.name))


def test_cancelled_budget_refuses_the_next_call(client, numeric_classifier):
    m = numeric_classifier
    budget = Budget(seconds=30, model=m.ref.name)
    budget.cancel()
    with pytest.raises(ExplanationCancelled):
        explain_service.feature_effects(client, m.ref, m.schema, m.reference, m.schema.names[:1], budget=budget)


@pytest.fixture
def helpers_dead_ref():
    from tests.app.helpers import dead_url

    return lambda ref: replace(ref, endpoint=dead_url())
