"""The PromQL client against a real Prometheus scraping the real MLServer and seldon-core of ``local_mds``.

Traffic goes to the test-only models (``echo`` on MLServer, ``echo-v1`` on seldon-core) so that
nothing depends on the demo models. Counters are compared exactly (raw totals), rates and
``increase`` only as what Prometheus itself computes: the client must equal a direct query.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from workbench.monitor.prometheus_api import PrometheusAPI, now
from workbench.monitor.prometheus_errors import (
    PrometheusError,
    PrometheusQueryError,
    PrometheusResponseError,
    PrometheusUnavailable,
)
from workbench.monitor.promql import (
    ERROR_RATE,
    FEEDBACK_REWARD_SUM,
    MODEL_SERVERS,
    QUERIES,
    REQUEST_RATE,
    REQUESTS_TOTAL,
    referenced_metrics,
)

from .conftest import SCRAPE_SECONDS, free_port

TIMEOUT = (2, 10)
V2_MODEL, V1_MODEL = "echo", "echo-v1"
V2_BODY = {"inputs": [{"name": "x", "datatype": "FP64", "shape": [1], "data": [1.0]}]}


@pytest.fixture(scope="module")
def api(prometheus):
    with PrometheusAPI(prometheus.url) as client:
        yield client


def wait_until(check, *, timeout: float = 12.0, what: str = "condition"):
    """Poll `check` until it returns something other than None or False; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(SCRAPE_SECONDS / 4)


def predict(local_mds, n: int) -> None:
    url = f"{local_mds.url('mlserver')}/v2/models/{V2_MODEL}/infer"
    with requests.Session() as session:
        for _ in range(n):
            assert session.post(url, json=V2_BODY, timeout=TIMEOUT).status_code == 200


def feedback(local_mds, reward: float) -> None:
    body = {"request": {"data": {"ndarray": [[1.0]]}}, "response": {"data": {"ndarray": [[1.0]]}}, "reward": reward}
    assert requests.post(f"{local_mds.url(V1_MODEL)}/api/v1.0/feedback", json=body, timeout=TIMEOUT).ok


def direct(prometheus, promql: str, at: float) -> dict[str, float]:
    """The same query straight over HTTP: {label values: value}."""
    body = requests.post(f"{prometheus.url}/api/v1/query", data={"query": promql, "time": f"{at:.3f}"},
                         timeout=TIMEOUT).json()
    assert body["status"] == "success", body
    return {"/".join(sorted(r["metric"].values())): float(r["value"][1]) for r in body["data"]["result"]}


def published(prometheus) -> dict[str, str]:
    """Each scrape target's /metrics text, read directly (not through Prometheus)."""
    return {t.server: requests.get(f"http://{t.address}{t.path}", timeout=TIMEOUT).text for t in prometheus.targets}


def server_count(text: str, metric: str, model: str) -> float:
    pattern = re.compile(rf'^{metric}\{{[^}}]*model="{re.escape(model)}"[^}}]*\}} (\S+)$', re.M)
    return sum(float(v) for v in pattern.findall(text))


def total_for(api: PrometheusAPI, model: str) -> float:
    frame = api.total(REQUESTS_TOTAL, model=model)
    return float(frame["value"].sum())


def test_every_server_is_scraped(prometheus, api):
    servers = {t.server for t in prometheus.targets}
    assert {"mlserver", V1_MODEL} <= servers
    up = wait_until(lambda: f if len(f := api.instant("up")) == len(servers) else None,
                    what="a first scrape of every target")
    assert set(up["server"]) == servers and (up["value"] == 1).all()


def test_request_count_moves_by_what_was_sent(local_mds, prometheus, api):
    predict(local_mds, 1)  # the series exists from here on
    mlserver_text = lambda: published(prometheus)["mlserver"]  # noqa: E731
    own = server_count(mlserver_text(), "model_infer_request_success_total", V2_MODEL)
    wait_until(lambda: total_for(api, V2_MODEL) == own, what="Prometheus to see the server's count")
    before = total_for(api, V2_MODEL)
    predict(local_mds, 7)
    after = wait_until(lambda: v if (v := total_for(api, V2_MODEL)) != before else None, what="the 7 calls")
    assert after - before == 7
    assert after == server_count(mlserver_text(), "model_infer_request_success_total", V2_MODEL)
    series = api.series(REQUEST_RATE, start=now() - timedelta(minutes=1), end=now(), model=V2_MODEL)
    assert set(series.frame["model"]) == {V2_MODEL} and series.frame["value"].max() > 0


def test_client_numbers_equal_direct_promql(local_mds, prometheus, api):
    predict(local_mds, 1)
    feedback(local_mds, 1.0)
    time.sleep(2 * SCRAPE_SECONDS)  # the series exist: what follows moves rates and increases
    predict(local_mds, 3)
    feedback(local_mds, 1.0)
    time.sleep(2 * SCRAPE_SECONDS)
    at = time.time()
    compared = 0
    for query in QUERIES.values():
        promql = query.render(window="1m")
        frame = api.instant(promql, at=datetime.fromtimestamp(at, UTC), label=query.label)
        ours = sorted(frame["value"].tolist())
        theirs = sorted(v for v in direct(prometheus, promql, at).values() if v == v and abs(v) != float("inf"))
        assert ours == theirs, query.key
        compared += bool(ours)
    assert compared >= 5  # most queries have data after the traffic above


