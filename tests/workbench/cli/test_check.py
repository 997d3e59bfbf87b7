"""``mds check`` against the embedded MDS: exit 0 when the model takes the payload as it is, 1 with
the advice naming the field when not; ``--fix`` writes a payload the model then accepts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import requests

from workbench.cli import check


def run(catalog, *argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", type=Path, default=catalog)
    parser.add_argument("--discovery", default="catalog")
    parser.add_argument("--url", default=None)
    sub = parser.add_subparsers()
    check.register(sub)
    args = parser.parse_args([str(a) for a in argv])
    return args.func(args)


def test_check_accepts_a_right_payload_and_fixes_a_wrong_one(catalog_path, refs, tmp_path, capsys):
    row = pd.read_csv(refs["tips"].reference_data).head(1)
    record = json.loads(row.to_json(orient="records"))[0]
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"data": {"names": list(record), "ndarray": [list(record.values())]}}))
    fixed = tmp_path / "fixed.json"
    assert run(catalog_path, "check", "tips", "--payload", wrong, "--fix", fixed) == 1
    err = capsys.readouterr().err
    assert "tips will not accept this payload as it is (mlserver " in err
    assert "This is a Seldon v1 payload, but model 'tips' speaks V2" in err
    assert run(catalog_path, "check", "tips", "--payload", fixed) == 0
    assert "tips will accept this payload (v2, 1 row(s); mlserver " in capsys.readouterr().out
    answer = requests.post(refs["tips"].predict_url, data=fixed.read_bytes(), headers={"Content-Type": "application/json"},
                           timeout=10)
    assert answer.status_code == 200, answer.text  # the fix is what the real server takes


def test_check_names_the_field_and_prints_json(catalog_path, refs, tmp_path, capsys):
    record = json.loads(pd.read_csv(refs["wine-v1"].reference_data).head(1).to_json(orient="records"))[0]
    record.pop("proline")
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"jsonData": [record]}))
    assert run(catalog_path, "check", "wine-v1", "--payload", payload, "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["accepted"] is False and report["kind"] == "seldon"
    assert [f["field"] for f in report["findings"] if f["severity"] == "error"] == ["proline"]


def test_check_refuses_unknown_models_and_huge_files(catalog_path, tmp_path, capsys):
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    assert run(catalog_path, "check", "nope", "--payload", payload) == 1
    assert "No model named 'nope' in the catalog" in capsys.readouterr().err
    payload.write_bytes(b"[" + b"1," * 5_000_000 + b"1]")
    assert run(catalog_path, "check", "tips", "--payload", payload) == 1
    assert "mds check reads at most 8 MB" in capsys.readouterr().err
