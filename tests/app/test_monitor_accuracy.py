"""The Monitor's Accuracy tab in AppTest against the embedded MDS and a real Prometheus scraping it.

Seldon's feedback reward, sent to the real seldon-core microservice and read back through Prometheus,
is one more row of the accuracy figure, on the same windows and the same time axis as the accuracy
estimated without labels; with no Prometheus, or none holding a reward for the model, one line says
which. The page's terms (K-S, p-value, Bonferroni, outlier score, CBPE) are explained where they appear.
"""

from __future__ import annotations

import base64
import json
import time
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
import requests

from tests.app.helpers import texts, unescape
from tests.app.test_monitor_page import open_monitor, tabular_model, traffic  # noqa: F401  (fixture)
from tests.workbench.monitor.conftest import SCRAPE_SECONDS, prometheus  # noqa: F401  (the session fixture)
from workbench.monitor import promql
from workbench.monitor.glossary import TERMS
from workbench.settings import get_settings

REWARD_TRACE = "Seldon feedback reward"


def seldon_model(refs):  # type: ignore[no-untyped-def]
    """A model served by a Seldon v1 microservice (it alone has a feedback endpoint), with reference data."""
    for ref in refs.values():
        if ref.protocol == "seldon" and ref.reference_data is not None and "test" not in ref.tags:
            return ref
    pytest.fail("the embedded MDS serves no Seldon v1 model with reference data")


def accuracy_figure(at) -> dict:  # type: ignore[no-untyped-def]
    """The Accuracy chart as sent to the browser (its JSON)."""
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    found = [c for c in charts if "Accuracy" in str(c["layout"].get("title", {}).get("text", ""))]
    assert len(found) == 1, [c["layout"].get("title") for c in charts]
    return found[0]


