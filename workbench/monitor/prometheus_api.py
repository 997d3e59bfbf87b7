"""Read metrics from Prometheus's HTTP API (``/api/v1/query``, ``/api/v1/query_range``) as frames.

    api = configured_api()                       # WORKBENCH_PROMETHEUS_URL, else the embedded one
    api.instant('up')                            # time, model, value (+ labels)
    api.series(REQUEST_RATE, start, end)         # MetricSeries: frame, step, window, PromQL
    api.total(REQUESTS_TOTAL, model="wine")

Frames have the columns ``time`` (UTC), ``model`` (the label naming the series: MLServer's
``model``, seldon-core's ``model_name``, or for per-server queries the ``server``), ``server``
(the scrape target's ``server`` label, "" when absent) and ``value`` (float), one row per series
and instant; NaN and infinite values (a quantile or a ratio
over a window without calls) are dropped, because they mean "no data here", not a number. One
pooled `requests.Session` per client, explicit connect/read timeouts; every failure is a
`PrometheusError` (see `prometheus_errors`) with a message a person can act on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import requests
import yaml

from embedded_mds.layout import HomeLayout
from workbench.monitor.prometheus_errors import (
    PrometheusNotConfigured,
    PrometheusQueryError,
    PrometheusResponseError,
    PrometheusUnavailable,
)
from workbench.monitor.promql import MODEL, SELDON_MODEL, SERVER, PromQuery
from workbench.monitor.range_steps import choose_step, promql_duration, rate_window, round_for_people
from workbench.settings import get_settings

if TYPE_CHECKING:
    import pandas as pd
    import requests

    from workbench.settings import Settings


class Timeout(NamedTuple):
    connect: float
    read: float


DEFAULT_TIMEOUT = Timeout(connect=2.0, read=15.0)
DEFAULT_SCRAPE_INTERVAL = timedelta(seconds=15)  # Prometheus's own default when its config says nothing
COLUMNS = ["time", "model", "server", "value"]
MODEL_LABELS = (MODEL, SELDON_MODEL)
EMBEDDED_SERVER = "prometheus"


@dataclass(frozen=True)
class MetricSeries:
    """A range query's answer and how it was asked."""

    query: PromQuery
    promql: str
    step: timedelta
    window: timedelta
    frame: pd.DataFrame

    @property
    def rounded(self) -> pd.DataFrame:
        """The frame with values to three significant digits, for tables and hover labels."""
        out = self.frame.copy()
        out["value"] = round_for_people(out["value"])
        return out


