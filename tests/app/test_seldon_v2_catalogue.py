"""Seldon Core v2 in the catalogue: an Experiment's candidates and mirror, a Pipeline's steps, who answered.

The refs come from the real Kubernetes discovery reading the replayed API server of
``tests/mds_client/discovery/test_seldon_v2.py`` (objects written from Seldon's CRDs), and the
answer from a real call through its replayed mesh, which routes an experiment's call to one arm
and says so in ``x-seldon-route``. The widgets are run on their own with ``AppTest.from_function``.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from mds_client import MDSClient, ModelSchema
from tests.app.helpers import shown_tables
from tests.mds_client.discovery.test_seldon_v2 import refs, replay  # noqa: F401  (fixtures)
from workbench.catalog.service import ModelEntry
from workbench.predict.service import result_of

V2_BODY = {"inputs": [{"name": "x", "datatype": "FP64", "shape": [1, 1], "data": [0.5]}]}


def card_app(entry):
    from components.model_card import render_model_card
    from workbench.ui.catalog import model_card

    render_model_card(model_card(entry), metadata=None, key="t.card")


def result_app(result):
    from components.prediction_view import render_result

    render_result(result, key="t.result")


def table_with(at, column: str):
    """The one table on screen with `column` (AppTest's dataframes carry no key), or None."""
    found = [t for t in shown_tables(at) if column in t.columns]
    assert len(found) <= 1
    return found[0] if found else None


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def card(ref) -> AppTest:
    at = AppTest.from_function(card_app, args=(ModelEntry(ref, ModelSchema()),)).run()
    assert not at.exception, at.exception
    return at


def test_experiment_card_shows_candidates_weights_and_mirror(refs):  # noqa: F811
    at = card(refs["models/income-ab"])
    table = table_with(at, "candidate")
    assert table.to_dict("list") == {"candidate": ["income", "income-v2"], "weight": [75, 25],
                                     "share of calls": ["75%", "25%"]}
    assert "Mirror: 10% of calls are also copied to income\\-shadow; its answers are never returned." in captions(at)
    facts = at.dataframe[0].value
    assert facts.iloc[0].tolist() == ["Kind", "Seldon Core v2 experiment"]


def test_experiment_without_mirror_says_so(refs):  # noqa: F811
    at = card(refs["models/chains"])
    assert table_with(at, "candidate")["candidate"].tolist() == ["chain-a", "chain-b"]
    assert "No mirror: calls are not copied anywhere." in captions(at)


def test_pipeline_card_shows_its_steps_in_order(refs):  # noqa: F811
    at = card(refs["models/chain-a"])
    steps = table_with(at, "step")
    assert steps.to_dict("list") == {
        "step": ["scaler", "income", "drift"],
        "reads from": ["the pipeline's inputs", "scaler.outputs", "chain-a.inputs"],
        "runs when": ["its inputs arrive", "its inputs arrive", "income.outputs.predict"],
    }
    assert table_with(at, "candidate") is None


def test_a_plain_model_card_has_no_routing_section(refs):  # noqa: F811
    from dataclasses import replace

    plain = replace(refs["models/income-ab"], kind="model", candidates=(), mirror=None)
    at = card(plain)
    assert not any(m.value.startswith("**Candidates") or m.value.startswith("**Steps") for m in at.markdown)


def predicted(ref):
    mds = MDSClient()
    try:
        return result_of(mds.predict_body(ref, V2_BODY), ref, ModelSchema(), None)
    finally:
        mds.close()


def test_a_call_through_an_experiment_shows_which_arm_answered(refs):  # noqa: F811
    result = predicted(refs["models/income-ab"])
    assert result.served_by == "income-v2_1" and result.via == "experiment income-ab"
    at = AppTest.from_function(result_app, args=(result,)).run()
    assert not at.exception, at.exception
    assert "Through experiment income\\-ab; answered by **income\\-v2\\_1**" in captions(at)


def test_a_call_through_a_pipeline_names_it(refs):  # noqa: F811
    result = predicted(refs["models/chain-a"])
    at = AppTest.from_function(result_app, args=(result,)).run()
    assert any(c.startswith("Through pipeline chain\\-a; answered by") for c in captions(at)), captions(at)


def test_a_plain_model_answer_shows_no_routing_line(refs):  # noqa: F811
    from dataclasses import replace

    result = replace(predicted(refs["models/income-ab"]), via="")
    at = AppTest.from_function(result_app, args=(result,)).run()
    assert not any(c.startswith("Through ") for c in captions(at))
