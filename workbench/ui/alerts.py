"""Alerts in the app (the Health page's and the Models page's glue): cached reads of the alerts and model states,
and the two things a person does (silence an alert, change a model's rule) as the signed-in user, audited.

Each read fails on its own: without Alertmanager or Prometheus the page says which is down and shows what
the store holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import streamlit as st

from components.alert_view import RuleChange, SilenceRequest
from components.text import md, md_escape
from workbench.alerts import rule_settings
from workbench.alerts import service as alerts_service
from workbench.alerts.model_state import ModelState
from workbench.alerts.rules import EffectiveRule
from workbench.auth import can_open
from workbench.ui import resources, state

TTL_SECONDS = 15
PERIODS = {"Last 24 hours": timedelta(days=1), "Last 7 days": timedelta(days=7), "Last 30 days": timedelta(days=30)}


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def model_states(models: tuple[str, ...]) -> tuple[dict[str, ModelState], str]:
    """Each model's state and a message naming what did not answer; read at most every 15 s."""
    return alerts_service.health_states(list(models), settings=resources.settings())


@st.cache_data(ttl=TTL_SECONDS, show_spinner="Reading the alerts...")
def timeline(database_url: str, days: float) -> alerts_service.Timeline:
    """Alerts of the last ``days`` (cached per database and period)."""
    since = datetime.now(UTC) - timedelta(days=days)
    return alerts_service.alert_timeline(resources.engine(), since=since, settings=resources.settings())


def rules_of(model: str) -> list[EffectiveRule]:
    return rule_settings.current_rules(resources.engine(), model)


def silence(request: SilenceRequest) -> str:
    """Silence in Alertmanager as the signed-in user (audited); the silence's id. Raises AlertsError."""
    until = datetime.now(UTC) + timedelta(hours=request.hours)
    silence_id = alerts_service.silence(resources.engine(), user=state.username(), model=request.model,
                                        alertname=request.alertname, until=until, comment=request.comment,
                                        settings=resources.settings())
    refresh()
    return silence_id


def change_rule(model: str, change: RuleChange) -> rule_settings.Published:
    """Save (or reset) the model's rule as the signed-in user (audited). Raises RuleRefused with the reason."""
    engine, user = resources.engine(), state.username()
    if change.reset:
        return rule_settings.reset_rule(engine, user=user, model=model, rule=change.rule,
                                        settings=resources.settings())
    return rule_settings.change_rule(engine, user=user, model=model, rule=change.rule, enabled=change.enabled,
                                     threshold=change.threshold, for_seconds=change.for_seconds,
                                     settings=resources.settings())


def monitor_link(where: Any, model: str, *, label: str = "Open Monitor") -> None:
    """A link that opens Monitor at ``model``, for those who may open Monitor; its bare URL elsewhere (AppTest)."""
    if not can_open(state.role(), "monitor"):
        return
    page = state.page("monitor")
    if page is None:
        where.markdown(md("[{}](/monitor?model={})", label, quote(model)))
        return
    where.page_link(page, label=md_escape(label), icon=":material/monitoring:", query_params={"model": model})


def refresh() -> None:
    model_states.clear()
    timeline.clear()
