"""Typed accessors over ``st.session_state``; keys are namespaced per page ("predict.last_result")."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import streamlit as st

from workbench.auth import ANONYMOUS, top_role

if TYPE_CHECKING:  # the login page should not pay for pandas and the client
    from workbench.predict.results import Result

SELECTED_MODEL = "models.selected"
PAGES = "nav.pages"


def selected_model() -> str | None:
    return st.session_state.get(SELECTED_MODEL)


def set_selected_model(name: str) -> None:
    st.session_state[SELECTED_MODEL] = name


def last_result(page: str = "predict") -> Result | None:
    return st.session_state.get(f"{page}.last_result")


def set_last_result(result: Result | None, page: str = "predict") -> None:
    st.session_state[f"{page}.last_result"] = result


def last_error(model: str, page: str = "predict") -> str | None:
    """The message of the last failed call, if it was for ``model``."""
    stored = st.session_state.get(f"{page}.last_error")
    return stored[1] if stored and stored[0] == model else None


def set_last_error(model: str, message: str | None, page: str = "predict") -> None:
    st.session_state[f"{page}.last_error"] = (model, message) if message else None


def inputs_fingerprint(inputs: Any) -> str:
    """A short digest of what would be sent (form values or a raw payload): equal digests, equal inputs."""
    text = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def set_answered_inputs(model: str, fingerprint: str | None, page: str = "predict") -> None:
    """Remember which inputs the last answer (or error) for ``model`` was for."""
    st.session_state[f"{page}.answered.{model}"] = fingerprint


def answer_is_stale(model: str, fingerprint: str, page: str = "predict") -> bool:
    """True when the inputs on screen are not the ones the last answer was for (changed since it was sent)."""
    answered = st.session_state.get(f"{page}.answered.{model}")
    return answered is not None and answered != fingerprint


def form_values(model: str) -> dict[str, Any] | None:
    return st.session_state.get(f"predict.values.{model}")


def set_form_values(model: str, values: dict[str, Any]) -> None:
    st.session_state[f"predict.values.{model}"] = values


def username() -> str:
    return st.session_state.get("username") or ANONYMOUS


def role() -> str:
    return st.session_state.get("auth.role") or top_role(st.session_state.get("roles"))


def page(key: str) -> Any:
    """The navigation page object registered under ``key`` by app.py (for switch_page / page_link)."""
    return (st.session_state.get(PAGES) or {}).get(key)
