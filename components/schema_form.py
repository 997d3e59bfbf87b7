"""A form generated from a model schema, one widget per feature, checked as the user types.

Numbers and integers get number inputs (range and unit in the help text), categories a
select box that shows the names and returns the code the model expects, booleans a
checkbox, text a text area, and a 2-D image tensor a picture uploader with a preview.
Problems are shown under the field they belong to, before anything is sent.

What the form cannot know by itself is handed in by its controller (``workbench/ui/predict_form.py``): the
typical example, a random real row when the user asks for one, and how a picture becomes a tensor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from components.image_field import PictureReader, render_image_field
from components.text import md, md_escape, plain
from mds_client import Feature, FeatureKind, ModelSchema
from mds_client.schema.cells import range_note
from mds_client.schema.model import check_value

_TRUE = {"true", "yes", "y", "1", "t"}
MAX_DECIMALS = 6  # a number box shows at most this many; values loaded into the form are rounded to it


@dataclass
class FormState:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def widget_value(feature: Feature, value: Any) -> Any:
    """A raw value (from reference data or a saved input) as the feature's widget holds it."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        if feature.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) or feature.missing_allowed:
            return None  # a missing value stays missing: "unknown" in the form where the model accepts one
        return _empty(feature)
    if feature.kind == FeatureKind.BOOLEAN:
        return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE
    if feature.kind == FeatureKind.CATEGORY and feature.categories:
        for code in feature.categories:
            if code == value or str(code) == str(value) or feature.label_of(code) == str(value):
                return code
        return feature.categories[0]
    if feature.kind == FeatureKind.INTEGER:
        try:
            return round(float(value))
        except (TypeError, ValueError):
            return None
    if feature.kind in (FeatureKind.NUMBER, FeatureKind.TENSOR, FeatureKind.IMAGE):
        try:
            # at most the decimals the box can show, so the value on screen is the value sent
            return round(float(value), MAX_DECIMALS)
        except (TypeError, ValueError):
            return None
    return str(value)


def _empty(feature: Feature) -> Any:
    if feature.kind == FeatureKind.BOOLEAN:
        return False
    if feature.kind == FeatureKind.CATEGORY and feature.categories:
        return feature.categories[0]
    return ""


def _state_key(f: Feature, key: str) -> str:
    return f"{key}.{f.name}.tensor" if f.is_tensor else f"{key}.{f.name}"


def _load(schema: ModelSchema, key: str, values: dict[str, Any]) -> None:
    """Write ``values`` into the widgets' session state (runs in callbacks, before widgets render)."""
    for f in schema.features:
        if f.is_tensor:
            cols = schema.tensor_columns(f)
            flat = [widget_value(f, values.get(c)) or 0.0 for c in cols]
            st.session_state[f"{key}.{f.name}.tensor"] = np.asarray(flat, dtype=float).reshape(f.shape)
            # a new image: the pixel grid starts again from it
            st.session_state[f"{key}.{f.name}.version"] = st.session_state.get(f"{key}.{f.name}.version", 0) + 1
        else:
            st.session_state[f"{key}.{f.name}"] = widget_value(f, values.get(f.name))


def tensor_values(columns: list[str], tensor: np.ndarray) -> dict[str, float]:
    """An image's values as the form returns them: flat table columns (image_0_0, ...) in row-major order,
    the way ``_load`` lays them back into the picture."""
    flat = np.asarray(tensor, dtype=float).reshape(-1)
    return {col: float(v) for col, v in zip(columns, flat, strict=True)}


SHORT_LABEL = 14   # characters that fit one line above a box half the form wide at 1024 px
MAX_PAIRED = 12    # more fields than this read better down one column
SHORT_CHOICE = 12  # characters of a choice that fit a select box half the form wide at 1024 px (~100 px of text)


def form_columns(schema: ModelSchema) -> int:
    """Two columns of boxes for a few short labels, else one: Streamlit cannot read the window's width, and
    at 1024 px a half-width box is ~140 px, where a longer label breaks mid-word and +/- buttons vanish."""
    names = [f.name for f in schema.features]
    return 2 if len(names) <= MAX_PAIRED and max(map(len, names), default=0) <= SHORT_LABEL else 1


def paired(f: Feature) -> bool:
    """May sit in a box half the form wide. Not a number: at 1024 px such a box keeps ~55 px for its text beside its
    clear and -/+ buttons, and cut 711.15 to "711.1"; a full-width one holds 12345.678 and longer. Not a choice whose
    longest name would be cut either. Ticks and text areas (which wrap) always fit."""
    if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER):
        return False
    if f.kind == FeatureKind.CATEGORY:
        return max((len(f.label_of(c)) for c in f.categories), default=0) <= SHORT_CHOICE
    return True


