"""Batch: the file's preview before Start (first rows, bad cells with row, column, value and reason, counts, what
happens to bad rows) and decimal commas read and said, with a choice where ``1,234`` reads two ways.

A model of our own that is not running: a file can be checked while its server is down, so no server is needed.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT, _reset_caches
from tests.app.helpers import dead_url, shown_tables, texts


@pytest.fixture
def batch_page(tmp_path, monkeypatch):
    reference = pd.DataFrame({"income eur": [1200.5, 3400.0, 2800.25, 900.0], "age": [23, 45, 37, 61],
                              "housing": ["own", "rent", "with parents", "rent"]})
    reference.to_csv(tmp_path / "loans.csv", index=False)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"models": [{"name": "loan-risk", "protocol": "v2", "url": dead_url(),
                                                   "reference_data": str(tmp_path / "loans.csv")}]}))
    monkeypatch.setenv("WORKBENCH_CATALOG", str(catalog))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'wb.db'}")
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    _reset_caches()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("../pages/batch.py").run()
    assert not at.exception, at.exception
    yield at
    _reset_caches()


def upload(at: AppTest, name: str, text: str) -> AppTest:
    at.file_uploader(key="batch.upload").set_value((name, text.encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def head_of(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "income eur" in d.value.columns)


def test_bad_cells_are_listed_and_counted_before_start(batch_page):
    rows = ["income eur,age,housing"] + [f"{1000 + i}.5,{20 + i},rent" for i in range(12)]
    rows[3] = "a lot,22,rent"
    rows[7] = "1006.5,old,boat"
    at = upload(batch_page, "applicants.csv", "\n".join(rows) + "\n")
    shown = texts(at)
    assert "The file before scoring" in shown
    assert "Checked all 12 rows: 10 fit the model's inputs, 2 have bad cells." in shown
    assert "Rows with a bad cell are not sent to the model" in shown
    head = head_of(at)
    assert len(head) == 12 and list(head.index[:2]) == [1, 2]  # the file's data rows, from 1
    cells = next(t for t in shown_tables(at) if "reason" in t.columns).astype(str)
    assert list(cells["row"]) == ["3", "7", "7"] and list(cells["column"]) == ["income eur", "age", "housing"]
    assert list(cells["value"]) == ["a lot", "old", "boat"]
    assert all(len(r) > 5 for r in cells["reason"])


def test_a_semicolon_file_with_decimal_commas_is_read_and_said(batch_page):
    text = "income eur;age;housing\n1200,5;23;own\n3400,75;45;rent\n"
    at = upload(batch_page, "spreadsheet.csv", text)
    shown = texts(at)
    assert "Numbers are read with a decimal comma ('1200,5' is 1200.5)" in shown
    assert "Checked all 2 rows: every one fits the model's inputs." in shown
    assert head_of(at)["income eur"].tolist() == [1200.5, 3400.75]
    assert next(s for s in at.selectbox if s.label == "Numbers in this file").value == "comma"


def test_thousands_that_read_two_ways_are_said_and_can_be_chosen(batch_page):
    text = "income eur;age;housing\n1,234;23;own\n2,500;45;rent\n"
    at = upload(batch_page, "thousands.csv", text)
    warned = " ".join(w.value.replace("\\", "") for w in at.warning)
    assert "'1,234' could be 1.234 or 1234" in warned and "choose that under Numbers in this file" in warned
    assert head_of(at)["income eur"].tolist() == [1.234, 2.5]
    choice = next(s for s in at.selectbox if s.label == "Numbers in this file")
    assert choice.value == "comma"
    choice.set_value("thousands").run()
    assert not at.exception
    assert head_of(at)["income eur"].tolist() == [1234, 2500]
    assert "Numbers are read as chosen: 1,234 is a thousand and more" in texts(at)


def test_hostile_cells_are_listed_as_text(batch_page):
    hostile = ['<img src=x onerror="window.__pwned=1">', "**bold** [x](javascript:1)", "a\x07b"]
    rows = ["income eur;age;housing"] + [f"{v};30;own" for v in hostile] + ["1200,5;31;own"]
    at = upload(batch_page, "hostile.csv", "\n".join(rows) + "\n")
    assert "Checked all 4 rows: 1 fits the model's inputs, 3 have bad cells." in texts(at)
    cells = next(t for t in shown_tables(at) if "reason" in t.columns)
    assert list(cells["row"].astype(str)) == ["1", "2", "3"]
    assert cells["value"].iloc[0] == hostile[0] and cells["value"].iloc[1] == hostile[1]
    assert not [m for m in at.markdown if m.allow_html]
