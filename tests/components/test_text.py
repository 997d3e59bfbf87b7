"""The escaping helpers on the hostile-strings table: what reaches Markdown renders as the literal text."""

from __future__ import annotations

import re

import pytest

from components.text import MAX_SHOWN, chart_text, md, md_escape, plain
from tests.hostile import HOSTILE_IDS, hostile

URL = "http://127.0.0.1:9"
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unescape(markdown: str) -> str:
    """What a reader sees (the word joiners that break autolinks are invisible)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


@pytest.mark.parametrize("name", HOSTILE_IDS)
def test_md_escape_leaves_nothing_live(name):
    text = hostile(name, URL)
    escaped = md_escape(text)
    # Every character that starts Markdown or HTML is escaped; nothing is left for a parser to act on.
    assert not re.search(r"(?<!\\)[<>\[\]!()*`:$]", escaped)
    assert not BIDI.search(escaped) and "\x00" not in escaped
    assert len(escaped) < 2 * MAX_SHOWN + 100
    if len(text) <= MAX_SHOWN and not BIDI.search(text) and "\x00" not in text:
        assert unescape(escaped) == text  # shown literally, not changed


def test_bidi_controls_shown_visibly():
    assert plain("\u202eevil") == "\\u202eevil"
    assert unescape(md_escape("a\u2067b")) == "a\\u2067b"


def test_md_formats_then_escapes_values_only():
    assert md("**{}** has {:,} rows", "a_b", 12345) == "**a\\_b** has 12,345 rows"
    assert md("{name}: {n:.1f}", name="[x](y)", n=2) == "\\[x\\]\\(y\\): 2\\.0"


def test_long_values_are_cut_with_a_count():
    shown = plain("x" * (MAX_SHOWN + 10))
    assert shown.endswith("… (10 more characters)") and len(shown) < MAX_SHOWN + 40


def test_chart_text_shows_plotly_html_as_text():
    assert chart_text('<a href="javascript:x">b</a>') == '&lt;a href="javascript:x"&gt;b&lt;/a&gt;'
    assert chart_text("\u202eevil") == "\\u202eevil"


def test_bare_urls_and_addresses_cannot_autolink():
    escaped = md_escape("see http://127.0.0.1:9/x and www.example.org or a@b.org")
    assert not re.search(r"https?:|www\\?\.|@\w", escaped.replace("\\", ""))
    assert unescape(escaped) == "see http://127.0.0.1:9/x and www.example.org or a@b.org"