def form_rows(schema: ModelSchema, columns: int) -> list[list[Feature]]:
    """The fields in schema order, in rows: two fields that may be paired share a row (with ``columns`` 2),
    any other field has a row of its own, the form's whole width."""
    rows: list[list[Feature]] = []
    for f in schema.features:
        if columns > 1 and paired(f) and rows and len(rows[-1]) < columns and paired(rows[-1][0]):
            rows[-1].append(f)
        else:
            rows.append([f])
    return rows


def render_schema_form(
    schema: ModelSchema,
    *,
    key: str,
    typical: dict[str, Any],
    defaults: dict[str, Any] | None = None,
    reference: pd.DataFrame | None = None,
    random_example: Callable[[], dict[str, Any]] | None = None,
    read_picture: PictureReader | None = None,
    columns: int | None = None,
) -> FormState:
    """The form's current values (keyed by table column) and per-field errors.

    ``typical`` is where the form starts and what Reset goes back to; ``defaults`` (saved values) override it.
    ``reference`` only sets how many decimals a number box shows. ``random_example`` is called when the user
    presses "Random example" (None greys the button out); ``read_picture`` is needed when the schema is an image.
    """
    decimals = _decimals(schema, reference)
    # Predict and Compare share these keys, but a widget's state is tied to the page that drew it: on the
    # other page the box would start at 0.0 while the key still "exists". Claiming each value as the
    # app's own (not a widget's) carries it to whichever page draws the form next.
    for f in schema.features:
        if (k := _state_key(f, key)) in st.session_state:
            st.session_state[k] = st.session_state[k]
    # Widget state is dropped when the user visits another page: refill from the saved values then.
    if any(_state_key(f, key) not in st.session_state for f in schema.features):
        _load(schema, key, {**typical, **(defaults or {})})
    buttons = st.container(horizontal=True, key=f"{key}.buttons")
    buttons.button("Random example", key=f"{key}.random", help="Fill the form with a real row of the reference data.",
              on_click=None if random_example is None else lambda: _load(schema, key, random_example()),
              disabled=random_example is None)
    buttons.button("Reset", key=f"{key}.reset", help="Back to a typical example.",
              on_click=lambda: _load(schema, key, typical))
    state = FormState(values={})
    tensor = schema.tensor_feature
    if tensor is not None:
        _image_field(schema, tensor, key, state, read_picture)
        return state
    columns = columns or form_columns(schema)
    for row in form_rows(schema, columns):
        cells = st.columns(columns) if columns > 1 and paired(row[0]) else [st.container()]
        for cell, f in zip(cells, row, strict=False):
            with cell:
                _checked_field(f, key, decimals.get(f.name), state)
    return state


def _checked_field(f: Feature, key: str, usual_decimals: int | None, state: FormState) -> None:
    """One field, its value into ``state``, and what is wrong with it (or how it is sent) under it."""
    value = _field(f, f"{key}.{f.name}", usual_decimals)
    if f.kind == FeatureKind.TEXT and f.missing_allowed and _is_empty(value):
        value = None  # an empty text where the model accepts a missing value: sent as one (null), not ""
    state.values[f.name] = value
    problem = empty_problem(f) if _is_empty(value) else check_value(f, value)
    if problem:
        state.errors[f.name] = problem
        st.error(md_escape(problem), icon=":material/error:")
    elif _is_empty(value):
        st.caption(UNKNOWN_NOTE)
    elif note := range_note(f, value):  # outside the observed range only: still sent
        st.warning(md("{}; the model still scores it.", note), icon=":material/warning:")


UNKNOWN_NOTE = "Unknown: sent as a missing value, which this model accepts."


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and not value.strip())


def empty_problem(f: Feature) -> str | None:
    """Why an emptied field cannot be sent (None: the schema allows a missing value there, and the wire carries it).

    Never a 0 in its place: an emptied box is a missing value, or a refusal that says so before anything is sent."""
    if f.required:
        what = "a number" if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) else "a value"
        return (f"{f.name} is empty, and this model needs {what} here (its schema allows no missing value). "
                "Type one, or press Reset for a typical example.")
    return check_value(f, None)


def _help_md(f: Feature) -> str | None:
    parts = [f.description] if f.description else []
    if f.missing_allowed:
        how = "Choose 'unknown'" if f.kind == FeatureKind.CATEGORY else "Leave it empty"
        parts.append(f"{how} when unknown: it is sent as a missing value, which this model accepts.")
    if f.minimum is not None and f.maximum is not None:
        what = "Expected range" if f.bounds_declared else "Range seen in the reference data"
        parts.append(f"{what}: {f.minimum:g} to {f.maximum:g}{' ' + f.unit if f.unit else ''}.")
    elif f.unit:
        parts.append(f"Unit: {f.unit}.")
    return md_escape(" ".join(parts)) if parts else None


