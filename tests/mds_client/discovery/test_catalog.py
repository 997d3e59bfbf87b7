"""Catalog files: good ones give refs with resolved paths; bad ones say what and where."""

from pathlib import Path

import pytest

import mds_client
from mds_client import CatalogError, load_catalog

GOOD = """
models:
  - name: wine
    protocol: v2
    url: http://127.0.0.1:9500/
    model: wine-model
    version: "2"
    version_in_path: true
    reference_data: reference/wine.csv
    schema: /abs/schema.json
    headers: {Seldon-Model: wine}
    explainer: {protocol: v2, url: http://127.0.0.1:9520, model: wine-explainer}
    card: {owner: data science, metrics: {accuracy: 0.97}}
    tags: [demo]
  - name: wine-v1
    protocol: seldon
    url: http://127.0.0.1:9510
"""


def test_good_catalog(tmp_path: Path):
    path = tmp_path / "catalog.yaml"
    path.write_text(GOOD)
    wine, v1 = load_catalog(path)
    assert wine.predict_url == "http://127.0.0.1:9500/v2/models/wine-model/versions/2/infer"
    assert wine.reference_data == tmp_path / "reference" / "wine.csv"
    assert wine.schema_path == Path("/abs/schema.json")
    assert wine.explainer.predict_url == "http://127.0.0.1:9520/v2/models/wine-explainer/infer"
    assert wine.card["metrics"]["accuracy"] == 0.97 and wine.tags == ("demo",)
    assert v1.predict_url == "http://127.0.0.1:9510/api/v1.0/predictions"
    assert v1.feedback_url == "http://127.0.0.1:9510/api/v1.0/feedback" and wine.feedback_url is None


@pytest.mark.parametrize("text,words", [
    ("models: [", "not valid YAML (line"),
    ("- a\n- b", "top-level 'models:'"),
    ("models:\n  - {name: a, protocol: grpc, url: http://x}", "protocol must be one of"),
    ("models:\n  - {name: a, protocol: v2, url: ftp://x}", "url must be an http(s) URL"),
    ("models:\n  - {protocol: v2, url: http://x}", "'name' is required"),
    ("models:\n  - {name: a, protocol: v2, url: http://x, colour: red}", "unknown key(s) colour"),
    ("models:\n  - {name: a, protocol: v2, url: http://x}\n  - {name: a, protocol: v2, url: http://y}", "appears twice"),
])
def test_bad_catalog_says_what_and_where(tmp_path: Path, text, words):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert words in str(info.value)


def test_missing_catalog(tmp_path: Path):
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog(tmp_path / "nope.yaml")


def test_public_surface_is_pinned():
    assert set(mds_client.__all__) == {
        "DEFAULT_RETRY", "DEFAULT_TIMEOUT", "Auth", "CatalogDiscovery", "CatalogError", "CellError", "Feature",
        "FeatureKind", "IncompleteAnswer", "InputError", "MDSClient", "MDSError", "ModelNotFound", "ModelRef", "ModelSchema",
        "ModelUnavailable", "Output", "PayloadRejected", "Prediction", "ProtocolError", "RepositoryDiscovery",
        "RequestError", "RequestTimeout", "Retry", "SchemaError", "ServerError", "Timeout", "Transport",
        "codec_for", "jsonable", "load_catalog", "load_prediction_schema", "read_reference", "split_version",
    }
    assert all(hasattr(mds_client, name) for name in mds_client.__all__)


def test_a_catalog_entry_names_the_versions_served_and_a_ref_calls_any_of_them(tmp_path):
    (tmp_path / "catalog.yaml").write_text(
        "models:\n- name: orchard\n  protocol: v2\n  url: http://127.0.0.1:9\n  version: '1'\n"
        "  version_in_path: true\n  versions: ['1', 2]\n")
    [ref] = load_catalog(tmp_path / "catalog.yaml")
    assert (ref.version, ref.versions) == ("1", ("1", "2"))
    assert ref.predict_url == "http://127.0.0.1:9/v2/models/orchard/versions/1/infer"
    assert ref.at_version("2").predict_url == "http://127.0.0.1:9/v2/models/orchard/versions/2/infer"
    assert mds_client.split_version("orchard@champion") == ("orchard", "champion")
    assert mds_client.split_version("orchard") == ("orchard", "")


def test_versions_that_are_not_a_list_of_names_are_refused(tmp_path):
    (tmp_path / "catalog.yaml").write_text("models:\n- name: m\n  protocol: v2\n  url: http://h\n  versions: 2\n")
    with pytest.raises(CatalogError, match="versions must be a list of version names"):
        load_catalog(tmp_path / "catalog.yaml")


def test_versions_served_each_at_its_own_endpoint_are_called_there(tmp_path):
    (tmp_path / "catalog.yaml").write_text(
        "models:\n- name: tmpl\n  protocol: seldon\n  url: http://127.0.0.1:9001\n  version: '1'\n"
        "  versions: {'1': 'http://127.0.0.1:9001', '2': 'http://127.0.0.1:9002/'}\n")
    [ref] = load_catalog(tmp_path / "catalog.yaml")
    assert ref.versions == ("1", "2")
    assert ref.at_version("2").predict_url == "http://127.0.0.1:9002/api/v1.0/predictions"
    (tmp_path / "catalog.yaml").write_text(
        "models:\n- name: tmpl\n  protocol: seldon\n  url: http://127.0.0.1:9001\n  versions: {'2': 'ftp://x'}\n")
    with pytest.raises(CatalogError, match="version 2's url must be an http"):
        load_catalog(tmp_path / "catalog.yaml")
