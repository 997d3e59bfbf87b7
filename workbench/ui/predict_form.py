"""The schema form of Predict and Compare, with what it computes handed in from ``workbench.predict``.

The widget (``components/schema_form.py``) only draws; the typical example it starts from, the random real row
"Random example" loads and the reading of an uploaded picture are the services', passed to it from here.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from components.schema_form import FormState, render_schema_form
from mds_client import ModelSchema
from workbench.predict.image_input import image_to_tensor
from workbench.predict.service import random_values, typical_values

_seed = itertools.count(1)  # each press of "Random example" draws another row


def predict_form(schema: ModelSchema, *, key: str, defaults: dict[str, Any] | None,
                 reference: pd.DataFrame | None) -> FormState:
    """The form for ``schema``, filled from ``defaults`` (saved values) over the typical example."""
    return render_schema_form(
        schema, key=key, defaults=defaults, reference=reference,
        typical=typical_example(schema, reference),
        random_example=None if reference is None else lambda: random_values(schema, reference, next(_seed)),
        read_picture=read_picture,
    )


def read_picture(data: bytes, shape: tuple[int, ...], minimum: float, maximum: float) -> np.ndarray:
    """An uploaded picture as the image tensor (raises ``InputError`` for a file that is no picture)."""
    return image_to_tensor(data, shape, minimum=minimum, maximum=maximum)


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_typical(_schema: ModelSchema, reference: pd.DataFrame | None, schema_hash: int) -> dict[str, Any]:
    return typical_values(_schema, reference)


def typical_example(schema: ModelSchema, reference: pd.DataFrame | None) -> dict[str, Any]:
    """The typical example: pandas over the reference data, the same on every rerun (each widget change), so
    computed once per schema and reference (Streamlit hashes the frame)."""
    try:
        schema_hash = hash(schema)
    except TypeError:  # a schema holding something unhashable: compute each time
        return typical_values(schema, reference)
    return _cached_typical(schema, reference, schema_hash)