def _label_md(f: Feature) -> str:
    return md("{} ({})", f.name, f.unit) if f.unit else md_escape(f.name)


def _field(f: Feature, widget_key: str, usual_decimals: int | None = None) -> Any:
    if f.kind == FeatureKind.BOOLEAN:
        return st.checkbox(_label_md(f), key=widget_key, help=_help_md(f))
    if f.kind == FeatureKind.CATEGORY and f.categories:
        # "unknown" (None, sent as the wire's missing value) only where the model accepts one
        options = [None, *f.categories] if f.missing_allowed else list(f.categories)
        # Streamlit draws a None value as no choice: its placeholder then says "unknown" too
        return st.selectbox(_label_md(f), options, key=widget_key, help=_help_md(f), placeholder=UNKNOWN,
                            format_func=lambda v: UNKNOWN if v is None else plain(f.label_of(v)))
    if f.kind == FeatureKind.INTEGER:
        return st.number_input(_label_md(f), key=widget_key, step=int(f.step or 1), help=_help_md(f),
                               value=None, placeholder=_placeholder(f))
    if f.kind == FeatureKind.NUMBER:
        step = float(f.step) if f.step else _step_for(f, usual_decimals)
        # The box shows the decimals of the value it holds (4.68 as "4.68", not "4.7" nor "4.680000"),
        # padded to the step's and the reference data's usual precision: the value on screen is the value sent.
        decimals = max(usual_decimals or 0, decimals_of(st.session_state.get(widget_key)))
        # value=None: an emptied box stays empty (None) instead of snapping back to 0.0, which would be sent
        return st.number_input(_label_md(f), key=widget_key, step=step, format=_format_for(step, decimals),
                               help=_help_md(f), value=None, placeholder=_placeholder(f))
    if f.kind == FeatureKind.TEXT:
        return st.text_area(_label_md(f), key=widget_key, help=_help_md(f), height=100,
                            placeholder=UNKNOWN if f.missing_allowed else "a text is needed")
    return st.text_input(_label_md(f), key=widget_key, help=_help_md(f), placeholder=_placeholder(f))


UNKNOWN = "unknown"


def _placeholder(f: Feature) -> str:
    if f.missing_allowed:
        return UNKNOWN
    return "a number is needed" if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) else "a value is needed"


def _step_for(f: Feature, usual_decimals: int | None = None) -> float:
    """About a hundredth of the range, but never finer than the data is written (magnesium 97, not 97.0)."""
    step = 0.01
    if f.minimum is not None and f.maximum is not None and f.maximum > f.minimum:
        step = float(10 ** np.floor(np.log10((f.maximum - f.minimum) / 100)))
    return max(step, 10.0 ** -usual_decimals) if usual_decimals is not None else step


def _format_for(step: float, at_least: int = 0) -> str:
    decimals = decimals_of(step) if step > 0 else 2
    return f"%.{min(MAX_DECIMALS, max(decimals, at_least))}f"


def decimals_of(value: Any) -> int:
    """How many decimals ``value`` has when written as briefly as it round-trips (4.68 -> 2, 5.0 -> 0)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return 0
    if not np.isfinite(x):
        return 0
    text = np.format_float_positional(x, trim="-")
    return min(MAX_DECIMALS, len(text.split(".")[1]) if "." in text else 0)


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_decimals(names: tuple[str, ...], reference: pd.DataFrame | None) -> dict[str, int | None]:
    return {name: _usual_decimals(reference, name) for name in names}


def _decimals(schema: ModelSchema, reference: pd.DataFrame | None) -> dict[str, int | None]:
    """Each field's usual decimals: pandas over the reference data, the same on every rerun (each widget
    change), so computed once per set of fields and reference (Streamlit hashes the frame)."""
    return _cached_decimals(tuple(f.name for f in schema.features), reference)


def _usual_decimals(reference: pd.DataFrame | None, column: str) -> int | None:
    """The decimals most values of ``column`` have in the reference data (its 90th percentile), None without.

    Not the most: one stray 9.899999 in a column of 4.68s must not write every value with six decimals.
    """
    if reference is None or column not in reference.columns:
        return None
    values = pd.to_numeric(reference[column], errors="coerce").dropna().head(500)
    if values.empty:
        return None
    return int(np.percentile([decimals_of(v) for v in values], 90, method="lower"))


def _image_field(schema: ModelSchema, f: Feature, key: str, state: FormState, read_picture: PictureReader | None) -> None:
    if read_picture is None:
        raise TypeError(f"The form of '{f.name}', an image, needs read_picture to turn an uploaded picture into it.")
    tensor, error = render_image_field(f, key=f"{key}.{f.name}", label_md=_label_md(f), help_md=_help_md(f),
                                       read_picture=read_picture)
    if error:
        state.errors[f.name] = error
    state.values.update(tensor_values(schema.tensor_columns(f), tensor))
