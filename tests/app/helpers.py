"""Small helpers for AppTest assertions and for catalogs derived from the session's catalog."""

from __future__ import annotations

import contextlib
import re
import socket
from pathlib import Path
from typing import Any

import yaml
from streamlit.testing.v1 import AppTest

PATH_KEYS = ("reference_data", "sample_data", "schema")


def derived_catalog(catalog: Path, target: Path, change: dict[str, dict[str, Any]], extra: list[dict] = ()) -> Path:
    """A copy of ``catalog`` with some entries changed (paths made absolute) and extra entries added."""
    doc = yaml.safe_load(catalog.read_text())
    for entry in doc["models"]:
        for key in PATH_KEYS:
            if entry.get(key):
                entry[key] = str((catalog.parent / entry[key]).resolve())
        entry.update(change.get(entry["name"], {}))
    doc["models"].extend(extra)
    target.write_text(yaml.safe_dump(doc, sort_keys=False))
    return target


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def button(at: AppTest, key: str):
    return at.button(key=key)


def metric_values(at: AppTest) -> dict[str, str]:
    return {unescape(m.label): unescape(m.value) for m in at.metric}


def texts(at: AppTest) -> str:
    """Every text the page shows (markdown, captions, errors, warnings, infos) in one string, as read on screen
    (Markdown escapes removed: the app escapes every value it did not write, see ``components/text.py``)."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success)]
    return unescape("\n".join(str(p) for p in parts))


def shown_tables(at: AppTest) -> list[Any]:
    """Every table on screen as a frame: grids, and the static tables a wide few rows become (unescaped)."""
    static = [_typed(t.value.map(lambda v: unescape(str(v))).rename(columns=lambda c: unescape(str(c))))
              for t in at.table]
    return [d.value for d in at.dataframe] + static


def _typed(frame: Any) -> Any:
    """A static table's cells are text: columns of numbers back to numbers, as the grid would hold them."""
    import pandas as pd

    for column in frame.columns:
        with contextlib.suppress(ValueError, TypeError):  # a text column stays text
            frame[column] = pd.to_numeric(frame[column])
    return frame


def unescape(markdown: str) -> str:
    """What a reader sees of escaped Markdown: ``wine\\-v1`` is ``wine-v1``."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")  # word joiners break autolinks, unseen