def test_range_series_equal_a_direct_range_query(local_mds, prometheus, api):
    predict(local_mds, 2)
    end = now()
    series = api.series(REQUEST_RATE, start=end - timedelta(minutes=2), end=end, model=V2_MODEL)
    assert series.step == timedelta(seconds=5) and series.window == timedelta(seconds=5)
    body = requests.post(f"{prometheus.url}/api/v1/query_range", timeout=TIMEOUT, data={
        "query": series.promql, "start": (end - timedelta(minutes=2)).timestamp(), "end": end.timestamp(),
        "step": 5}).json()
    values = [float(v) for result in body["data"]["result"] for _, v in result["values"]]
    assert series.frame["value"].tolist() == values
    assert series.rounded["value"].tolist() == [float(f"{v:.3g}") for v in values]


def test_a_day_is_drawn_in_hours(api):
    series = api.series(REQUEST_RATE, start=now() - timedelta(days=1), end=now())
    assert series.step == timedelta(hours=1) and series.window == timedelta(hours=1)
    gaps = series.frame.groupby("model")["time"].diff().dropna()
    assert (gaps == timedelta(hours=1)).all()


def test_error_share_counts_failed_calls(local_mds, api):
    missing = f"no-such-model-{uuid.uuid4().hex[:6]}"  # MLServer counts a call to an unknown model as a failure
    url = f"{local_mds.url('mlserver')}/v2/models/{missing}/infer"

    def fail() -> None:
        assert requests.post(url, json=V2_BODY, timeout=TIMEOUT).status_code == 404

    fail()  # a counter's first value is not a rate: wait until Prometheus holds the series
    wait_until(lambda: True if len(api.instant(f'model_infer_request_failure_total{{model="{missing}"}}')) else None,
               what="the failure series")
    for _ in range(2):
        fail()
    predict(local_mds, 1)

    def shares():
        frame = api.total(ERROR_RATE, window=timedelta(seconds=30))
        by_model = dict(zip(frame["model"], frame["value"], strict=True))
        return by_model if by_model.get(missing) == 1.0 else None

    by_model = wait_until(shares, what="the failures")
    assert by_model[V2_MODEL] == 0.0


def test_feedback_reward_counts_only_non_zero_rewards(local_mds, prometheus, api):
    feedback(local_mds, 1.0)  # Seldon's series appear at the first rewarded feedback

    def raw() -> float:
        return float(api.instant(f'sum(seldon_api_model_feedback_reward_total{{model_name="{V1_MODEL}"}})')
                     ["value"].sum())

    own = lambda: server_count(published(prometheus)[V1_MODEL].replace("model_name=", "model="),  # noqa: E731
                               "seldon_api_model_feedback_reward_total", V1_MODEL)
    wait_until(lambda: raw() == own(), what="the first feedback")
    before = raw()
    for reward in (1.0, 0.0, 2.5):
        feedback(local_mds, reward)
    wait_until(lambda: raw() == before + 3.5, what="rewards 1 and 2.5 (the 0 moves nothing)")
    recent = api.total(FEEDBACK_REWARD_SUM, model=V1_MODEL, window=timedelta(seconds=20))
    assert set(recent["model"]) == {V1_MODEL} and recent["value"].sum() > 0


def test_every_metric_a_query_reads_is_published(local_mds, prometheus):
    predict(local_mds, 1)
    feedback(local_mds, 1.0)
    names = {line.split("{")[0].split(" ")[0] for text in published(prometheus).values()
             for line in text.splitlines() if line and not line.startswith("#")}
    missing = referenced_metrics(MODEL_SERVERS) - names
    assert not missing, f"queries read metrics no server publishes: {sorted(missing)}"


def test_prometheus_down_is_a_typed_error_with_a_plain_message():
    port = free_port()
    with PrometheusAPI(f"http://127.0.0.1:{port}") as down, pytest.raises(PrometheusUnavailable) as caught:
        down.instant("up")
    assert f"Prometheus at http://127.0.0.1:{port} is not reachable (connection refused)" in str(caught.value)
    assert isinstance(caught.value, PrometheusError)


def test_a_url_that_is_not_prometheus_says_so(local_mds):
    with PrometheusAPI(local_mds.url("mlserver")) as wrong, pytest.raises(PrometheusResponseError, match="base URL"):
        wrong.instant("up")


def metric_names(text: str) -> set[str]:
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}


def test_seldon_microservice_publishes_only_rewarded_feedback(local_mds, prometheus):
    """The evidence behind DESIGN.md section 7: predictions and reward-0 feedback leave /metrics unchanged."""
    target = next(t for t in prometheus.targets if t.server == V1_MODEL)
    metrics = lambda: requests.get(f"http://{target.address}/metrics", timeout=TIMEOUT).text  # noqa: E731
    before = metrics()
    url = f"{local_mds.url(V1_MODEL)}/api/v1.0/predictions"
    for _ in range(3):
        assert requests.post(url, json={"data": {"ndarray": [[1.0, 2.0]]}}, timeout=TIMEOUT).ok
    feedback(local_mds, 0.0)
    assert metrics() == before
    feedback(local_mds, 1.0)
    after = metrics()
    assert after != before
    names = metric_names(after)
    assert {"seldon_api_model_feedback_total", "seldon_api_model_feedback_reward_total"} <= names
    assert not [n for n in names if "request" in n or "predict" in n]
    labels = re.search(r'^seldon_api_model_feedback_total\{([^}]*)\}', after, re.M).group(1)
    assert f'model_name="{V1_MODEL}"' in labels and 'method="feedback"' in labels and "worker_id=" in labels


def test_a_query_prometheus_rejects_names_the_query(api):
    with pytest.raises(PrometheusQueryError, match=r"rejected the query \(bad_data: .*parse error") as caught:
        api.instant("sum(rate(")
    assert caught.value.query == "sum(rate("
