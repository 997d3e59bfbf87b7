"""Search and filters over the catalogue: which models a person asked to see, and the link that shows them again.

The search text is plain text, matched case-insensitively as a substring of a model's name, description,
card, tags and feature names (never a pattern: ``.*`` finds the two characters ``.*``). The query lives in
the page's address (``?q=wine&protocol=v2&state=firing&source=registry&feedback=1``), so a copied link
reproduces the view; ``from_url`` reads such an address, keeping what it understands and saying what it
dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.catalog.service import ModelEntry

SEARCH_LIMIT = 200
"""Characters of search text kept: a model's name or a phrase of its card is far shorter."""

PROTOCOLS = {"v2": "V2", "seldon": "Seldon v1", "kserve-v1": "KServe V1"}
STATES = {"ready": "Ready", "not-ready": "Not ready", "firing": "Alert firing", "warning": "Warning",
          "healthy": "Healthy"}
SOURCES = {"catalog": "Catalog", "kubernetes": "Kubernetes", "registry": "Registry", "repository": "Repository"}
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


@dataclass(frozen=True)
class CatalogQuery:
    """What to show: every group is "any of"; groups combine with "and". Empty means everything."""

    text: str = ""
    protocols: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    feedback: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.protocols or self.states or self.sources or self.feedback)


def clean_text(text: Any) -> tuple[str, list[str]]:
    """Search text as matched: invisible and control characters removed, spaces collapsed, cut at
    ``SEARCH_LIMIT``; with a note for each change a person should know about."""
    raw = "" if text is None else str(text)
    notes = []
    cleaned = _CONTROL.sub("", raw)
    if cleaned != raw:
        notes.append("Invisible and control characters were removed from the search text.")
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > SEARCH_LIMIT:
        notes.append(f"The search text was cut to its first {SEARCH_LIMIT} characters "
                     f"(it had {len(cleaned):,}).")
        cleaned = cleaned[:SEARCH_LIMIT].rstrip()
    return cleaned, notes


def protocol_of(entry: ModelEntry) -> str:
    return entry.ref.protocol if entry.ref.protocol in PROTOCOLS else "v2"


def source_of(entry: ModelEntry) -> str:
    """Where the model came from: published through the registry, a cluster, a repository, or the catalog."""
    if "published" in entry.ref.tags:
        return "registry"
    kind = entry.ref.source.split(":", 1)[0]
    return kind if kind in SOURCES else "catalog"


def states_of(entry: ModelEntry, health: Mapping[str, Any]) -> set[str]:
    """``ready``/``not-ready``, plus the alert state (``firing``, ``warning``, ``healthy``) where one is known."""
    found = {"ready" if entry.ready else "not-ready"}
    state = getattr(health.get(entry.name), "state", "unknown")
    if state in STATES:
        found.add(state)
    return found


def searchable_text(entry: ModelEntry) -> str:
    """Everything the search box looks in, lower case: name, description, card, tags, feature names."""
    parts = [entry.name, entry.ref.description, *entry.ref.tags, *_card_words(entry.ref.card)]
    if entry.schema is not None:
        parts += [f.name for f in entry.schema.features]
        parts += [f.description for f in entry.schema.features if f.description]
    return "\n".join(str(p) for p in parts).casefold()


def _card_words(card: Any) -> Iterable[str]:
    if isinstance(card, Mapping):
        for key, value in card.items():
            yield str(key)
            yield from _card_words(value)
    elif isinstance(card, (list, tuple, set)):
        for value in card:
            yield from _card_words(value)
    elif card is not None:
        yield str(card)


def search(entries: list[ModelEntry], query: CatalogQuery, *, health: Mapping[str, Any] | None = None,
           with_feedback: Iterable[str] = ()) -> list[ModelEntry]:
    """The entries that match every part of ``query``, in the catalogue's order."""
    health = health or {}
    labelled = set(with_feedback)
    words = query.text.casefold().split()
    shown = []
    for entry in entries:
        if query.protocols and protocol_of(entry) not in query.protocols:
            continue
        if query.sources and source_of(entry) not in query.sources:
            continue
        if query.states and not states_of(entry, health) & set(query.states):
            continue
        if query.feedback and entry.name not in labelled:
            continue
        if words:
            text = searchable_text(entry)
            if not all(word in text for word in words):
                continue
        shown.append(entry)
    return shown


def from_url(params: Mapping[str, Any]) -> tuple[CatalogQuery, list[str]]:
    """The query an address holds, and a note for each part that was not understood (then ignored)."""
    text, notes = clean_text(params.get("q", ""))
    picked = {}
    for key, allowed, what in (("protocol", PROTOCOLS, "protocol"), ("state", STATES, "status"),
                               ("source", SOURCES, "source")):
        values = [v for v in str(params.get(key, "")).split(",") if v.strip()]
        unknown = [v for v in values if v not in allowed]
        if unknown:
            shown = ", ".join(repr(v[:40]) for v in unknown[:3])
            notes.append(f"The link's {what} filter {shown} is not one of "
                         f"{', '.join(allowed)}; it was ignored.")
        picked[key] = tuple(dict.fromkeys(v for v in values if v in allowed))
    feedback = str(params.get("feedback", "")).strip().lower() in ("1", "true", "yes")
    return CatalogQuery(text, picked["protocol"], picked["state"], picked["source"], feedback), notes


def to_url(query: CatalogQuery) -> dict[str, str]:
    """The address parameters of ``query``; an empty part leaves no parameter."""
    params = {"q": query.text, "protocol": ",".join(query.protocols), "state": ",".join(query.states),
              "source": ",".join(query.sources), "feedback": "1" if query.feedback else ""}
    return {key: value for key, value in params.items() if value}


URL_KEYS = ("q", "protocol", "state", "source", "feedback")
