"""Model health as Prometheus metrics: what the alert rules read, written from the last refresh's numbers.

Names follow Prometheus's conventions (base units, ``_seconds``, ``_ratio`` for shares of one); labels are
``model`` (one per model the discovery lists) and ``window`` (``last``, ``previous`` or ``recent``, see
`workbench.monitor.model_health`): the label sets stay bounded whatever the traffic. A number that could
not be measured (a window with too few rows for drift, a model without confidences) is left out rather
than written as NaN, so a rule on it never fires on nothing.

Every series is a gauge: a window's value, not a running total (the request counters are the servers'
own, e.g. MLServer's ``model_infer_request_success_total``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbench.monitor.model_health import WINDOWS, ModelHealth, WindowHealth, finite

PREFIX = "mds_model_"


@dataclass(frozen=True)
class WindowGauge:
    name: str
    help: str
    value: Callable[[WindowHealth], float | None]
    windows: tuple[str, ...] = WINDOWS


WINDOW_GAUGES: tuple[WindowGauge, ...] = (
    WindowGauge("logged_calls", "Calls logged in the window (all sources: loggers, the workbench, simulations).",
                lambda w: w.calls),
    WindowGauge("logged_errors", "Of those, calls that failed.", lambda w: w.errors),
    WindowGauge("error_ratio", "Failed calls / calls in the window (absent without calls).", lambda w: w.error_ratio),
    WindowGauge("latency_p95_seconds", "95th percentile of the answer time of a sample of the window's calls.",
                lambda w: w.latency_p95_seconds, ("last", "previous")),
    WindowGauge("drift_tested_rows", "Rows of the window the drift test ran on (a sample of at most 1,000).",
                lambda w: w.tested_rows, ("last", "previous")),
    WindowGauge("drift_p_value_min", "Smallest per-feature drift p-value against the reference data (absent "
                "when the window has fewer than 20 readable rows).", lambda w: w.min_p_value, ("last", "previous")),
    WindowGauge("drifting_features", "Features whose p-value is under the Bonferroni threshold (0.05 / features).",
                lambda w: w.drifting_features, ("last", "previous")),
    WindowGauge("outlier_ratio", "Share of tested rows the isolation forest calls outliers (5% expected).",
                lambda w: w.outlier_ratio, ("last", "previous")),
    WindowGauge("estimated_accuracy", "Accuracy estimated without labels: mean confidence of the answers (CBPE).",
                lambda w: w.estimated_accuracy, ("last", "previous")),
    WindowGauge("feedback_verdicts", "Analyst verdicts (right or wrong) on the window's answers.",
                lambda w: w.feedback_verdicts),
    WindowGauge("feedback_accuracy", "Share of those verdicts that say right (absent without verdicts).",
                lambda w: w.feedback_accuracy),
    WindowGauge("feedback_coverage_ratio", "Verdicts / calls of the window.", lambda w: w.feedback_coverage),
)


def render(models: dict[str, ModelHealth], window_seconds: float) -> str:
    """The gauges of one refresh in Prometheus's text format (0.0.4).

    Written directly rather than through prometheus_client's collectors: a scrape of 50 models is some 2,000
    samples, and the client's per-sample objects cost several times the string work (bench/health_scrape.py).
    """
    lines = [f"# HELP {PREFIX}health_window_seconds Width of the health windows.",
             f"# TYPE {PREFIX}health_window_seconds gauge", f"{PREFIX}health_window_seconds {_text(window_seconds)}"]
    ordered = sorted(models.items())
    labels = {name: _label(name) for name, _ in ordered}
    for gauge in WINDOW_GAUGES:
        name = PREFIX + gauge.name
        lines += [f"# HELP {name} {_help(gauge.help)}", f"# TYPE {name} gauge"]
        for model, health in ordered:
            for window in gauge.windows:
                value = finite(_number(gauge.value(health.window(window))))
                if value is not None:
                    lines.append(f'{name}{{model="{labels[model]}",window="{window}"}} {_text(value)}')
    for suffix, text, value in (
            ("usual_calls", "Median calls per window over the recent windows before the last one, simulated calls "
             "left out (a simulation that ends is no outage).",
             lambda h: h.usual_calls),
            ("reference_accuracy", "Accuracy the model's card states: its mean confidence on held-out data (else "
             "its accuracy there).", lambda h: h.reference_accuracy),
            ("health_window_end_timestamp_seconds", "End of the last complete window the numbers describe "
             "(Unix time).", lambda h: h.last.end.timestamp())):
        name = PREFIX + suffix
        lines += [f"# HELP {name} {_help(text)}", f"# TYPE {name} gauge"]
        for model, health in ordered:
            number = finite(_number(value(health)))
            if number is not None:
                lines.append(f'{name}{{model="{labels[model]}"}} {_text(number)}')
    return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _text(value: float) -> str:
    return repr(float(value))


def _number(value: float | int | None) -> float | None:
    return None if value is None else float(value)
