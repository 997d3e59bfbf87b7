"""Beside an answer: say so when its input is unlike the reference data (``workbench.monitor.novelty``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.numbers import number
from components.text import md
from mds_client import MDSError, ModelSchema
from workbench.monitor.novelty import NoveltyCheck, matrix_of
from workbench.ui import resources


@st.cache_resource(show_spinner=False, max_entries=32)
def _check(catalog: str, model: str, _schema: ModelSchema) -> NoveltyCheck | None:
    reference = resources.reference_of(catalog, model)
    if reference is None or reference.empty:
        return None
    try:
        return NoveltyCheck.for_schema(_schema, reference)
    except MDSError:
        return None


def warn_if_unusual(model: str, schema: ModelSchema | None, inputs: dict[str, Any] | None) -> None:
    """A warning when ``inputs`` lie farther from the reference data than 99% of it lies from itself."""
    if schema is None or not inputs:
        return
    check = _check(str(resources.settings().catalog_path), model, schema)
    if check is None:
        return
    try:
        scores, unusual = check.unusual(matrix_of(schema, pd.DataFrame([inputs])))
    except MDSError:
        return
    if bool(unusual[0]):
        st.warning(md("This input is unlike the data the model learnt from (distance {}; 99% of that data lies "
                      "within {} of its neighbours). The answer may not be reliable: check the inputs.",
                      number(scores[0]), number(check.threshold)), icon=":material/report:")
