"""Showing text that comes from users, files, models or catalogs: never as HTML, never as live Markdown.

Streamlit renders Markdown in far more places than ``st.markdown``: captions, alerts, titles, metric
labels *and values*, widget labels, tab and expander labels, help tooltips. Plotly renders a subset of
HTML (``<a href>``, ``<b>``) in titles, tick labels and hover texts. Every place where text we did not
write meets one of those goes through one of these helpers:

- ``md(template, *values)``: our own Markdown template, every value escaped (the usual case);
- ``md_escape(value)``: one value as literal text inside Markdown;
- ``plain(value)``: text for places that are not Markdown (table cells, select options, ``st.text``);
- ``chart_text(value)``: text for Plotly (titles, category names, hover texts).

All of them show bidirectional controls visibly (``\\u202e``), so a right-to-left override cannot make
"evil" read as "live", and cut very long values so one cell of a file cannot push the page sideways.
``tests/components/test_markdown_calls.py`` fails when a page passes unescaped text to Markdown.
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

# Characters that make Markdown (or the HTML Streamlit's Markdown allows) do something.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'])")
# Bidirectional embeddings, overrides, isolates and marks (Unicode TR9), and C0/C1 controls but tab/newline.
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Longest value shown inline; the whole value stays in downloads and in the store.
MAX_SHOWN = 2_000


# GFM turns bare URLs and e-mail addresses into links, and Streamlit ``:emoji:`` and ``:material/icon:``
# shortcodes into pictures, *after* escapes are read, so no backslash stops them: a word joiner (U+2060,
# invisible) after the scheme, "www", "@" or ":" breaks the patterns instead.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www|@|:)(?=[:./\w])")
_WORD_JOINER = "\u2060"


def _visible(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def plain(value: Any, *, limit: int = MAX_SHOWN) -> str:
    """``value`` as text with bidi and control characters shown as ``\\uXXXX`` and cut at ``limit`` characters."""
    text = _INVISIBLE.sub(_visible, str(value))
    if limit and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    return text


def md_escape(value: Any, *, limit: int = MAX_SHOWN) -> str:
    """Text safe to embed in Markdown: shown literally, every Markdown/HTML character escaped."""
    text = _AUTOLINK.sub(lambda m: m.group() + _WORD_JOINER, plain(value, limit=limit))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_UNBROKEN = str.maketrans({" ": "\u00a0", "-": "\u2011"})


def unbroken(value: Any) -> str:
    """A short value that must not wrap inside itself ("no schema", "(wine-v1-explainer)", "11.03 to 14.83"):
    no-break spaces and hyphens, so a narrow column or tile moves it to the next line whole. Display only:
    a value people copy (a path, an id) keeps its own characters."""
    return str(value).translate(_UNBROKEN)


class _EscapingFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        return md_escape(super().format_field(value, format_spec))


_FORMATTER = _EscapingFormatter()


def md(template: str, /, *values: Any, **named: Any) -> str:
    """Our Markdown ``template`` (``str.format`` syntax) with every value escaped: ``md("**{}** with {}", a, b)``."""
    return _FORMATTER.format(template, *values, **named)


def plain_frame(frame: Any, *, limit: int = 500) -> Any:
    """A copy of a table for ``st.dataframe``: text cells through ``plain``, missing text blank rather than
    Streamlit's grey "None" (downloads keep the original)."""
    shown = frame.copy()
    for column in shown.select_dtypes(include="object").columns:
        shown[column] = shown[column].map(lambda v: plain(v, limit=limit) if isinstance(v, str)
                                          else "" if v is None or (isinstance(v, float) and v != v) else v)
    shown.columns = [plain(c, limit=limit) if isinstance(c, str) else c for c in shown.columns]
    return shown


def chart_text(value: Any, *, limit: int = 200) -> str:
    """Text for Plotly (titles, tick labels, hover texts): its HTML subset shown as text, bidi visible."""
    return html.escape(plain(value, limit=limit), quote=False)
