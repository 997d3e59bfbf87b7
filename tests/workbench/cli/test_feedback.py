"""``mds predict`` logs to the store; ``mds feedback`` stores, delivers or leaves pending."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from workbench.cli import main
from workbench.feedback.metrics import feedback_frame
from workbench.settings import get_settings
from workbench.store import open_store


@pytest.fixture()
def store_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_USER", "eve")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def scored(capsys, catalog_path, refs, tmp_path: Path, model: str, batch_size: str = "1") -> pd.DataFrame:
    source, output = tmp_path / f"{model}.csv", tmp_path / f"{model}.out.csv"
    pd.read_csv(refs[model].sample_data).head(4).to_csv(source, index=False)
    code, _, _ = run(capsys, "--catalog", str(catalog_path), "predict", model, "--input", str(source),
                     "--output", str(output), "--quiet", "--batch-size", batch_size)
    assert code == 0
    return pd.read_csv(output, keep_default_na=False)


def dead_catalog(catalog_path: Path, tmp_path: Path) -> Path:
    doc = yaml.safe_load(catalog_path.read_text())
    for entry in doc["models"]:
        for key in ("reference_data", "sample_data", "schema"):
            if entry.get(key):
                entry[key] = str((catalog_path.parent / entry[key]).resolve())
        if entry["name"] == "wine-v1":
            entry["url"] = "http://127.0.0.1:9"
    target = tmp_path / "dead.yaml"
    target.write_text(yaml.safe_dump(doc))
    return target


def test_feedback_on_a_seldon_prediction_from_the_output_file(capsys, catalog_path, refs, tmp_path, store_url):
    out = scored(capsys, catalog_path, refs, tmp_path, "wine-v1")
    row = out.iloc[0]
    classes = [c[2:-1] for c in out.columns if c.startswith("p(")]
    other = next(c for c in classes if c != row["prediction"])
    code, text, _ = run(capsys, "--catalog", str(catalog_path), "feedback", "wine-v1", "--request-id",
                        row["request_id"], "--truth", other, "--comment", "lab result")
    assert code == 0, (text, _)
    assert "wrong" in text and "delivered to wine-v1." in text
    frame = feedback_frame(open_store(store_url))
    assert frame["verdict"].tolist() == ["wrong"] and frame["user"].tolist() == ["eve"]
    assert frame["forwarded"].tolist() == ["delivered"]


def test_feedback_waits_while_the_server_is_down_then_retry_pending(capsys, catalog_path, refs, tmp_path, store_url):
    out = scored(capsys, catalog_path, refs, tmp_path, "wine-v1")
    dead = dead_catalog(catalog_path, tmp_path)
    code, text, _ = run(capsys, "--catalog", str(dead), "feedback", "wine-v1", "--request-id",
                        out["request_id"].iloc[1], "--truth", out["prediction"].iloc[1])
    assert code == 0 and "correct" in text and "pending:" in text and "--retry-pending" in text
    code, text, _ = run(capsys, "--catalog", str(dead), "feedback", "--retry-pending")
    assert code == 1 and "0 delivered, 1 pending" in text
    code, text, _ = run(capsys, "--catalog", str(catalog_path), "feedback", "--retry-pending")
    assert code == 0 and "1 delivered, 0 pending" in text


def test_feedback_on_a_v2_model_stays_in_the_workbench(capsys, catalog_path, refs, tmp_path, store_url):
    out = scored(capsys, catalog_path, refs, tmp_path, "tips")
    code, _, err = run(capsys, "--catalog", str(catalog_path), "feedback", "tips", "--request-id",
                       out["request_id"].iloc[0], "--truth", "no-such-class")
    assert code == 1 and "'no-such-class' is not one of model 'tips''s classes" in err
    code, text, _ = run(capsys, "--catalog", str(catalog_path), "feedback", "tips", "--request-id",
                        out["request_id"].iloc[0], "--truth", str(out["prediction"].iloc[0]))
    assert code == 0 and "kept in the workbench" in text


def test_one_request_id_for_many_rows_needs_row(capsys, catalog_path, refs, tmp_path, store_url):
    out = scored(capsys, catalog_path, refs, tmp_path, "wine-v1", batch_size="4")
    rid = out["request_id"].iloc[2]
    code, _, err = run(capsys, "--catalog", str(catalog_path), "feedback", "wine-v1", "--request-id", rid,
                       "--truth", out["prediction"].iloc[2])
    assert code == 1 and "names 4 rows" in err and "--row" in err
    code, text, _ = run(capsys, "--catalog", str(catalog_path), "feedback", "wine-v1", "--request-id", rid,
                        "--row", "3", "--truth", out["prediction"].iloc[2])
    assert code == 0 and "delivered to wine-v1." in text


def test_missing_request_id_is_a_clear_error(capsys, catalog_path, store_url):
    code, _, err = run(capsys, "--catalog", str(catalog_path), "feedback", "wine-v1", "--request-id", "nope",
                       "--truth", "cultivar_1")
    assert code == 1 and "No prediction of model 'wine-v1' with request id 'nope'" in err
