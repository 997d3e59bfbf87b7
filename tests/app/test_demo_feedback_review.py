"""After the demo seeding, Feedback review has data: the demo analysts' verdicts, accuracy with its coverage,
wrong ones to open. Store seeded as ``logsink.demo`` does it (``seed_verdicts`` on tagged calls), models of our own."""

from __future__ import annotations

import yaml
from streamlit.testing.v1 import AppTest

from logsink.demo import DEMO_TAG
from logsink.demo_verdicts import seed_verdicts
from tests.app.conftest import APP, TIMEOUT, _reset_caches
from tests.app.helpers import dead_url, texts
from tests.logsink.test_demo_verdicts import NOW, SCHEMAS, _calls
from workbench.store import open_store
from workbench.store.request_log import store_log


def test_feedback_review_shows_the_demo_verdicts(tmp_path, monkeypatch):
    engine = open_store(f"sqlite:///{tmp_path / 'wb.db'}")
    store_log(engine, _calls("churn-cls", regression=False, tag=DEMO_TAG))
    given = seed_verdicts(engine, {"churn-cls": SCHEMAS["churn-cls"]}, tag=DEMO_TAG, drifted="churn-cls", now=NOW)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [{"name": "churn-cls", "protocol": "v2", "url": dead_url()}]}))
    monkeypatch.setenv("WORKBENCH_CATALOG", str(catalog))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'wb.db'}")
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    _reset_caches()
    try:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        at.switch_page("../pages/feedback_review.py").run()
        at.date_input(key="review.dates").set_value((NOW.date().replace(day=1), NOW.date())).run()
        assert not at.exception, at.exception
        shown = texts(at)
        assert "No feedback yet" not in shown
        assert at.selectbox(key="review.model").value == "churn-cls"
        assert "demo-analyst" in at.selectbox(key="review.user").options or \
            "demo-reviewer" in at.selectbox(key="review.user").options
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Feedback in range"] == str(given["churn-cls"])
        assert metrics["Labelled predictions"].endswith("of 400")  # every seeded call is a prediction
        assert 55 <= int(metrics["Accuracy"].rstrip("%")) <= 90  # a realistic share wrong, more on the drifted day
    finally:
        _reset_caches()
