"""The Grafana dashboard: regenerated from `promql.QUERIES`, and reading only metrics real servers publish.

The metric names are taken from the committed JSON's expressions themselves (not from the queries'
declared ``metrics``), and checked against the ``/metrics`` text of the real MLServer and seldon-core
of ``local_mds`` and of a real request-log sink process, after traffic that creates every series.
"""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
import yaml

from embedded_mds.prometheus import targets_from_servers
from tests.logsink.conftest import start_sink, stop_sink
from tests.logsink.test_sink import T0, V1_REQUEST, post, seldon_headers
from tools import grafana_dashboard
from workbench.monitor.promql import MODEL_SERVERS, QUERIES, SINK, triton_metrics

# A metric name right before a label selector `{...}` or a range `[...]`.
METRIC = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]")
PROMQL_WORDS = {"rate", "increase", "sum", "by", "histogram_quantile", "or"}


def committed() -> dict:
    return json.loads(grafana_dashboard.DASHBOARD.read_text())


def panels_by_title() -> dict[str, dict]:
    return {p["title"]: p for p in committed()["panels"] if p["type"] != "row"}


def dashboard_metrics(source: str) -> set[str]:
    titles = {q.title for q in QUERIES.values() if q.source == source}
    exprs = [t["expr"] for title, p in panels_by_title().items() if title in titles for t in p["targets"]]
    return {name for expr in exprs for name in METRIC.findall(expr)} - PROMQL_WORDS


def names_in(text: str) -> set[str]:
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}


def test_committed_files_are_what_the_script_generates():
    for path, text in grafana_dashboard.outputs().items():
        assert path.read_text() == text, f"{path} is stale: run tools/grafana_dashboard.py"
    assert grafana_dashboard.main(["--check"]) == 0


def test_check_fails_on_a_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "mds-workbench.json"
    stale.write_text(grafana_dashboard.dashboard_json().replace("rate(", "irate("))
    monkeypatch.setattr(grafana_dashboard, "outputs", lambda: {stale: grafana_dashboard.dashboard_json()})
    monkeypatch.setattr(grafana_dashboard, "REPO", tmp_path)
    assert grafana_dashboard.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err


def test_every_query_is_one_panel_with_its_promql_unit_and_caption():
    panels = panels_by_title()
    assert len(panels) == len(QUERIES)
    for query in QUERIES.values():
        shown = panels[query.title]
        assert shown["description"] == query.caption
        assert [t["expr"] for t in shown["targets"]] == [query.render(window="$__rate_interval")]
        assert shown["type"] == ("stat" if query.instant_only else "timeseries")
        assert shown["targets"][0]["legendFormat"] == "{{" + query.label + "}}"
    rows = [p["title"] for p in committed()["panels"] if p["type"] == "row"]
    assert rows == ["Model servers", "Request-log sink"]
    # Panels of one dashboard must not overlap (Grafana would move them around).
    cells = [(x, y) for p in panels.values() for x in range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"])
             for y in range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"])]
    assert len(cells) == len(set(cells))


def test_configmap_carries_the_same_json_with_the_sidecar_label():
    configmap = yaml.safe_load(grafana_dashboard.CONFIGMAP.read_text())
    assert configmap["kind"] == "ConfigMap" and configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["mds-workbench.json"]) == committed()


def test_model_server_panels_read_only_metrics_the_servers_publish(local_mds):
    v2 = {"inputs": [{"name": "x", "datatype": "FP64", "shape": [1], "data": [1.0]}]}
    assert httpx.post(f"{local_mds.url('mlserver')}/v2/models/echo/infer", json=v2, timeout=10).status_code == 200
    feedback = {"request": {"data": {"ndarray": [[1.0]]}}, "response": {"data": {"ndarray": [[1.0]]}}, "reward": 1}
    assert httpx.post(f"{local_mds.url('echo-v1')}/api/v1.0/feedback", json=feedback, timeout=10).is_success
    published = set()
    for target in targets_from_servers(local_mds.servers):
        published |= names_in(httpx.get(f"http://{target.address}{target.path}", timeout=10).text)
    # this MDS runs no Triton: Triton's names are checked against a real one in tests/workbench/monitor/test_prometheus_triton.py
    wanted = dashboard_metrics(MODEL_SERVERS) - triton_metrics()
    assert len(wanted) >= 5
    assert not wanted - published, f"the dashboard reads metrics no model server publishes: {wanted - published}"


@pytest.fixture(scope="module")
def sink(tmp_path_factory):
    running = start_sink(tmp_path_factory.mktemp("dashboard-sink"), None)
    yield running
    stop_sink(running)


def test_sink_panels_read_only_metrics_the_sink_publishes(sink):
    rid = uuid.uuid4().hex
    headers = seldon_headers("request", rid, service="anything", model_id="classifier", moment=T0)
    assert post(sink, headers, {**V1_REQUEST, "meta": {"puid": rid}}).status_code == 200
    assert post(sink, {**headers, "Ce-Id": str(uuid.uuid4())}, b"not json").status_code >= 400  # one refused
    published = names_in(httpx.get(sink.url + "/metrics", timeout=10).text)
    wanted = dashboard_metrics(SINK)
    assert len(wanted) == 4
    assert not wanted - published, f"the dashboard reads metrics the sink does not publish: {wanted - published}"
