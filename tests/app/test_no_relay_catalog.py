"""No open relay through the catalog: what the app calls when it loads, lists and shows a catalog.

The rule: the catalog (``WORKBENCH_CATALOG``, shown read-only on Admin; the app has no catalog upload) is
discovery, so its endpoints are the only URLs the app calls. Loading it and opening every page calls a
model's own endpoint only for its health and metadata (``GET .../ready``, ``GET /v2/models/<m>`` and the
server's own ``GET /v2``, which tells the payload check whose rules apply, or Seldon's ``/health/status`` and ``/api/v1.0/metadata``); its explainer, drift detector and logger are
called only when someone asks for an explanation, a drift check or simulated traffic; and a URL anywhere
else (description, tags, model-card text, links, images, metadata URLs, schema or data paths) is never
fetched. Two loopback listeners count: one named everywhere but as an endpoint must stay untouched, one
that is a model's endpoint may see only those GETs.
"""

from __future__ import annotations

import time

import pytest

from tests.app.conftest import PAGES, _reset_caches
from tests.app.helpers import dead_url, derived_catalog
from tests.listener import files_at, listening, naming

VISITED = [p for p in PAGES if p != "models"]
# A page that stops early for a model still counts: it was opened with that model chosen.


@pytest.fixture
def endpoint():
    with listening() as found:
        yield found


@pytest.fixture
def relay_catalog(app_env, monkeypatch, catalog_path, refs, client, listener, endpoint):
    """The real catalog with a working V2 model naming the listener everywhere but its endpoint, a dead model
    whose files are URLs, and a model whose endpoint is the second listener."""
    real = next(r for r in refs.values() if r.protocol == "v2" and r.reference_data and "test" not in r.tags
                and r.explainer is None and not client.schema(r).is_empty)
    extra = [{"name": "relay-dead", "protocol": "v2", "url": dead_url(), **naming(listener.url), **files_at(listener.url)},
             {"name": "relay-endpoint", "protocol": "v2", "url": endpoint.url + "/mds", "model": "m",
              **naming(listener.url)}]
    path = derived_catalog(catalog_path, app_env / "relay.yaml", {real.name: naming(listener.url)}, extra)
    monkeypatch.setenv("WORKBENCH_CATALOG", str(path))
    _reset_caches()
    return [real.name, "relay-dead", "relay-endpoint"]


def test_loading_listing_and_showing_the_catalog_fetches_nothing_it_names(logged_in, relay_catalog, listener, endpoint):
    at = logged_in("admin", "admin")  # the Admin page lists the catalog
    assert not at.exception, at.exception
    at.switch_page("../pages/models.py").run()
    for name in relay_catalog:
        at.selectbox(key="models.model").set_value(name).run()  # its model card, links and all
        assert not at.exception, at.exception
        for page in VISITED:
            at.switch_page(f"../pages/{page}.py").run()
            assert not at.exception, (name, page, at.exception)
        at.switch_page("../pages/models.py").run()
    time.sleep(0.5)  # a fetch that went out late still arrives
    listener.assert_untouched()
    assert endpoint.hits, "the endpoint model was never checked: the test saw nothing"
    allowed = {("GET", "/mds/v2/models/m/ready"), ("GET", "/mds/v2/models/m"), ("GET", "/mds/v2")}
    assert {(h.method, h.path) for h in endpoint.hits} <= allowed, [(h.method, h.path) for h in endpoint.hits]