class PrometheusAPI:
    """A client of one Prometheus."""

    def __init__(self, url: str, *, timeout: Timeout = DEFAULT_TIMEOUT, session: requests.Session | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.headers.update(headers or {})
        self._scrape_interval: timedelta | None = None

    # -- raw API -------------------------------------------------------------------------------

    def instant(self, promql: str, *, at: datetime | None = None, label: str | None = None) -> pd.DataFrame:
        """``/api/v1/query``: the value of each series at `at` (default now); `label` names the series."""
        params = {"query": promql}
        if at is not None:
            params["time"] = f"{at.timestamp():.3f}"
        return to_frame(self._call("/api/v1/query", params, promql), label, url=self.url)

    def range(self, promql: str, *, start: datetime, end: datetime, step: timedelta,
              label: str | None = None) -> pd.DataFrame:
        """``/api/v1/query_range``: one row per series and step from `start` to `end`."""
        params = {"query": promql, "start": f"{start.timestamp():.3f}", "end": f"{end.timestamp():.3f}",
                  "step": f"{step.total_seconds():g}"}
        return to_frame(self._call("/api/v1/query_range", params, promql), label, url=self.url)

    def scrape_interval(self) -> timedelta:
        """The global scrape interval from Prometheus's loaded configuration (cached)."""
        if self._scrape_interval is None:
            data = self._call("/api/v1/status/config", {}, None, method="GET")
            try:
                text = yaml.safe_load(data["yaml"])["global"].get("scrape_interval", "15s")
                self._scrape_interval = parse_duration(str(text))
            except (KeyError, TypeError, ValueError, yaml.YAMLError):
                self._scrape_interval = DEFAULT_SCRAPE_INTERVAL
        return self._scrape_interval

    def alerts(self) -> list[dict[str, Any]]:
        """``/api/v1/alerts``: the alerts of Prometheus's rules now, pending and firing, with labels and annotations."""
        data = self._call("/api/v1/alerts", {}, None, method="GET")
        return list((data or {}).get("alerts") or [])

    # -- named queries -------------------------------------------------------------------------

    def series(self, query: PromQuery, *, start: datetime, end: datetime, model: str | None = None,
               server: str | None = None, step: timedelta | None = None) -> MetricSeries:
        """A query of `promql.QUERIES` over a time range, its step chosen for a readable chart."""
        if query.instant_only:
            raise ValueError(f"{query.key} is a total read at one instant: use total()")
        step = step or choose_step(end - start)
        window = rate_window(step, self.scrape_interval())
        promql = query.render(window=promql_duration(window), model=model, server=server)
        frame = self.range(promql, start=start, end=end, step=step, label=query.label)
        return MetricSeries(query, promql, step, window, frame)

    def total(self, query: PromQuery, *, model: str | None = None, window: timedelta = timedelta(hours=1),
              at: datetime | None = None) -> pd.DataFrame:
        """A query's value per model at one instant (for rates: over the `window` before it)."""
        return self.instant(query.render(window=promql_duration(window), model=model), at=at, label=query.label)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PrometheusAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport: the one place lower errors become ours --------------------------------------

    def _call(self, path: str, params: dict[str, str], promql: str | None, *, method: str = "POST") -> Any:
        url = self.url + path
        try:
            if method == "POST":  # form-encoded POST: long PromQL never hits a URL length limit
                response = self._session.post(url, data=params, timeout=tuple(self.timeout))
            else:
                response = self._session.get(url, params=params, timeout=tuple(self.timeout))
        except requests.Timeout:
            raise PrometheusUnavailable(self.url, f"no answer within {self.timeout.read:g} s", query=promql) from None
        except requests.RequestException as error:
            raise PrometheusUnavailable(self.url, _connection_reason(error), query=promql) from None
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            if response.status_code >= 500:
                raise PrometheusUnavailable(self.url, f"HTTP {response.status_code}", query=promql) from None
            raise PrometheusResponseError(self.url, f"HTTP {response.status_code}, not JSON", query=promql) from None
        if not isinstance(body, dict) or "status" not in body:
            raise PrometheusResponseError(self.url, "JSON without a status", query=promql)
        if body["status"] != "success":
            error_type, detail = str(body.get("errorType", "error")), str(body.get("error", ""))
            if response.status_code >= 500 or error_type in ("timeout", "canceled", "internal", "unavailable"):
                raise PrometheusUnavailable(self.url, f"{error_type}: {detail}", query=promql)
            raise PrometheusQueryError(self.url, promql or path, error_type, detail)
        return body.get("data")


def _connection_reason(error: Exception) -> str:
    text = str(error)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "Failed to resolve" in text:
        return "host name not found"
    return text.split(": ", 1)[-1][:200]


def to_frame(data: Any, label: str | None = None, *, url: str = "") -> pd.DataFrame:
    """``data`` of a query answer (vector, matrix or scalar) as a (time, model, server, value) frame.

    The ``model`` column holds `label`'s value, or by default the first model label present.
    """
    if not isinstance(data, dict) or "resultType" not in data:
        raise PrometheusResponseError(url, "no resultType in data")
    kind, result = data["resultType"], data.get("result") or []
    rows: list[tuple[float, str, str, str]] = []
    if kind == "scalar":
        rows.append((float(result[0]), "", "", _number(result[1])))
    elif kind in ("vector", "matrix"):
        for item in result:
            labels = item.get("metric", {})
            names = (label,) if label else MODEL_LABELS
            model = next((labels[name] for name in names if name in labels), "")
            samples = [item["value"]] if kind == "vector" else item.get("values", [])
            rows.extend((float(t), model, labels.get(SERVER, ""), _number(v)) for t, v in samples)
    else:
        raise PrometheusResponseError(url, f"unexpected resultType {kind!r}")
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["value"] = frame["value"].astype(float)
    frame["time"] = pd.to_datetime(frame["time"], unit="s", utc=True)
    frame = frame[np.isfinite(frame["value"])]
    return frame.sort_values(["model", "time"]).reset_index(drop=True)


def _number(text: Any) -> float:
    # Python's float() parses Prometheus's shortest round-trip text exactly; pandas' fast parser may
    # miss the last bit, and then our numbers would not equal Prometheus's.
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def parse_duration(text: str) -> timedelta:
    """A Prometheus duration (``2s``, ``500ms``, ``1m30s``, ``1h``) as a timedelta."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return timedelta(seconds=sum(int(n) * units[u] for n, u in parts))


# -- which Prometheus --------------------------------------------------------------------------


def prometheus_url(settings: Settings | None = None) -> str | None:
    """``WORKBENCH_PROMETHEUS_URL``, else the embedded MDS's Prometheus from its state.json, else None."""
    if settings is None:
        settings = get_settings()
    if settings.prometheus_url:
        return settings.prometheus_url

    try:
        state = json.loads(HomeLayout(settings.home).state.read_text())
    except (OSError, ValueError):
        return None
    return next((s.get("url") for s in state.get("servers", []) if s.get("name") == EMBEDDED_SERVER), None)


def not_configured_message() -> str:
    """What the page says when no Prometheus is configured."""
    return str(PrometheusNotConfigured())


def configured_api(settings: Settings | None = None, **options: Any) -> PrometheusAPI:
    """A client of the Prometheus in use; `PrometheusNotConfigured` when there is none."""
    url = prometheus_url(settings)
    if not url:
        raise PrometheusNotConfigured()
    return PrometheusAPI(url, **options)


def now() -> datetime:
    return datetime.now(UTC)
