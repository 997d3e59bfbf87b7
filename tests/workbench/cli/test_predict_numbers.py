"""``mds predict --numbers``: a person chooses how a CSV writes its numbers (the Batch page's readings), in one
process and on Dask, which reads decimal commas too. A model of the tests' own (tests/hive_model.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mds_client.batch.dask_partitions import Partition, read_partition
from mds_client.batch.inputs import READINGS, chosen_reading, read_chunks
from mds_client.errors import InputError
from tests.hive_model import NAME, catalog, hives, publish_hive
from workbench.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _semicolons(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as a spreadsheet with a decimal comma writes it: ``34,5`` and ``;`` between cells."""
    frame.to_csv(path, sep=";", decimal=",", index=False)
    return path


def test_a_chosen_reading_by_its_key_and_auto_reads_the_cells(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a;b\n1,234;x\n")
    assert chosen_reading("auto", path).key == "comma" and chosen_reading("auto", path).ambiguous
    thousands = chosen_reading("thousands", path)
    assert thousands.key == "thousands" and "chosen" in thousands.note and not thousands.ambiguous
    assert chosen_reading("auto", "postgresql://u@h/db::t") == READINGS["point"]  # not a file: nothing to read
    with pytest.raises(InputError, match="'pounds' is not a way to read numbers; choose auto, point, comma"):
        chosen_reading("pounds", path)


def test_a_dask_partition_reads_decimal_commas_by_its_cells_or_as_chosen(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("weight;note\n13,5;light\n1,234;heavy\n")
    part = Partition(0, str(path), "csv", 2)
    read = pd.concat(read_partition(part, 10))
    assert read["weight"].tolist() == [13.5, 1.234] and read["note"].tolist() == ["light", "heavy"]
    thousands = pd.concat(read_partition(part, 10, numbers=READINGS["thousands"]))
    assert thousands["weight"].tolist() == ["13,5", 1234.0]  # '13,5' is no thousand: left as text, refused later
    one_file = pd.concat(read_chunks(path, numbers=READINGS["thousands"]))  # the single-process reader too
    assert one_file["weight"].tolist() == ["13,5", 1234.0]
    dots = tmp_path / "d.csv"
    dots.write_text("weight;note\n13.5;light\n1.234,5;heavy\n")
    assert pd.concat(read_chunks(dots, numbers=READINGS["comma-dots"]))["weight"].tolist() == ["13.5", 1234.5]


def test_an_unknown_reading_is_refused_by_the_parser(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["predict", "any-model", "--input", str(tmp_path / "x.csv"), "--numbers", "roman"])
    assert exc.value.code == 2
    assert "invalid choice: 'roman'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def hive(publish_server, client):
    model, _ref = publish_hive(publish_server, client)
    return model, catalog(publish_server)


@pytest.mark.parametrize("dask", [False, True], ids=["one process", "dask"])
def test_decimal_commas_read_as_chosen_score_as_the_numbers_they_are(capsys, hive, tmp_path, dask):
    model, cat = hive
    frame, _ = hives(40, seed=11)
    source = _semicolons(frame, tmp_path / "inspections.csv")
    assert "34," in source.read_text() or "35," in source.read_text()  # the file really has decimal commas
    scale = ["--dask", "local", "--dask-workers", "1"] if dask else []
    out = tmp_path / "scored.csv"
    code, said, err = run(capsys, "--catalog", str(cat), "predict", NAME, "--input", str(source), "--output",
                          str(out), "--numbers", "comma", "--quiet", "--no-store", *scale)
    assert code == 0 and "40 rows scored, 0 rejected" in said, err
    scored = pd.read_csv(out)
    assert scored["prediction"].tolist() == model.predict(frame).tolist()
    if not dask:
        assert "Numbers are read as chosen: 1,5 is one and a half (decimal comma)." in err
    # The other reading, chosen: every row with a decimal comma is refused with its reason, none misread.
    code, said, err = run(capsys, "--catalog", str(cat), "predict", NAME, "--input", str(source), "--output",
                          str(tmp_path / "point.csv"), "--numbers", "point", "--quiet", "--no-store", *scale)
    assert code == 1 and "0 rows scored, 40 rejected" in said and "no row was scored" in err, (said, err)
    assert "brood_temp_c" in said + err  # the reason names the column
