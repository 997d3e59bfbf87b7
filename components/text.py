"""Showing text that comes from models or catalogs: never as HTML, never as live Markdown."""

from __future__ import annotations

import re
from typing import Any

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(value: Any) -> str:
    """Text safe to embed in Markdown: every Markdown/HTML character is escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))
