"""The PromQL the Monitor page (and the Grafana dashboard) runs: one named object per query.

Every query here is the only copy of itself: the page, the dashboard JSON and the tests render
them from `QUERIES`, and a test checks that each name in ``metrics`` appears in the real servers'
``/metrics``. A query is a `string.Template` with two holes: ``$window`` (the range of ``rate`` /
``increase``, see `range_steps.rate_window`) and ``$sel`` (label matchers inside ``{}``, empty for
every model, ``model_name="wine"`` for one). Results carry the ``model_name`` label, which MLServer
and seldon-core both use for the model (MLServer: the V2 model name; seldon-core: the predictive
unit, that is the deployment name in the embedded MDS).

Sources: request rate, errors and latency come from MLServer's metrics (V2 models). The seldon-core
microservice publishes no request metrics (see `workbench.embedded.prometheus`), only feedback
counters, so the reward queries are Seldon's and cover v1 models.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

MODEL_LABEL = "model_name"

SUCCESS = "model_infer_request_success_total"
FAILURE = "model_infer_request_failure_total"
DURATION_BUCKET = "model_infer_request_duration_bucket"
FEEDBACK = "seldon_api_model_feedback_total"
FEEDBACK_REWARD = "seldon_api_model_feedback_reward_total"

# MLServer creates the failure series only at a model's first failure, so every sum falls back to
# the side that exists: `(S + E) or S or E` instead of `S + E`, which would be empty.
_S = f"sum by ({MODEL_LABEL}) (rate({SUCCESS}{{$sel}}[$window]))"
_E = f"sum by ({MODEL_LABEL}) (rate({FAILURE}{{$sel}}[$window]))"
_S_TOTAL = f"sum by ({MODEL_LABEL}) ({SUCCESS}{{$sel}})"
_E_TOTAL = f"sum by ({MODEL_LABEL}) ({FAILURE}{{$sel}})"


def _either(success: str, failure: str) -> str:
    return f"(({success} + {failure}) or {success} or {failure})"


def _quantile(q: float) -> str:
    return (f"histogram_quantile({q}, sum by ({MODEL_LABEL}, le) "
            f"(rate({DURATION_BUCKET}{{$sel}}[$window]))) * 1000")


@dataclass(frozen=True)
class PromQuery:
    """One query: what it shows (title, unit, caption), its PromQL and the metrics it reads."""

    key: str
    title: str
    unit: str
    template: str
    metrics: tuple[str, ...]
    caption: str
    # A cumulative total is read at one instant; the rest are series over a time range.
    instant_only: bool = False

    def render(self, *, window: str = "5m", model: str | None = None) -> str:
        """The PromQL text for a `window` (a PromQL duration such as ``"5m"``) and one model or all."""
        sel = f'{MODEL_LABEL}="{escape_label_value(model)}"' if model else ""
        return Template(self.template).substitute(window=window, sel=sel)


def escape_label_value(value: str) -> str:
    """A label value inside PromQL double quotes (backslash and quote escaped)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


REQUEST_RATE = PromQuery(
    key="request_rate", title="Requests per second", unit="requests/s",
    template=_either(_S, _E), metrics=(SUCCESS, FAILURE),
    caption="Inference calls the model server answered, averaged over each window.",
)
ERROR_RATE = PromQuery(
    key="error_rate", title="Share of calls that failed", unit="fraction of calls",
    template=f"({_E} or {_S} * 0) / {_either(_S, _E)}", metrics=(SUCCESS, FAILURE),
    caption="Failed calls over all calls; 0 means none failed. Rejected payloads that never reached "
            "the model are not counted here.",
)
LATENCY_P50 = PromQuery(
    key="latency_p50", title="Median latency", unit="ms",
    template=_quantile(0.5), metrics=(DURATION_BUCKET,),
    caption="Half the calls took less than this inside the model server (network not included).",
)
LATENCY_P95 = PromQuery(
    key="latency_p95", title="95th percentile latency", unit="ms",
    template=_quantile(0.95), metrics=(DURATION_BUCKET,),
    caption="95 calls in 100 took less than this inside the model server; spikes here are what callers feel.",
)
FEEDBACK_REWARD_SUM = PromQuery(
    key="feedback_reward", title="Reward from Seldon feedback", unit="reward per window",
    template=f"sum by ({MODEL_LABEL}) (increase({FEEDBACK_REWARD}{{$sel}}[$window]))", metrics=(FEEDBACK_REWARD,),
    caption="Sum of the rewards sent to Seldon's feedback endpoint in each window (a reward of 0 is not "
            "counted by Seldon, so this is the number of correct answers when rewards are 1 or 0).",
)
FEEDBACK_COUNT = PromQuery(
    key="feedback_count", title="Rewarded feedback sent to Seldon", unit="feedback per window",
    template=f"sum by ({MODEL_LABEL}) (increase({FEEDBACK}{{$sel}}[$window]))", metrics=(FEEDBACK,),
    caption="Feedback calls with a non-zero reward in each window (Seldon does not count the others).",
)
REQUESTS_TOTAL = PromQuery(
    key="requests_total", title="Calls since the server started", unit="calls",
    template=_either(_S_TOTAL, _E_TOTAL), metrics=(SUCCESS, FAILURE), instant_only=True,
    caption="Every inference call the model server has answered since it started.",
)

QUERIES: dict[str, PromQuery] = {q.key: q for q in (
    REQUEST_RATE, ERROR_RATE, LATENCY_P50, LATENCY_P95, FEEDBACK_REWARD_SUM, FEEDBACK_COUNT, REQUESTS_TOTAL,
)}


def referenced_metrics() -> set[str]:
    """Every metric name a query reads (what the servers must publish)."""
    return {name for query in QUERIES.values() for name in query.metrics}
