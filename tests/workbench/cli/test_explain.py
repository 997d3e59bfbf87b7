"""``mds explain``: the app's explanation services from a terminal, with --json for scripts."""

from __future__ import annotations

import json

import pytest

from mds_client import FeatureKind
from tests.workbench.picked_models import mixed_classifier, numeric_classifier
from workbench.cli import main
from workbench.settings import get_settings

__all__ = ["mixed_classifier", "numeric_classifier"]


@pytest.fixture()
def store_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _row_file(tmp_path, picked, i: int = 0):
    row = picked.reference.iloc[i][picked.schema.names].to_dict()
    path = tmp_path / "row.json"
    path.write_text(json.dumps({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_anchor_json_carries_the_rule_and_the_second_run_is_cached(capsys, tmp_path, store_url, catalog_path,
                                                                   mixed_classifier):
    m = mixed_classifier
    row = _row_file(tmp_path, m, 4)
    code, out, err = run(capsys, "--catalog", str(catalog_path), "explain", m.ref.name, "--row", str(row),
                         "--method", "anchor", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["anchor"] and 0 <= doc["precision"] <= 1 and 0 <= doc["coverage"] <= 1
    assert doc["rule"].startswith("IF ") and doc["target"] in m.schema.class_names
    code, out, err = run(capsys, "--catalog", str(catalog_path), "explain", m.ref.name, "--row", str(row),
                         "--method", "anchor")
    assert code == 0 and "From the cache: no call to the model." in out


def test_whatif_json_has_one_point_per_swept_value(capsys, tmp_path, store_url, catalog_path, numeric_classifier):
    m = numeric_classifier
    feature = next(f.name for f in m.schema.features if f.kind == FeatureKind.NUMBER)
    code, out, err = run(capsys, "--catalog", str(catalog_path), "explain", m.ref.name, "--row",
                         str(_row_file(tmp_path, m)), "--method", "whatif", "--feature", feature, "--points", "12",
                         "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["calls"] == 1 and doc["feature"] == feature
    assert 11 <= len(doc["points"]) <= 12
    assert all(p["answer"] in m.schema.class_names and "value" in p for p in doc["points"])


def test_importance_prints_a_table(capsys, store_url, catalog_path, numeric_classifier):
    m = numeric_classifier
    code, out, err = run(capsys, "--catalog", str(catalog_path), "explain", m.ref.name, "--method", "importance")
    assert code == 0, err
    assert "permutation importance" in out and all(n in out for n in m.schema.names)


@pytest.mark.parametrize(("args", "message"), [
    (["--method", "anchor"], "give it with --row FILE.json"),
    (["--method", "whatif", "--row", "{row}"], "needs --feature F"),
    (["--method", "whatif", "--row", "{row}", "--feature", "nope"], "no feature 'nope'"),
])
def test_usage_mistakes_are_named(capsys, tmp_path, store_url, catalog_path, numeric_classifier, args, message):
    row = str(_row_file(tmp_path, numeric_classifier))
    code, _, err = run(capsys, "--catalog", str(catalog_path), "explain", numeric_classifier.ref.name,
                       *[a.format(row=row) for a in args])
    assert code == 1 and message in err


def test_anchor_of_a_v1_model_comes_from_its_seldon_explainer(capsys, tmp_path, store_url, catalog_path, refs):
    import pandas as pd

    ref = next((r for r in refs.values() if r.protocol == "seldon" and r.explainer is not None), None)
    assert ref is not None, "the embedded MDS serves a Seldon v1 model with a v1 explainer"
    row = tmp_path / "row.json"
    row.write_text(pd.read_csv(ref.reference_data).iloc[[2]].to_json(orient="records")[1:-1])
    code, out, err = run(capsys, "--catalog", str(catalog_path), "explain", ref.name, "--row", str(row),
                         "--method", "anchor", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["source"] == f"explainer server {ref.explainer.name}"
    assert doc["anchor"] and 0 < doc["precision"] <= 1 and 0 <= doc["coverage"] <= 1 and doc["rule"].startswith("IF ")
