"""``mds segments MODEL`` on a real store: the planted weak slice listed with its size and interval, drift by
slice against the catalog's reference data, JSON for scripts, and a sentence when there is nothing to judge."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.workbench.cli.cli_store import run_cli, store
from tests.workbench.monitor.segment_data import BAD, frame, store_cases

__all__ = ["store"]


@pytest.fixture()
def catalog(tmp_path):
    reference, _ = frame(1500, bad_rate=0.05, tiny=0, seed=21)
    reference.assign(decision="approve loan").to_csv(tmp_path / "reference.csv", index=False)  # a target column too
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [
        {"name": "loan-desk", "protocol": "v2", "url": "http://127.0.0.1:9", "reference_data": "reference.csv"},
        {"name": "quiet-model", "protocol": "v2", "url": "http://127.0.0.1:9"}]}))
    return path


def run(capsys, catalog, *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, catalog, "segments", *argv)


def test_the_weak_slice_and_the_moved_traffic_are_listed(capsys, catalog, store):
    rows, right = frame(300, seed=4)
    store_cases(store, rows, right)
    code, out, err = run(capsys, catalog, "loan-desk", "--since", "1h")
    assert code == 0, err
    assert out.startswith("Accuracy from 300 feedback verdicts since ")
    table = out.split("Where it fails", 1)[1]
    first = table.splitlines()[2]  # the header line, then the worst slice
    kiosk = int((rows["channel"] == "kiosk").sum())
    assert first.split("  ")[0] == BAD and f"  {kiosk}  " in first
    assert "Where the traffic moved" in out and "decision" not in out  # the reference's target is no input
    assert f"- {BAD}: " in out and "fax" not in out

    code, out, _ = run(capsys, catalog, "loan-desk", "--json", "--top", "1")
    doc = json.loads(out)
    top = doc["accuracy"]["segments"]
    assert doc["basis"] == "feedback" and len(top) == 1 and top[0]["segment"] == BAD and top[0]["rows"] == kiosk
    low, high = top[0]["interval"]
    assert low < top[0]["value"] < high < doc["accuracy"]["overall"]
    assert doc["drift"]["calls"] == 300 and doc["drift"]["segments"][0]["segment"] == BAD


def test_a_model_with_nothing_to_judge_gets_a_sentence(capsys, catalog, store):
    code, out, _ = run(capsys, catalog, "quiet-model")
    assert code == 0
    assert out.startswith("No segments where quiet-model fails: it has 0 feedback verdicts since ")
    assert "No reference data for quiet-model" in out


def test_an_unknown_model_and_a_bad_since_are_refused(capsys, catalog, store):
    code, _, err = run(capsys, catalog, "nobody")
    assert code == 1 and "nobody" in err
    code, _, err = run(capsys, catalog, "loan-desk", "--since", "last tuesday")
    assert code == 1 and "neither a duration" in err
