"""Models: the search box and filters, kept in the address, with an empty result that says how to clear it.

A catalog of our own (three models, none running: no server is needed to search a catalogue) with mixed
protocols, one published through the registry, and feature names only its reference data knows.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT, _reset_caches
from tests.app.helpers import dead_url, texts
from tests.hostile import hostile_strings
from workbench.catalog.search import SEARCH_LIMIT


@pytest.fixture
def catalogue(tmp_path, monkeypatch):
    url = dead_url()
    pd.DataFrame({"merchant_category": ["grocery", "travel"], "amount_eur": [12.5, 900.0]}).to_csv(
        tmp_path / "fraud.csv", index=False)
    pd.DataFrame({"tenure_months": [3, 40], "plan": ["basic", "gold"]}).to_csv(tmp_path / "churn.csv", index=False)
    models = [
        {"name": "fraud-scorer", "protocol": "v2", "url": url, "description": "Flags card transactions",
         "reference_data": str(tmp_path / "fraud.csv"), "card": {"intended_use": "triage by the risk team"}},
        {"name": "churn", "protocol": "seldon", "url": url, "description": "Customers likely to leave",
         "reference_data": str(tmp_path / "churn.csv"), "tags": ["published"]},
        {"name": "ticket-sorter", "protocol": "kserve-v1", "url": url, "description": "Sorts support tickets"},
    ]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": models}))
    monkeypatch.setenv("WORKBENCH_CATALOG", str(path))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'wb.db'}")
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    _reset_caches()
    yield path
    _reset_caches()


def models_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    return at.switch_page("../pages/models.py").run() if not params else at


def cards(at: AppTest) -> list[str]:
    return sorted(b.key.removeprefix("models.try.") for b in at.button if b.key and b.key.startswith("models.try."))


def search(at: AppTest, text: str) -> AppTest:
    at.text_input(key="models.search").input(text).run()
    return at


@pytest.mark.parametrize(("text", "expected"), [
    ("FRAUD", ["fraud-scorer"]),                      # the name, any case
    ("leave", ["churn"]),                            # the description
    ("risk team", ["fraud-scorer"]),                 # the card, every word somewhere
    ("tenure_months", ["churn"]),                    # a feature name from the reference data
    ("", ["churn", "fraud-scorer", "ticket-sorter"]),
])
def test_search_finds_name_description_card_and_features(catalogue, text, expected):
    at = search(models_page(), text)
    assert not at.exception
    assert cards(at) == expected
    if text:
        assert at.query_params["q"] == text


def test_filters_combine_and_stay_in_the_address(catalogue):
    at = models_page()
    at.pills(key="models.protocol").set_value(["seldon", "kserve-v1"]).run()
    assert cards(at) == ["churn", "ticket-sorter"]
    at.pills(key="models.source").set_value(["registry"]).run()
    assert cards(at) == ["churn"]
    assert at.query_params["protocol"] == "seldon,kserve-v1" and at.query_params["source"] == "registry"
    assert "1 model of 3 shown" in texts(at)
    at.pills(key="models.state").set_value(["ready"]).run()  # nothing runs: none is ready
    assert cards(at) == []


def test_a_link_reproduces_the_view(catalogue):
    at = models_page(q="support", protocol="kserve-v1", state="not-ready")
    assert not at.exception
    assert cards(at) == ["ticket-sorter"]
    assert at.text_input(key="models.search").value == "support"
    assert at.pills(key="models.protocol").value == ["kserve-v1"]


def test_a_link_with_unknown_filters_says_what_it_ignored(catalogue):
    at = models_page(protocol="grpc,v2", source="<b>x</b>")
    assert not at.exception
    assert cards(at) == ["fraud-scorer"]
    shown = texts(at)
    assert "'grpc' is not one of" in shown and "'<b>x</b>' is not one of" in shown


def test_has_feedback_with_none_given_is_an_empty_result_that_can_be_cleared(catalogue):
    at = models_page()
    at.checkbox(key="models.feedback").check().run()
    assert cards(at) == []
    assert "No model matches feedback given (of the 3 models here)" in texts(at)
    at.button(key="models.clear").click().run()
    assert cards(at) == ["churn", "fraud-scorer", "ticket-sorter"]
    assert "feedback" not in at.query_params and not at.checkbox(key="models.feedback").value


def test_an_empty_search_result_names_the_search_and_clears(catalogue):
    at = search(models_page(), "no such model anywhere")
    assert cards(at) == []
    assert "No model matches the search “no such model anywhere” (of the 3 models here)" in texts(at)
    at.button(key="models.clear").click().run()
    assert cards(at) == ["churn", "fraud-scorer", "ticket-sorter"]
    assert at.text_input(key="models.search").value == "" and "q" not in at.query_params


def test_hostile_search_text_is_plain_text(catalogue):
    at = models_page()  # one page, every attack typed into it in turn
    for name, text in hostile_strings("http://127.0.0.1:9").items():
        search(at, text)
        assert not at.exception, name
        assert cards(at) == [], name  # matched as text: none of these is in the catalogue
        shown = texts(at)
        assert "No model matches the search" in shown, name
        assert len(at.text_input(key="models.search").value) <= SEARCH_LIMIT, name
        if name == "long":
            assert f"cut to its first {SEARCH_LIMIT} characters (it had 100,000)" in shown
        if name == "null_and_controls":
            assert "control characters were removed" in shown
        assert not [m for m in at.markdown if m.allow_html], name  # nothing drawn as HTML


def test_regex_metacharacters_are_literal(catalogue):
    at = models_page()
    for text in (".*", "(", "[a-z]+", "\\", "fraud|churn", "%", "?", "^fraud$"):
        assert cards(search(at, text)) == [], text
        assert not at.exception, text


def test_an_underscore_is_an_underscore(catalogue):
    assert cards(search(models_page(), "_months")) == ["churn"]


def test_ten_thousand_characters_in_a_link(catalogue):
    at = models_page(q="churn " + "x" * 10_000)
    assert not at.exception
    assert "cut to its first 200 characters" in texts(at)
