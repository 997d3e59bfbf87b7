"""Each model's state at a glance: healthy, warning or firing, and why in one line.

- **firing**: an alert on the model fires and nobody silenced it (Alertmanager's ``active``; without an
  Alertmanager, Prometheus's firing alerts);
- **warning**: an alert is pending (its condition holds, its ``for`` has not passed), silenced, or an early
  sign shows in the health metrics (the last window drifted: one more such window fires ``ModelDrift``);
- **healthy**: none of these;
- **unknown**: neither Prometheus nor Alertmanager answered (``why`` says which and where).

`states` takes what the services read (plain lists), so it is a function of its inputs alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIRING, WARNING, HEALTHY, UNKNOWN = "firing", "warning", "healthy", "unknown"
RANK = {FIRING: 3, WARNING: 2, UNKNOWN: 1, HEALTHY: 0}


@dataclass(frozen=True)
class SeenAlert:
    """An alert as Prometheus or Alertmanager reports it now."""

    model: str
    alertname: str
    state: str
    """firing | pending | silenced"""
    summary: str = ""
    until: str = ""
    """For a silenced alert: when its silence ends (words)."""


@dataclass(frozen=True)
class ModelState:
    model: str
    state: str
    why: str
    alerts: list[SeenAlert] = field(default_factory=list)

    @property
    def label(self) -> str:
        return {FIRING: "Alert firing", WARNING: "Warning", HEALTHY: "Healthy", UNKNOWN: "Health unknown"}[self.state]


def _line(alerts: list[SeenAlert], what: str) -> str:
    first = alerts[0]
    text = first.summary or f"{first.alertname} {what}"
    more = len(alerts) - 1
    return text + (f" (and {more} more)" if more else "")


def states(models: list[str], alerts: list[SeenAlert], early_signs: dict[str, str], *,
           unknown: str = "") -> dict[str, ModelState]:
    """Per model: its state and one line of why. ``early_signs``: model -> a sentence (the last window drifted...);
    ``unknown``: why nothing could be read (then every model is unknown; the page says why once)."""
    out = {}
    for model in models:
        own = [a for a in alerts if a.model == model]
        firing = [a for a in own if a.state == "firing"]
        pending = [a for a in own if a.state == "pending"]
        silenced = [a for a in own if a.state == "silenced"]
        if firing:
            out[model] = ModelState(model, FIRING, _line(firing, "is firing"), own)
        elif pending:
            out[model] = ModelState(model, WARNING, "Pending: " + _line(pending, "holds; it fires if it lasts"), own)
        elif silenced:
            first = silenced[0]
            until = f" until {first.until}" if first.until else ""
            out[model] = ModelState(model, WARNING, f"{first.alertname} fires but is silenced{until}.", own)
        elif model in early_signs:
            out[model] = ModelState(model, WARNING, early_signs[model], own)
        elif unknown:
            out[model] = ModelState(model, UNKNOWN, "Neither Prometheus nor Alertmanager answered.", own)
        else:
            out[model] = ModelState(model, HEALTHY, "No alert, and no early sign in the last window.", own)
    return out
