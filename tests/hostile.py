"""Hostile strings, one table for every test that puts user or model text on screen.

``hostile_strings(url)`` names each attack; ``url`` is a loopback listener (``tests/listener.py``) that
must stay untouched, so an image or link that went live shows up as a request. Parts built in parallel
(request-log sink, payload check) add their cases by parametrizing over ``HOSTILE_IDS``.
"""

from __future__ import annotations

# Set by a script that ran: the DOM tests check it stays undefined.
PWNED = "window.__pwned"
LONG = 100_000

_TEMPLATES: dict[str, str] = {
    "script": f"<script>{PWNED}=1</script>",
    "img_onerror": f'<img src=x onerror="{PWNED}=1">',
    "html_image": '<img src="{url}/html-image.png">',
    "md_image": "![x]({url}/md-image.png)",
    "js_link": f"[click me](javascript:{PWNED}=1)",
    "md_link": "[click me]({url}/md-link)",
    "autolink": "{url}/autolink",
    "bold_link_image": "**PWNED** [click]({url}/click) ![x]({url}/x.png).csv",
    "streamlit_directives": ":red[alarm] :material/warning: $x^2$ `code`",
    "rtl_override": "file\u202efdp.exe evil",
    "rtl_isolate": "\u2067live\u2069 \u200fmark",
    "null_and_controls": "a\x00b\x07c\x1bd",
    "long": "A" * LONG,
    "long_words": "word " * (LONG // 5),
}
HOSTILE_IDS = sorted(_TEMPLATES)


def hostile_strings(url: str) -> dict[str, str]:
    """Every hostile string, its images and links pointing at ``url`` (no trailing slash)."""
    return {name: text.replace("{url}", url) for name, text in _TEMPLATES.items()}


def hostile(name: str, url: str) -> str:
    return hostile_strings(url)[name]


def short_hostile_strings(url: str) -> dict[str, str]:
    """The same without the 100 KB ones (for names that end up in file names or URLs)."""
    return {k: v for k, v in hostile_strings(url).items() if len(v) < 1_000}
