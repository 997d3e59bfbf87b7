"""The Seldon v1 explainer path against the embedded MDS's real servers: a v1 model whose catalog entry
names a ``protocol: seldon`` explainer (picked by that, never by name), ``POST .../api/v1.0/explain``
with a v1 message, Alibi's Explanation JSON back, read into the same rule the workbench shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import requests

from mds_client import PayloadRejected
from tests.workbench.picked_models import Picked
from workbench.catalog.service import catalogue_table, check_models
from workbench.explain import service as explain_service
from workbench.explain.anchors import rule_mask
from workbench.explain.budget import Budget


@pytest.fixture(scope="module")
def v1_explained(refs, client, local_mds) -> Picked:
    for ref in refs.values():
        if ref.protocol == "seldon" and ref.explainer is not None and ref.explainer.protocol == "seldon":
            return Picked(ref, client.schema(ref), pd.read_csv(ref.reference_data))
    pytest.fail(f"no Seldon v1 model with a v1 explainer in the catalog (failures: {local_mds.failures})")


def test_the_explainer_answers_alibis_explanation_json(v1_explained):
    m = v1_explained
    row = m.reference.iloc[0][m.schema.names].astype(float).tolist()
    url = m.ref.explainer.explain_url
    assert url.endswith("/api/v1.0/explain")
    answer = requests.post(url, json={"data": {"ndarray": [row]}}, timeout=120)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    doc = answer.json()
    assert doc["meta"]["name"] == "AnchorTabular" and doc["meta"]["type"] == ["blackbox"]
    assert doc["meta"]["params"]["threshold"] == 0.95 and doc["meta"]["version"]
    data = doc["data"]
    assert isinstance(data["anchor"], list) and 0 < data["precision"] <= 1 and 0 <= data["coverage"] <= 1
    assert set(data["raw"]["examples"][-1]) == {"covered_true", "covered_false", "uncovered_true", "uncovered_false"}
    assert data["raw"]["instance"] == pytest.approx(row)
    # what the model itself answers for that row is the class the explanation is about
    probabilities = requests.post(m.ref.predict_url, json={"data": {"ndarray": [row]}}, timeout=30).json()
    assert data["raw"]["prediction"] == [int(np.argmax(probabilities["data"]["ndarray"][0]))]


def test_a_body_it_cannot_read_is_refused_with_its_reason(client, v1_explained):
    ref = v1_explained.ref
    assert requests.post(ref.explainer.explain_url, data=b"not json", timeout=30).status_code == 400
    with pytest.raises(PayloadRejected, match=r"HTTP 400.*expected rows of 13 features"):
        client.explain(ref.explainer, {"data": {"ndarray": [[1.0, 2.0]]}})
    with pytest.raises(PayloadRejected, match=r'Expected key "data"'):
        client.explain(ref.explainer, {"inputs": []})


def test_the_v1_explainers_rule_holds_on_the_reference_data(client, v1_explained):
    m = v1_explained
    row = m.reference.iloc[[7]][m.schema.names]
    result = explain_service.explain(None, client, m.ref, m.schema, row, m.reference, kind="anchor",
                                     budget=Budget(seconds=120, model=m.ref.name))
    assert result.source.startswith("explainer server") and m.ref.explainer.name in result.source
    assert result.anchor and result.rule.startswith("IF ") and result.rule.endswith(f"THEN {result.target}")
    assert result.target == client.predict(m.ref, row, m.schema).labels[0]
    assert bool(rule_mask(result.conditions, row, m.schema).iloc[0]), "the explained case must meet its own rule"
    # applied to the reference data, the rule holds about as often as the precision shown says
    mask = rule_mask(result.conditions, m.reference[m.schema.names], m.schema)
    covered = m.reference[mask][m.schema.names]
    answers = client.predict(m.ref, covered, m.schema).labels
    assert np.mean([a == result.target for a in answers]) >= result.precision - 0.1
    assert mask.mean() == pytest.approx(result.coverage, abs=0.15)
    # the examples it gives keep (or break) the answer, and all meet the rule
    for rows, same in ((result.keeps, True), (result.breaks, False)):
        if rows:
            labels = client.predict(m.ref, pd.DataFrame(rows), m.schema, validate=False).labels
            assert all((label == result.target) == same for label in labels)
            assert rule_mask(result.conditions, pd.DataFrame(rows), m.schema).all()


def test_the_catalogue_says_the_explainer_is_deployed(client, v1_explained):
    entry = check_models(client, [v1_explained.ref])[0]
    assert catalogue_table([entry])["explainer"].iloc[0] == entry.ref.explainer.name
    assert explain_service.default_method(entry.ref, entry.schema) == "anchor"
