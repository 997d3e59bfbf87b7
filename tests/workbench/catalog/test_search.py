"""The catalogue query: plain-text search, address round trip, what a link may not say."""

from __future__ import annotations

import pytest

from workbench.catalog.search import SEARCH_LIMIT, CatalogQuery, clean_text, from_url, to_url


@pytest.mark.parametrize("query", [
    CatalogQuery(),
    CatalogQuery("wine red", ("v2",), ("firing", "ready"), ("registry",), True),
    CatalogQuery(".*[(", (), (), ("kubernetes", "catalog")),
])
def test_the_address_round_trips(query):
    back, notes = from_url(to_url(query))
    assert back == query and notes == []


@pytest.mark.parametrize(("raw", "cleaned", "note"), [
    ("  wine\t\nred  ", "wine red", None),
    ("a\x00b\x1bc\u202e", "abc", "control characters were removed"),
    ("x" * 10_000, "x" * SEARCH_LIMIT, "(it had 10,000)"),
    (None, "", None),
])
def test_search_text_is_cleaned_and_says_so(raw, cleaned, note):
    text, notes = clean_text(raw)
    assert text == cleaned
    assert (note is None and notes == []) or any(note in n for n in notes)


def test_unknown_filter_values_are_named_and_ignored():
    query, notes = from_url({"state": "firing,DROP TABLE", "feedback": "maybe"})
    assert query == CatalogQuery(states=("firing",))
    assert len(notes) == 1 and "'DROP TABLE'" in notes[0] and "status" in notes[0]
