"""What a server said when it refused or failed a call, in words: from JSON error bodies and HTML error pages.

The transport puts this into every typed error it raises for a non-2xx answer.
"""

from __future__ import annotations

import html
import re

import orjson

_HTML = re.compile(r"\s*(<!doctype html|<html|<head|<body|<title|<h1)", re.I)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Warning): ", re.MULTILINE)


def _last_exception(traceback: str) -> int:
    """Where a traceback's last exception line starts (its last line when none reads like one)."""
    starts = [m.start() for m in _EXCEPTION_LINE.finditer(traceback)]
    return starts[-1] if starts else traceback.rstrip().rfind("\n") + 1


def server_message(content: bytes) -> str:
    """What the server said, from the shapes MLServer, FastAPI and Seldon use."""
    try:
        doc = orjson.loads(content)
    except orjson.JSONDecodeError:
        text = content.decode("utf-8", "replace").strip()
        if _HTML.match(text):
            # An HTML error page: a proxy's (nginx, an ingress) or Tornado's (Seldon's alibiexplainer,
            # KServe). Its title says it ("502 Bad Gateway", "400: Bad Request"), not its markup.
            title = _TITLE.search(text)
            text = " ".join(html.unescape(title.group(1) if title else _TAG.sub(" ", text)).split())
            tornado = re.match(r"\d{3}:\s*(.+)", text)  # "400: <reason>": the server itself said why
            text = tornado.group(1) if tornado else text + " (an HTML page, likely from a proxy in front of the model)"
        elif text.startswith("Traceback (most recent call last)"):
            # MLServer answers a model's exception with a 500 and the whole traceback: its end says what failed.
            text = " ".join(line.strip() for line in text[_last_exception(text):].splitlines() if line.strip())
        return text[:300] or "(empty answer)"
    if isinstance(doc, dict):
        if isinstance(doc.get("error"), str):
            return doc["error"]
        status = doc.get("status")
        if isinstance(status, dict) and (status.get("info") or status.get("reason")):
            parts = [str(status.get("info") or ""), str(status.get("reason") or "")]
            return " / ".join(p for p in parts if p)
        detail = doc.get("detail")
        if isinstance(detail, list):
            return "; ".join(
                f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg', '')}" if isinstance(d, dict) else str(d)
                for d in detail
            )
        if detail:
            return str(detail)
    return orjson.dumps(doc).decode()[:300]
