"""The PromQL the Monitor page (and the Grafana dashboard) runs: one named object per query.

Every query here is the only copy of itself: the page, the dashboard JSON and the tests render
them from `QUERIES`, and a test checks that each name in ``metrics`` appears in the real servers'
``/metrics``. A query is a `string.Template` with two holes: ``$window`` (the range of ``rate`` /
``increase``, see `range_steps.rate_window`) and ``$sel`` (the label matchers inside ``{}``: the
query's fixed ones plus the model or server asked for).

What the servers publish decides what can be asked (see `embedded_mds.prometheus`):
- MLServer 1.7.1 labels its per-model metrics ``model`` (the V2 model name) and ``version``:
  calls, failures, and the time per call as a Summary (count and sum, no quantiles). So the rate,
  error share and *mean* latency are per model; the median and 95th percentile come from the REST
  layer's histogram, which knows the route but not the model: they are per server (the ``server``
  label our scrape configuration adds), over every model that server hosts.
- NVIDIA Triton labels its per-model metrics ``model`` and ``version`` too, under its own names: calls and
  failures (by ``reason``) as counters without the ``_total`` suffix, and the time per call as a cumulative sum
  in microseconds (``nv_inference_request_duration_us``) over its successful calls. Each per-model query reads
  MLServer's names ``or`` Triton's, so the same query serves a model on either server (``PromQuery.triton``
  lists Triton's names; a test checks them against a real Triton's ``/metrics``).
- seldon-core's microservice publishes no request metrics, only Seldon's feedback counters
  (label ``model_name``: the predictive unit, the deployment name in the embedded MDS).
- the request-log sink (`logsink.metrics`) counts the events it received (by CloudEvent
  type), refused (by reason) and the rows it stored, and times each group commit as a Histogram.
  Its queries have ``source = SINK``: the Monitor page does not draw them, the Grafana dashboard
  (``tools/grafana_dashboard.py``) does.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mds_client import ModelRef

MODEL = "model"  # MLServer's label for the model
SELDON_MODEL = "model_name"  # seldon-core's
SERVER = "server"  # added by our scrape configuration (embedded/prometheus.py); a cluster's relabelling may differ

SUCCESS = "model_infer_request_success_total"
FAILURE = "model_infer_request_failure_total"
DURATION_SUM = "model_infer_request_duration_sum"
DURATION_COUNT = "model_infer_request_duration_count"
NV_SUCCESS = "nv_inference_request_success"  # NVIDIA Triton's
NV_FAILURE = "nv_inference_request_failure"
NV_DURATION_US = "nv_inference_request_duration_us"
REST_DURATION_BUCKET = "rest_server_request_duration_seconds_bucket"
FEEDBACK = "seldon_api_model_feedback_total"
FEEDBACK_REWARD = "seldon_api_model_feedback_reward_total"
INFER_ROUTES = 'path=~"/v2/models/.+/infer"'

SINK_EVENTS = "mds_sink_events_received_total"
SINK_REJECTS = "mds_sink_events_rejected_total"
SINK_ROWS = "mds_sink_rows_stored_total"
SINK_WRITE_BUCKET = "mds_sink_write_seconds_bucket"

MODEL_SERVERS = "model servers"  # what `PromQuery.source` can be: whose /metrics the query reads
SINK = "request-log sink"


def _sum_rate(metric: str, by: str = MODEL) -> str:
    return f"sum by ({by}) (rate({metric}{{$sel}}[$window]))"


def _either(success: str, failure: str) -> str:
    # A model's failure series may not exist yet (MLServer creates it at its first call; other servers
    # at the first failure), and `S + E` would then be empty: fall back to the side that exists.
    return f"(({success} + {failure}) or {success} or {failure})"


def _or_triton(mlserver: str, triton: str) -> str:
    # A model is on one server: one side is empty, `or` keeps the other (Prometheus matches the model label).
    return f"({mlserver} or {triton})"


def _total(metric: str) -> str:
    return f"sum by ({MODEL}) ({metric}{{$sel}})"


_S, _E = _or_triton(_sum_rate(SUCCESS), _sum_rate(NV_SUCCESS)), _or_triton(_sum_rate(FAILURE), _sum_rate(NV_FAILURE))
_S_TOTAL, _E_TOTAL = _or_triton(_total(SUCCESS), _total(NV_SUCCESS)), _or_triton(_total(FAILURE), _total(NV_FAILURE))
_MEAN_SECONDS = _or_triton(f"{_sum_rate(DURATION_SUM)} / {_sum_rate(DURATION_COUNT)}",
                           f"{_sum_rate(NV_DURATION_US)} / {_sum_rate(NV_SUCCESS)} / 1000000")


def _quantile(q: float, bucket: str = REST_DURATION_BUCKET) -> str:
    return f"histogram_quantile({q}, {_sum_rate(bucket, f'{SERVER}, le')}) * 1000"


@dataclass(frozen=True)
class PromQuery:
    """One query: what it shows (title, unit, caption), its PromQL and the metrics it reads."""

    key: str
    title: str
    unit: str
    template: str
    metrics: tuple[str, ...]
    caption: str
    label: str = MODEL
    """The label that names each series: a model label, or ``server`` for per-server queries."""
    matchers: str = ""
    """Label matchers the query always applies (e.g. only the infer routes)."""
    instant_only: bool = False
    """A cumulative total, read at one instant; the others are series over a time range."""
    source: str = MODEL_SERVERS
    """Whose ``/metrics`` hold `metrics`: `MODEL_SERVERS` or the request-log `SINK`."""
    triton: tuple[str, ...] = ()
    """NVIDIA Triton's names of the same metrics, read beside `metrics` (a model is on one server or the other)."""

    @property
    def per_server(self) -> bool:
        return self.label == SERVER

    def render(self, *, window: str = "5m", model: str | None = None, server: str | None = None) -> str:
        """The PromQL for a `window` (a PromQL duration such as ``"5m"``) and one model or server, or all.

        A per-server query ignores `model`: its metric does not know the model; so does a sink query.
        """
        parts = [self.matchers] if self.matchers else []
        if model and not self.per_server and self.source == MODEL_SERVERS:
            parts.append(f'{self.label}="{escape_label_value(model)}"')
        if server:
            parts.append(f'{SERVER}="{escape_label_value(server)}"')
        return Template(self.template).substitute(window=window, sel=", ".join(parts))


