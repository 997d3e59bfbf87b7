"""The model's inference parameters (an MLflow signature's params) as optional inputs, under the form.

``render_params(params, key=...)`` takes the plain ``Param`` list and returns the value of each one shown, by name.
Each starts at its default, so leaving them alone sends nothing more: the client sends only the values that differ
from their defaults, in the request's ``parameters``. A list-valued param is a text of comma-separated elements
(``Param.value`` checks each). Names come from the model: they are escaped, never live Markdown.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.text import md, md_escape
from mds_client.schema.params import Param

TITLE_MD = "Model parameters (optional)"
NOTE_MD = "Each starts at the model's default; a changed value is sent with the request's parameters."


def render_params(params: tuple[Param, ...], *, key: str) -> dict[str, Any]:
    """One input per scalar param, in an expander; the values by name (``{}`` when there are none)."""
    if not params:
        return {}
    values: dict[str, Any] = {}
    with st.expander(TITLE_MD, expanded=False, icon=":material/tune:"):
        st.caption(NOTE_MD)
        for param in params:
            label_md = md_escape(param.name)
            help_md = md("{} parameter, default {}.", param.type, param.default)
            widget = f"{key}.{param.name}"
            if not param.is_scalar:  # text of comma-separated elements, checked as the param's type when sent
                shown = ", ".join(str(v) for v in param.default) if isinstance(param.default, list) else ""
                values[param.name] = st.text_input(label_md, value=shown, key=widget, help=md(
                    "A list of {} values separated by commas; default {}.", param.type, shown or "none"))
            elif param.type == "boolean":
                values[param.name] = st.checkbox(label_md, value=bool(param.default), key=widget, help=help_md)
            elif param.type in ("double", "float"):
                values[param.name] = st.number_input(label_md, value=float(param.default or 0.0), key=widget,
                                                     help=help_md, format="%g")
            elif param.type in ("long", "integer"):
                values[param.name] = int(st.number_input(label_md, value=int(param.default or 0), step=1, key=widget,
                                                         help=help_md))
            else:
                values[param.name] = st.text_input(label_md, value="" if param.default is None else str(param.default),
                                                   key=widget, help=help_md)
    return values


def parameters_line(chosen: dict[str, Any]) -> str:
    """The values a job or a comparison sends, for people: ``threshold = 0.9, mode = strict``."""
    return ", ".join(f"{name} = {value}" for name, value in chosen.items())
