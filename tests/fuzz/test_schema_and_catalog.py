"""Fuzzing schema parsing (V2 and Seldon metadata, Seldon's prediction schema) and catalog loading."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from mds_client import load_catalog
from mds_client.schema.sources import from_prediction_schema, from_seldon_metadata, from_v2_metadata
from tests.fuzz.conftest import FUZZ, json_docs, keys, memory_capped, scalars, typed_only

v2_inputs = st.fixed_dictionaries(
    {"name": st.text(max_size=10) | scalars, "datatype": st.sampled_from(["FP64", "INT64", "BYTES", "BOOL", "X"])
     | scalars, "shape": st.lists(st.integers(-3, 5) | scalars, max_size=3) | scalars},
    optional={"parameters": st.dictionaries(keys, json_docs, max_size=6) | json_docs})
v2_metadata = st.fixed_dictionaries({}, optional={"inputs": st.lists(v2_inputs | json_docs, max_size=4) | json_docs,
                                                  "outputs": st.lists(v2_inputs | json_docs, max_size=3) | json_docs})


@FUZZ
@given(v2_metadata | json_docs)
def test_v2_metadata_gives_a_schema_or_a_schema_error(doc):
    with memory_capped():
        schema = typed_only(lambda: from_v2_metadata(doc))
    if schema is not None:
        str(schema), schema.table_columns(), schema.class_names


@FUZZ
@given(json_docs)
def test_seldon_metadata_and_prediction_schema(doc):
    typed_only(lambda: from_seldon_metadata(doc))
    typed_only(lambda: from_prediction_schema(doc))
    typed_only(lambda: from_prediction_schema({"requests": doc, "responses": doc}))


entries = st.fixed_dictionaries(
    {"name": st.text(max_size=12) | scalars, "protocol": st.sampled_from(["v2", "seldon", "x"]) | scalars,
     "url": st.sampled_from(["http://127.0.0.1:9", "not a url", ""]) | scalars},
    optional={k: json_docs for k in ("model", "explainer", "headers", "reference_data", "card", "tags",
                                      "drift", "schema", "version", "logger")})


@FUZZ
@given(st.fixed_dictionaries({"models": st.lists(entries | json_docs, max_size=4)}) | json_docs)
def test_catalog_documents(tmp_path_factory, doc):
    path = Path(tmp_path_factory.mktemp("cat")) / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc) if not isinstance(doc, float) else json.dumps(doc))
    typed_only(lambda: load_catalog(path))


@FUZZ
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_catalog_bytes(tmp_path_factory, raw):
    path = Path(tmp_path_factory.mktemp("cat")) / "catalog.yaml"
    path.write_bytes(raw)
    with memory_capped():
        typed_only(lambda: load_catalog(path))