def values(array) -> list:  # type: ignore[no-untyped-def]
    """A trace's array as numbers: Plotly sends numeric arrays as base64 typed arrays ({dtype, bdata})."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def reward_seen(prometheus_url: str, label: str) -> float:
    query = f'sum(seldon_api_model_feedback_reward_total{{model_name="{label}"}})'
    body = requests.post(f"{prometheus_url}/api/v1/query", data={"query": query}, timeout=5).json()
    return sum(float(r["value"][1]) for r in body["data"]["result"])


def send_rewards(ref, n: int) -> None:  # type: ignore[no-untyped-def]
    body = {"request": {"data": {"ndarray": [[0.0]]}}, "response": {"data": {"ndarray": [[0.0]]}}, "reward": 1.0}
    for _ in range(n):
        assert requests.post(ref.feedback_url, json=body, timeout=10).ok


def test_seldon_reward_shares_the_accuracy_time_axis(traffic, no_auth, refs, monkeypatch, prometheus):  # noqa: F811
    ref = seldon_model(refs)
    label = promql.metrics_name(ref)
    traffic(ref, None, rows=320)
    send_rewards(ref, 1)  # Seldon's counter appears at its first reward: increase() counts from the next
    deadline = time.monotonic() + 30
    while reward_seen(prometheus.url, label) == 0 and time.monotonic() < deadline:
        time.sleep(SCRAPE_SECONDS / 2)
    before = reward_seen(prometheus.url, label)
    time.sleep(2 * SCRAPE_SECONDS)
    send_rewards(ref, 3)
    while reward_seen(prometheus.url, label) < before + 3 and time.monotonic() < deadline:
        time.sleep(SCRAPE_SECONDS / 2)
    assert reward_seen(prometheus.url, label) >= before + 3, "Prometheus never saw the rewards"
    # increase() extrapolates a window's samples by up to half a scrape interval at each side: on a series a
    # few scrapes old that is up to 1.6x (3 rewards read 4.6); after eight more scrapes at most 1.125x.
    time.sleep(8 * SCRAPE_SECONDS)
    traffic(ref, None, rows=8, days=None)  # calls after the rewards: the last window holds them
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", prometheus.url)
    get_settings.cache_clear()
    at = open_monitor(no_auth, ref.name)
    figure = accuracy_figure(at)
    traces = {t["name"]: t for t in figure["data"]}
    assert REWARD_TRACE in traces, list(traces)
    estimated, reward = traces["estimated from confidence"], traces[REWARD_TRACE]
    # one figure, one timeline: the reward row's x axis is the accuracy row's, over the same span
    assert estimated["xaxis"] == "x" and reward["xaxis"] == "x2" and figure["layout"]["xaxis"]["matches"] == "x2"
    assert figure["layout"]["xaxis"]["range"] == figure["layout"]["xaxis2"]["range"]
    # the same windows: every reward sits at the centre of one of the windows the estimate is drawn on (a window
    # of a handful of calls, like the last one here, gets no estimate: it would be noise)
    centres = sorted(pd.Timestamp(x) for x in estimated["x"])
    width = min(b - a for a, b in pairwise(centres))
    assert all(((pd.Timestamp(x) - centres[0]) / width).is_integer() for x in reward["x"]), (reward["x"], centres)
    # Ours are in, and nothing more than the counter holds: earlier tests of the session may have sent rewards to
    # the same microservice inside these windows. increase() extrapolates (at most 1.125x here), never counts fewer.
    shown = sum(values(reward["y"]))
    assert 3 <= shown <= 1.25 * reward_seen(prometheus.url, label), (shown, reward_seen(prometheus.url, label))
    shown = texts(at)
    assert "Orange, under the same windows" in shown and unescape(f"Reward read from {prometheus.url}") in shown
    assert not [i for i in at.info if "feedback reward" in str(i.value)]
    # a Seldon v1 microservice publishes no calls or latency: one line says so, no empty grids are drawn
    assert any("holds no calls, errors or latency" in unescape(str(i.value)) for i in at.info)
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]
    assert not [t for t in titles if t.startswith(promql.REQUEST_RATE.title)]
    assert any(t.startswith("Calls, errors and latency") for t in titles)


def test_no_reward_for_the_model_says_so_in_one_line(traffic, no_auth, refs, monkeypatch, prometheus):  # noqa: F811
    ref, _ = tabular_model(refs)
    traffic(ref, None, rows=160)
    # a Prometheus that answers but holds nothing of this model: a made-up label
    monkeypatch.setattr(promql, "metrics_name", lambda _ref: "no-such-model-anywhere")
    monkeypatch.setenv("WORKBENCH_PROMETHEUS_URL", prometheus.url)
    get_settings.cache_clear()
    at = open_monitor(no_auth, ref.name)
    lines = [str(i.value) for i in at.info if "feedback reward" in str(i.value)]
    assert len(lines) == 1 and "holds no Seldon feedback reward" in unescape(lines[0])
    assert REWARD_TRACE not in {t["name"] for t in accuracy_figure(at)["data"]}


def test_no_prometheus_says_so_and_the_terms_are_explained(traffic, no_auth, refs, monkeypatch, app_env):  # noqa: F811
    ref, _ = tabular_model(refs)
    traffic(ref, None, rows=960)
    monkeypatch.delenv("WORKBENCH_PROMETHEUS_URL", raising=False)
    monkeypatch.setenv("WORKBENCH_HOME", str(app_env / "home"))  # no embedded MDS state: no Prometheus at all
    get_settings.cache_clear()
    at = open_monitor(no_auth, ref.name)
    lines = [unescape(str(i.value)) for i in at.info if "feedback reward" in str(i.value)]
    assert len(lines) == 1 and lines[0].startswith("No Prometheus is configured"), lines
    assert REWARD_TRACE not in {t["name"] for t in accuracy_figure(at)["data"]}
    shown = texts(at)
    for term in ("p_value", "bonferroni", "outlier_score", "estimated_accuracy"):
        assert TERMS[term] in shown, term  # a sentence a stakeholder reads on the page, not only a word
    helps = [unescape(c.proto.help) for c in at.caption if c.proto.help]
    assert any(TERMS["ks"] in h for h in helps)  # Kolmogorov-Smirnov: a tooltip on the caption naming it
    first = next(c for c in at.caption if "Kolmogorov" in unescape(str(c.value)))
    assert TERMS["ks"] in unescape(first.proto.help)
