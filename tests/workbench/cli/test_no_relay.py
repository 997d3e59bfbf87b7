"""No open relay from the ``mds`` command: it calls the catalog's endpoints and nothing a payload, a curl
command, an input file, an input path or a model card names. The loopback ``listener`` must stay untouched."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mds_client.codecs import codec_for
from tests.app.helpers import derived_catalog
from tests.listener import naming
from workbench.cli import main


@pytest.fixture
def setup(catalog_path, refs, client, listener, tmp_path):
    """The real catalog with one V2 model's entry naming the listener everywhere but its endpoint."""
    ref = next(r for r in refs.values() if r.protocol == "v2" and r.reference_data and "test" not in r.tags
               and not client.schema(r).is_empty)
    catalog = derived_catalog(catalog_path, tmp_path / "relay.yaml", {ref.name: naming(listener.url)})
    return ref, catalog, client.schema(ref), pd.read_csv(ref.reference_data).head(5)


def mds(capsys, catalog, *argv) -> tuple[int, str]:
    code = main(["--catalog", str(catalog), *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out + err


def test_check_never_calls_the_url_of_a_curl_command_or_payload(setup, listener, tmp_path, capsys):
    ref, catalog, schema, rows = setup
    body = codec_for("v2").encode(rows.head(1)[list(schema.names)], schema)
    body["parameters"] = {**body.get("parameters", {}), "callback": listener.url + "/callback"}
    payloads = {"curl.txt": f"curl -X POST {listener.url}/v2/models/{ref.v2_name}/infer -H 'Content-Type: "
                            f"application/json' -H 'Host: {listener.url}' -d '{json.dumps(body)}'",
                "body.json": json.dumps(body), "image.md": f"![x]({listener.url}/x.png)"}
    for name, text in payloads.items():
        (tmp_path / name).write_text(text)
        code, said = mds(capsys, catalog, "check", ref.name, "--payload", tmp_path / name,
                         "--fix", tmp_path / f"{name}.fixed")
        assert code in (0, 1) and "Traceback" not in said, said
    code, said = mds(capsys, catalog, "check", ref.name, "--payload", tmp_path / "curl.txt")
    assert code == 0, said  # the curl's payload was read; its URL was not used
    listener.assert_untouched()


def test_predict_describe_and_models_never_call_what_an_input_or_card_names(setup, listener, tmp_path, capsys):
    ref, catalog, _schema, rows = setup
    frame = rows.copy()
    frame["link"] = [f"{listener.url}/cell-{i}" for i in range(len(frame))]  # kept in the results, never fetched
    frame.to_csv(tmp_path / "in.csv", index=False)
    code, said = mds(capsys, catalog, "predict", ref.name, "--input", tmp_path / "in.csv", "--output",
                     tmp_path / "out.csv", "--no-store", "--quiet")
    assert code == 0, said
    assert pd.read_csv(tmp_path / "out.csv")["link"].tolist() == frame["link"].tolist()
    # An input "file" that is a URL is a path that does not exist: a plain refusal, no download.
    for typed in (f"{listener.url}/input.csv", f"{listener.url}/input.parquet"):
        code, said = mds(capsys, catalog, "predict", ref.name, "--input", typed, "--output", tmp_path / "u.csv",
                         "--no-store", "--quiet")
        assert code == 1 and "does not exist" in said and "Traceback" not in said, said
    for argv in (("models",), ("models", "--json"), ("describe", ref.name), ("describe", ref.name, "--json")):
        code, said = mds(capsys, catalog, *argv)
        assert code == 0, said
    listener.assert_untouched()
