"""The Predict and Models pages with a model behind a fault-injecting proxy (``tests/faults.py``).

The catalog's endpoint for the model is the proxy; each fault must show a plain message naming the
model and the fault, keep the form's values, leave no traceback, and the next prediction after the
fault clears works on the same page.
"""

from __future__ import annotations

import pytest

from tests.app.helpers import derived_catalog, metric_values, texts, unescape
from tests.faults import FAULTS, assert_plain, origin, start_proxy
from workbench.settings import get_settings
from workbench.store import open_store, recent_predictions

WORDS = {"delay": "did not answer", "drop": "without answering", "reset": "reset", "garbage": "not HTTP",
         "html_5xx": "502 Bad Gateway", "truncate": "closed the connection after", "trickle": "deadline"}


@pytest.fixture(scope="module")
def behind_proxy(refs, client):
    """(model name, proxy): a V2 model with a form, and a proxy in front of its server."""
    ref = next((r for r in refs.values() if r.protocol == "v2" and "test" not in r.tags
                and any(f.kind.value == "number" for f in client.schema(r).features)), None)
    if ref is None:
        pytest.skip("no V2 model with a number field")
    proxy = start_proxy(origin(ref.endpoint))
    proxy.delay_s = 2.0
    yield ref, proxy
    proxy.close()


@pytest.fixture
def predict_page(behind_proxy, logged_in, app_env, catalog_path, monkeypatch):
    ref, proxy = behind_proxy
    url = proxy.url + ref.endpoint[len(origin(ref.endpoint)):]
    catalog = derived_catalog(catalog_path, app_env / "catalog.yaml", {ref.name: {"url": url}})
    monkeypatch.setenv("WORKBENCH_CATALOG", str(catalog))
    monkeypatch.setenv("WORKBENCH_CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("WORKBENCH_READ_TIMEOUT", "1")
    get_settings.cache_clear()
    at = logged_in("analyst")
    at.session_state["models.selected"] = ref.name
    at.switch_page("../pages/predict.py").run()
    assert not at.exception, at.exception
    yield at
    proxy.mode = "pass"


@pytest.mark.parametrize("fault", FAULTS)
def test_predict_explains_each_fault_keeps_the_form_and_works_again(behind_proxy, predict_page, app_env, fault):
    ref, proxy = behind_proxy
    at = predict_page
    field = next(n for n in at.number_input if n.key.startswith(f"predict.form.{ref.name}."))
    field.set_value(field.value)  # whatever it shows, typed in
    kept = field.value
    proxy.mode = fault
    at.button(key="predict.send").click().run()
    assert not at.exception, at.exception
    message = unescape(" ".join(e.value for e in at.error))
    assert WORDS[fault] in message and f"Model '{ref.name}'" in message, message
    assert_plain(message)
    assert "Traceback" not in texts(at)
    assert at.number_input(key=field.key).value == kept
    proxy.mode = "pass"
    at.button(key="predict.send").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {"Prediction", "Predicted value"} & set(metric_values(at))
    statuses = [r.status for r in recent_predictions(open_store(f"sqlite:///{app_env / 'wb.db'}"), "analyst")]
    assert statuses == ["ok", "error"]  # the failed call is logged as one, the retry as ok


def test_the_models_page_opens_while_a_model_misbehaves(behind_proxy, predict_page):
    ref, proxy = behind_proxy
    at = predict_page
    proxy.mode = "html_5xx"
    at.switch_page("../pages/models.py").run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert ref.name in shown and "Traceback" not in shown and "<html" not in shown
