"""What-if on Predict's Why tab and on the Explain page, and a black-box anchor run as a background job.

Models are picked by their schema (tests/workbench/picked_models.py), never by name.
"""

from __future__ import annotations

import json

from mds_client import FeatureKind
from tests.app.helpers import texts, unescape
from tests.workbench.picked_models import mixed_classifier, numeric_classifier
from workbench.explain import jobs
from workbench.ui.explain_why import RULE_HERE, RULE_OWN, WHAT_IF

__all__ = ["mixed_classifier", "numeric_classifier"]


def _chart_specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _first_number(schema) -> str:
    return next(f.name for f in schema.features if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER))


def test_what_if_on_predicts_why_tab(logged_in, numeric_classifier):
    m = numeric_classifier
    at = logged_in("analyst")
    at.session_state["models.selected"] = m.ref.name
    at.switch_page("../pages/predict.py").run()
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    at.radio(key=f"predict.why.method.{m.ref.name}").set_value(WHAT_IF).run()
    feature = _first_number(m.schema)
    at.selectbox(key=f"predict.why.whatif.feature.{m.ref.name}").set_value(feature).run()
    charts_before = len(at.get("plotly_chart"))
    at.button(key="predict.why.whatif.run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    specs = _chart_specs(at)
    assert len(specs) == charts_before + 1
    sweep = specs[-1]
    assert f"What if {feature} were different?" in sweep["layout"]["title"]["text"]
    assert {t["name"] for t in sweep["data"]} == set(m.schema.class_names)
    assert any("this case" in (s.get("text") or "") for s in sweep["layout"].get("annotations", []))
    assert feature.replace("_", "\\_") in texts(at)
    # the heat map of two features
    second = next(n for n in m.schema.names if n != feature)
    at.selectbox(key=f"predict.why.whatif.second.{m.ref.name}").set_value(second).run()
    at.button(key="predict.why.whatif.run").click().run()
    assert not at.exception, at.exception
    heat = _chart_specs(at)[-1]
    assert heat["data"][0]["type"] == "heatmap" and "1 call to the model" in texts(at)


def test_what_if_on_the_explain_page(no_auth, mixed_classifier):
    m = mixed_classifier
    at = no_auth("explain")
    at.selectbox(key="explain.model").select(m.ref.name).run()
    category = next(f for f in m.schema.features if f.kind == FeatureKind.CATEGORY)
    at.selectbox(key=f"explain.whatif.feature.{m.ref.name}").set_value(category.name).run()
    at.button(key="explain.whatif.run").click().run()
    assert not at.exception, at.exception
    bars = _chart_specs(at)[-1]
    assert all(t["type"] == "bar" for t in bars["data"])
    assert bars["data"][0]["x"] == [category.label_of(c) for c in category.categories]


def test_the_explain_page_offers_what_if_once(no_auth, mixed_classifier):
    """Explain has a what-if tab, so its "Explain with" choice does not offer what-if again (Predict's does)."""
    m = mixed_classifier
    at = no_auth("explain")
    at.selectbox(key="explain.model").select(m.ref.name).run()
    assert not at.exception, at.exception
    labels = [t.label for t in at.tabs]
    assert sum("what if" in label.lower() for label in labels) == 1, labels
    options = [unescape(o) for o in at.radio(key=f"explain.case.method.{m.ref.name}").options]
    assert options and not any("what if" in o.lower() for o in options), options


def test_black_box_anchor_runs_off_the_script_thread(no_auth, numeric_classifier):
    m = numeric_classifier
    at = no_auth("explain")
    at.selectbox(key="explain.model").select(m.ref.name).run()
    options = at.radio(key=f"explain.case.method.{m.ref.name}").options  # as drawn: escaped Markdown
    anchor = next(unescape(o) for o in options if unescape(o) in (RULE_OWN, RULE_HERE))
    at.radio(key=f"explain.case.method.{m.ref.name}").set_value(anchor).run()
    at.button(key="explain.case.run").click().run()
    # the click returns at once: the page is usable while the job runs
    assert not at.exception, at.exception
    assert jobs.wait_all(120)
    at.run()
    assert not at.exception, at.exception
    rule = [c.value for c in at.code if c.value.startswith("IF ")]
    assert rule and " THEN " in rule[0]
    assert {mt.label for mt in at.metric} >= {"Precision", "Coverage"}