def escape_label_value(value: str) -> str:
    """A label value inside PromQL double quotes (backslash, quote and newline escaped)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


REQUEST_RATE = PromQuery(
    key="request_rate", title="Requests per second", unit="requests/s",
    template=_either(_S, _E), metrics=(SUCCESS, FAILURE), triton=(NV_SUCCESS, NV_FAILURE),
    caption="Inference calls the model server answered, averaged over each window.",
)
ERROR_RATE = PromQuery(
    key="error_rate", title="Share of calls that failed", unit="fraction of calls",
    template=f"({_E} or {_S} * 0) / {_either(_S, _E)}", metrics=(SUCCESS, FAILURE), triton=(NV_SUCCESS, NV_FAILURE),
    caption="Failed calls over all calls; 0 means none failed. A body that does not parse is refused "
            "(HTTP 422) before it counts as a call.",
)
LATENCY_MEAN = PromQuery(
    key="latency_mean", title="Mean latency", unit="ms",
    template=f"{_MEAN_SECONDS} * 1000", metrics=(DURATION_SUM, DURATION_COUNT), triton=(NV_DURATION_US, NV_SUCCESS),
    caption="Average time per call inside the model server (network not included).",
)
LATENCY_P50 = PromQuery(
    key="latency_p50", title="Median latency of the server", unit="ms",
    template=_quantile(0.5), metrics=(REST_DURATION_BUCKET,), label=SERVER, matchers=INFER_ROUTES,
    caption="Half the infer calls to this server took less than this, over all the models it serves "
            "(MLServer times each model only as a mean).",
)
LATENCY_P95 = PromQuery(
    key="latency_p95", title="95th percentile latency of the server", unit="ms",
    template=_quantile(0.95), metrics=(REST_DURATION_BUCKET,), label=SERVER, matchers=INFER_ROUTES,
    caption="95 infer calls in 100 to this server took less than this; spikes here are what callers feel.",
)
FEEDBACK_REWARD_SUM = PromQuery(
    key="feedback_reward", title="Reward from Seldon feedback", unit="reward per window",
    template=f"sum by ({SELDON_MODEL}) (increase({FEEDBACK_REWARD}{{$sel}}[$window]))",
    metrics=(FEEDBACK_REWARD,), label=SELDON_MODEL,
    caption="Sum of the rewards sent to Seldon's feedback endpoint in each window. Seldon skips a "
            "reward of 0, so with rewards of 1 or 0 this is the number of answers confirmed right.",
)
FEEDBACK_COUNT = PromQuery(
    key="feedback_count", title="Rewarded feedback sent to Seldon", unit="feedback per window",
    template=f"sum by ({SELDON_MODEL}) (increase({FEEDBACK}{{$sel}}[$window]))",
    metrics=(FEEDBACK,), label=SELDON_MODEL,
    caption="Feedback calls with a non-zero reward in each window (Seldon does not count the others).",
)
REQUESTS_TOTAL = PromQuery(
    key="requests_total", title="Calls since the server started", unit="calls",
    template=_either(_S_TOTAL, _E_TOTAL), metrics=(SUCCESS, FAILURE), triton=(NV_SUCCESS, NV_FAILURE), instant_only=True,
    caption="Every inference call the model server has answered since it started.",
)

SINK_EVENTS_RATE = PromQuery(
    key="sink_events", title="Events the sink received", unit="events/s",
    template=_sum_rate(SINK_EVENTS, "type"), metrics=(SINK_EVENTS,), label="type", source=SINK,
    caption="CloudEvents posted to the request-log sink by Seldon's and KServe's loggers, by event type.",
)
SINK_REJECTS_RATE = PromQuery(
    key="sink_rejected", title="Events the sink refused", unit="events/s",
    template=_sum_rate(SINK_REJECTS, "reason"), metrics=(SINK_REJECTS,), label="reason", source=SINK,
    caption="Events the sink could not read or store, by reason; any at all means lost request logs.",
)
SINK_ROWS_RATE = PromQuery(
    key="sink_rows", title="Rows the sink stored", unit="rows/s",
    template=_sum_rate(SINK_ROWS, SERVER), metrics=(SINK_ROWS,), label=SERVER, source=SINK,
    caption="Logged instances written to the request_log table (request and response parts count apart).",
)
SINK_WRITE_P95 = PromQuery(
    key="sink_write_p95", title="95th percentile time of a sink commit", unit="ms",
    template=_quantile(0.95, SINK_WRITE_BUCKET), metrics=(SINK_WRITE_BUCKET,), label=SERVER, source=SINK,
    caption="One commit stores every event queued meanwhile; a rising time means the database is the bottleneck.",
)

QUERIES: dict[str, PromQuery] = {q.key: q for q in (
    REQUEST_RATE, ERROR_RATE, LATENCY_MEAN, LATENCY_P50, LATENCY_P95, FEEDBACK_REWARD_SUM, FEEDBACK_COUNT,
    REQUESTS_TOTAL, SINK_EVENTS_RATE, SINK_REJECTS_RATE, SINK_ROWS_RATE, SINK_WRITE_P95,
)}


def metrics_name(ref: ModelRef) -> str:
    """The label value a model's series carry: its V2 model name (MLServer's ``model``) or, for a
    Seldon v1 model, its graph node (seldon-core's ``model_name``); both are `ModelRef.v2_name`."""
    return ref.v2_name


def triton_metrics() -> set[str]:
    """Every NVIDIA Triton metric name a query reads beside MLServer's (what a Triton server must publish)."""
    return {name for query in QUERIES.values() for name in query.triton}


def referenced_metrics(source: str | None = None) -> set[str]:
    """Every metric name a query reads (what the servers must publish), of one `source` or all."""
    return {name for query in QUERIES.values() if source in (None, query.source) for name in query.metrics}
