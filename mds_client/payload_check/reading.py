"""Read pasted text into a JSON document, safely: size and depth limits first, then the parser.

The text may be a JSON body or a curl command line holding one (``-d``, ``--data``,
``--data-raw``, ``--data-binary``, ``--json``). The command is split with ``shlex`` and its URL is
kept for display only: the check never sends anything anywhere; the model comes from the catalog.

Hostile input is refused before it can hurt: the byte size is checked first, the nesting depth is
measured with numpy over the bracket characters outside strings (so 10,000 levels never reach a
recursive parser), and only then is the text parsed (with orjson, itself depth-limited).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from mds_client.payload_check.errors import PayloadTooDeep, PayloadTooLarge, PayloadUnreadable

MAX_PAYLOAD_BYTES = 8 * 1024 * 1024
"""Larger than any payload worth checking by hand; a 50 MB array is refused unread."""
MAX_DEPTH = 32
"""Deeper than any real payload (a V2 tensor of a 3-D image in nested lists is 6 levels)."""

_DATA_FLAGS = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json", "--data-urlencode"}
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = (ord("["), ord("{"))


@dataclass(frozen=True)
class Pasted:
    doc: Any
    """The parsed JSON document."""
    url: str = ""
    """The curl command's URL, for display only."""
    from_curl: bool = False


def read_payload(text: str | bytes, *, max_bytes: int = MAX_PAYLOAD_BYTES, max_depth: int = MAX_DEPTH) -> Pasted:
    """The JSON document in ``text`` (a body or a curl command); ``PayloadUnreadable`` says why not."""
    raw = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(
            f"The payload is {len(raw) / 1e6:.1f} MB; the check reads at most {max_bytes / 1e6:.0f} MB."
        )
    stripped = raw.strip()
    if not stripped:
        raise PayloadUnreadable("The payload is empty.")
    url, from_curl = "", False
    if stripped.startswith(b"curl") or stripped.startswith(b"$ curl"):
        stripped, url = _body_of_curl(stripped.decode("utf-8", "replace"))
        from_curl = True
    depth = nesting_depth(stripped)
    if depth > max_depth:
        raise PayloadTooDeep(f"The payload is nested {depth} levels deep; the check reads at most {max_depth}.")
    try:
        doc = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        raise PayloadUnreadable(f"The payload is not valid JSON: {_where(stripped, exc)}.") from None
    return Pasted(doc, url, from_curl)


def nesting_depth(raw: bytes) -> int:
    """How deep ``[``/``{`` nest outside JSON strings, without parsing (numpy over the brackets)."""
    outside = _STRINGS.sub(b'""', raw) if b'"' in raw else raw
    brackets = np.frombuffer(outside, dtype=np.uint8)
    brackets = brackets[(brackets == 91) | (brackets == 93) | (brackets == 123) | (brackets == 125)]
    if brackets.size == 0:
        return 0
    steps = np.where((brackets == _OPEN[0]) | (brackets == _OPEN[1]), 1, -1)
    return int(np.cumsum(steps).max())


def _body_of_curl(command: str) -> tuple[bytes, str]:
    command = command[2:] if command.startswith("$ ") else command
    command = command.replace("\\\r\n", " ").replace("\\\n", " ")  # continued lines
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise PayloadUnreadable(f"The curl command does not split into words ({exc}): check its quotes.") from None
    body: str | None = None
    url = ""
    i = 1
    while i < len(words):
        word = words[i]
        flag, _, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if flag in _DATA_FLAGS:
            value = inline if inline else (words[i + 1] if i + 1 < len(words) else "")
            i += 1 if inline else 2
            body = value if body is None else body
            continue
        if word.startswith("-d") and len(word) > 2:
            body = body if body is not None else word[2:]
        elif word.startswith(("http://", "https://")):
            url = word
        elif word in ("-H", "--header", "-X", "--request", "-u", "--user", "-o", "--output"):
            i += 1
        i += 1
    if body is None:
        raise PayloadUnreadable("The curl command has no body: add the JSON with -d '...'.")
    if body.startswith("@"):
        raise PayloadUnreadable(f"The curl command reads its body from the file {body[1:]!r}: paste that file's JSON.")
    return body.encode("utf-8"), url


def _where(raw: bytes, exc: orjson.JSONDecodeError) -> str:
    position = getattr(exc, "pos", None)
    if position is None:
        return str(exc).split(":")[0]
    line = raw.count(b"\n", 0, position) + 1
    return f"{str(exc).split(':')[0].lower()} at line {line}"
