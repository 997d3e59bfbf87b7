"""An image input of the form: upload a picture, or draw on the pixel grid, and see what the model sees.

Small images (at most ``GRID_MAX`` pixels a side, like an 8x8 digit) get a grid of cells to click: a
ticked cell is ink (the feature's maximum), an unticked one blank (its minimum). A picture uploaded
becomes the grid's starting point; the grid's changes then apply on top, cell by cell, so grey levels
of the picture survive where nobody clicked.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from components.text import md, md_escape
from mds_client import Feature, InputError

GRID_MAX = 16
IMAGE_UPLOAD_MB = 10

PictureReader = Callable[[bytes, tuple[int, ...], float, float], np.ndarray]
"""(a picture's bytes, the tensor's shape, its minimum, its maximum) -> the tensor; raises ``InputError`` for a file
that is no picture. The controller hands in ``workbench.predict.image_input.image_to_tensor``."""


def render_image_field(f: Feature, *, key: str, label_md: str, help_md: str | None,
                       read_picture: PictureReader) -> tuple[np.ndarray, str | None]:
    """Draw the field (``label_md``/``help_md`` are Markdown already escaped); return (the tensor to send, an
    error message or None). An uploaded picture is turned into the tensor by ``read_picture``."""
    tensor_key, version_key = f"{key}.tensor", f"{key}.version"
    low, high = f.minimum if f.minimum is not None else 0.0, f.maximum if f.maximum is not None else 1.0
    shape = tuple(f.shape)
    error = None
    upload = st.file_uploader(
        label_md + ": a picture", type=["png", "jpg", "jpeg", "bmp", "gif"], key=f"{key}.upload",
        max_upload_size=IMAGE_UPLOAD_MB,  # a picture, not the 1 GB a batch file may be
        help=(help_md or "") + md(" The picture is turned grey, resized to {} and scaled to {:g}..{:g}.",
                                  "x".join(map(str, shape)), low, high),
    )
    if upload is not None and st.session_state.get(f"{key}.upload_id") != upload.file_id:
        # Only a new picture replaces the image: the grid's clicks survive the reruns that follow.
        st.session_state[f"{key}.upload_id"] = upload.file_id
        try:
            st.session_state[tensor_key] = read_picture(upload.getvalue(), shape, low, high)
            st.session_state[version_key] = st.session_state.get(version_key, 0) + 1
        except InputError as exc:
            error = str(exc)
            st.error(md_escape(error), icon=":material/error:")
    tensor = np.asarray(st.session_state.get(tensor_key, np.full(shape, low)), dtype=float)
    if len(shape) == 2 and max(shape) <= GRID_MAX:
        tensor = _grid(tensor, low, high, key=key)
        st.session_state[tensor_key] = tensor
    preview = (tensor - low) / (high - low) if high > low else tensor
    scale = max(1, 160 // max(shape))
    st.image(np.kron(np.clip(preview, 0, 1), np.ones((scale, scale))), width=160, clamp=True,
             caption=f"What the model sees ({'x'.join(map(str, shape))})")
    return tensor, error


def _grid(tensor: np.ndarray, low: float, high: float, *, key: str) -> np.ndarray:
    """A tick box per pixel, rows and columns numbered from 1 as the explanation's axes and sentences number them.

    Boxes in columns with no gap, not a data grid: a grid's column is at least 50 px, so 8 of them ran past the
    form's edge at 1024 px (and with the buttons beside it, at 1400 px too)."""
    version = st.session_state.get(f"{key}.version", 0)
    middle = (low + high) / 2
    ink = tensor > middle
    rows, cols = ink.shape
    with st.container(key=f"{key}.draw"):
        buttons = st.container(horizontal=True)
        if buttons.button("Clear", key=f"{key}.clear", help="A blank image: every cell at the minimum."):
            st.session_state[f"{key}.tensor"] = np.full(tensor.shape, low)
            st.session_state[f"{key}.version"] = version + 1
            st.rerun()
        if buttons.button("Fill", key=f"{key}.fill", help="Every cell at the maximum."):
            st.session_state[f"{key}.tensor"] = np.full(tensor.shape, high)
            st.session_state[f"{key}.version"] = version + 1
            st.rerun()
        st.caption("Draw: tick a cell to ink it, untick to blank it. Rows and columns count from 1.")
        drawn = np.zeros_like(ink)
        header = st.columns(cols + 1, gap=None)
        for c in range(cols):
            header[c + 1].caption(md("{}", c + 1))
        for r in range(rows):
            line = st.columns(cols + 1, gap=None, vertical_alignment="center")
            line[0].caption(md("{}", r + 1))
            for c in range(cols):
                drawn[r, c] = line[c + 1].checkbox(md("row {}, column {}", r + 1, c + 1), value=bool(ink[r, c]),
                                                   key=f"{key}.cell.{version}.{r}.{c}", label_visibility="collapsed")
    changed = drawn != ink
    out = tensor.copy()
    out[changed & drawn] = high
    out[changed & ~drawn] = low
    return out
