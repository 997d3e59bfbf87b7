"""Before Start: how a file's numbers are read (decimal commas, thousands, said in words) and its bad cells,
counted as the job will reject them; a reading a person chose is the one the job reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mds_client import FeatureKind, MDSClient, ModelRef, ModelSchema
from mds_client.batch.inputs import READINGS, read_chunks, sniff_numbers
from mds_client.schema.model import Feature
from workbench.batch.preview import BAD_ROWS_WORDS, preview_file, reading_of
from workbench.batch.service import BatchService
from workbench.cli.predict_scale import number_note
from workbench.store import open_store

SCHEMA = ModelSchema((Feature("income eur", FeatureKind.NUMBER), Feature("age", FeatureKind.INTEGER),
                      Feature("housing", FeatureKind.CATEGORY, categories=("own", "rent", "with parents"))))


def _file(tmp_path: Path, text: str, name: str = "loans.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "key", "first", "note"), [
    ("a;b\n13,5;x\n0,25;y\n", "comma", 13.5, "decimal comma ('13,5' is 13.5)"),
    ("a;b\n13,5;x\n1,234;y\n", "comma", 13.5, "so '1,234' is 1.234"),
    ("a;b\n1,234;x\n2,500;y\n", "comma", 1.234, "'1,234' could be 1.234 or 1234"),
    ("a;b\n12,345,678;x\n", "thousands", 12345678.0, "commas between thousands ('12,345,678' is 12345678)"),
    ("a;b\n1.234,5;x\n", "comma-dots", 1234.5, "dots between thousands ('1.234,5' is 1234.5)"),
    ("a\tb\n7,5\tx\n", "comma", 7.5, "decimal comma"),
    ("a,b\n13.5,x\n", "point", 13.5, ""),
    ('a,b\n"1,234",x\n', "point", "1,234", ""),  # a comma file: a quoted 1,234 stays text (then refused, not misread)
])
def test_numbers_are_read_as_the_file_writes_them_and_said(tmp_path, text, key, first, note):
    path = _file(tmp_path, text)
    reading = sniff_numbers(path)
    assert reading.key == key and note in reading.note
    assert reading.ambiguous == ("could be" in note)
    assert next(iter(read_chunks(path, numbers=reading)))["a"].iloc[0] == first


def test_a_chosen_reading_wins_and_says_so(tmp_path):
    path = _file(tmp_path, "a;b\n1,234;x\n2,500;y\n")
    chosen = reading_of(path, "thousands")
    assert chosen.key == "thousands" and "as chosen" in chosen.note
    assert next(iter(read_chunks(path, numbers=chosen)))["a"].tolist() == [1234, 2500]
    assert reading_of(path, "no such reading").key == "comma"  # a stale or forged choice: the file's own


def test_the_preview_lists_each_bad_cell_by_file_row_and_column(tmp_path):
    rows = ["income eur;years;housing"] + [f"{1000 + i},5;{20 + i};own" for i in range(30)]
    rows[4] = "lots;24;own"          # data row 4
    rows[9] = "1200,5;forty;boat"    # data row 9: two bad cells
    path = _file(tmp_path, "\n".join(rows) + "\n")
    preview = preview_file(path, SCHEMA, {"years": "age"})
    assert preview.numbers.key == "comma" and preview.head["income eur"].iloc[0] == 1000.5
    assert (preview.checked, preview.good, preview.bad, preview.total) == (30, 28, 2, 30)
    cells = [(c.row, c.column, c.value) for c in preview.bad_cells]
    assert cells == [(4, "income eur", "lots"), (9, "years", "forty"), (9, "housing", "boat")]
    assert all(c.reason for c in preview.bad_cells)
    assert "28 fit the model's inputs, 2 have bad cells" in preview.counts_words()
    assert "not sent to the model" in BAD_ROWS_WORDS


def test_a_clean_file_says_every_row_fits(tmp_path):
    path = _file(tmp_path, "income eur,age,housing\n1500.5,30,rent\n")
    preview = preview_file(path, SCHEMA)
    assert preview.bad_cells == [] and preview.counts_words() == "Checked the only row: every one fits the model's inputs."


def test_the_job_reads_the_reading_a_person_chose(tmp_path):
    """Through the batch service: the job's own copy holds the numbers as chosen (and a resume reads that copy)."""
    path = _file(tmp_path, "income eur;age;housing\n1,234;30;own\n2,500;41;rent\n")
    ref = ModelRef(name="loans", protocol="v2", endpoint="http://127.0.0.1:9")  # down: the job fails, the copy stays
    client = MDSClient()
    service = BatchService(open_store(f"sqlite:///{tmp_path / 'wb.db'}"), client, tmp_path / "home")
    try:
        job_id = service.start(user="analyst", ref=ref, schema=SCHEMA, source=path, numbers="thousands")
        copy = service.job_dir(job_id) / "input.csv"
        assert sniff_numbers(copy) == READINGS["point"]
        assert pd.read_csv(copy)["income eur"].tolist() == [1234, 2500]
        assert service.get(job_id).record.options["numbers"] == "thousands"
        own = service.start(user="analyst", ref=ref, schema=SCHEMA, source=path)  # no choice: the file's own copy
        assert (service.job_dir(own) / "input.csv").read_text() == path.read_text()
    finally:
        for job in service.jobs("analyst"):
            service.cancel(job.id)
            service.wait(job.id, timeout=5)  # a job against a dead port retries; cancelled, it stops after the call
        client.close()


@pytest.mark.parametrize(("text", "said"), [
    ("a;b\n1,234;x\n", "Add --numbers thousands"),
    ("a;b\n13,5;x\n", "decimal comma ('13,5' is 13.5)"),
    ("a,b\n13.5,x\n", ""),
])
def test_mds_predict_says_how_it_read_the_numbers(tmp_path, text, said):
    note = number_note(_file(tmp_path, text))
    assert (said in note) if said else note == ""
    assert number_note("postgresql://u@h/db::t") == ""  # not a file: nothing to sniff
