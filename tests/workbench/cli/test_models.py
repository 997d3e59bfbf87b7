"""The ``mds`` command end to end against the embedded MDS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_models_lists_every_model_with_status(capsys, catalog_path):
    code, out, _ = run(capsys, "--catalog", str(catalog_path), "models", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0
    assert {"wine", "tips", "tip-amount", "digits", "wine-v1"} <= set(rows)
    assert rows["wine-v1"]["protocol"] == "seldon" and rows["tips"]["status"] == "ready"


def test_describe_shows_the_parsed_schema(capsys, catalog_path):
    code, out, _ = run(capsys, "--catalog", str(catalog_path), "describe", "tips", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["task"] == "classification"
    kinds = {f["name"]: f["kind"] for f in doc["features"]}
    assert kinds == {"total_bill": "number", "sex": "category", "smoker": "boolean", "day": "category",
                     "time": "category", "size": "integer"}


@pytest.mark.parametrize("model", ["tips", "wine-v1"])
def test_predict_scores_good_rows_and_marks_bad_ones(capsys, catalog_path, refs, tmp_path: Path, model):
    frame = pd.read_csv(refs[model].sample_data).head(10)
    bad_col = "total_bill" if model == "tips" else "alcohol"
    frame[bad_col] = frame[bad_col].astype(object)
    frame.loc[3, bad_col] = "heavy"
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    frame.to_csv(source, index=False)
    code, out, _ = run(capsys, "--catalog", str(catalog_path), "predict", model, "--input", str(source),
                       "--output", str(output), "--quiet")
    assert code == 0 and "9 rows scored, 1 rejected" in out
    result = pd.read_csv(output, keep_default_na=False)
    assert len(result) == 10 and list(result.columns[: len(frame.columns)]) == list(frame.columns)
    assert result.loc[3, "error"] == f"{bad_col}: 'heavy' is not a number"
    assert result.loc[3, "prediction"] == ""
    scored = result.drop(index=3)
    assert (scored["error"] == "").all() and (scored["request_id"].str.len() > 0).all()


def test_predict_stops_when_a_required_column_is_missing(capsys, catalog_path, refs, tmp_path: Path):
    frame = pd.read_csv(refs["tips"].sample_data).drop(columns=["day"])
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    code, _, err = run(capsys, "--catalog", str(catalog_path), "predict", "tips", "--input", str(source),
                       "--output", str(tmp_path / "out.csv"), "--quiet")
    assert code == 1 and "day" in err and "lacks the column" in err


def test_unknown_model_names_the_known_ones(capsys, catalog_path):
    code, _, err = run(capsys, "--catalog", str(catalog_path), "describe", "nope")
    assert code == 1 and "No model named 'nope'" in err and "wine" in err


def test_console_script_runs(catalog_path):
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "--catalog", str(catalog_path), "models"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "wine-v1" in done.stdout


def test_models_from_a_repository_index(capsys, refs):
    url = refs["wine"].endpoint
    code, out, _ = run(capsys, "--discovery", "repository", "--url", url, "models", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and {"wine", "tips"} <= set(rows) and "wine-v1" not in rows
    assert rows["wine"]["status"] == "ready" and rows["wine"]["url"] == url.rstrip("/")
    code, out, _ = run(capsys, "--discovery", "repository", "--url", url, "describe", "wine", "--json")
    assert code == 0 and len(json.loads(out)["features"]) == 13


def test_repository_discovery_needs_a_url(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--discovery", "repository", "models"])
    assert exc.value.code == 2 and "--url" in capsys.readouterr().err
