"""Schema parsing from every source, including the string-typed numbers Seldon tooling writes."""

import pandas as pd
import pytest

from mds_client.errors import SchemaError
from mds_client.schema.model import FeatureKind
from mds_client.schema.sources import (
    from_prediction_schema,
    from_reference,
    from_seldon_metadata,
    from_v2_metadata,
    resolve,
)

V2_META = {
    "name": "tips",
    "versions": ["1"],
    "platform": "",
    "inputs": [
        {"name": "total_bill", "datatype": "FP64", "shape": [-1],
         "parameters": {"kind": "number", "min": 0, "max": 100, "unit": "$", "description": "Bill"}},
        {"name": "sex", "datatype": "BYTES", "shape": [-1],
         "parameters": {"content_type": "str", "kind": "category", "categories": ["Female", "Male"]}},
        {"name": "smoker", "datatype": "BOOL", "shape": [-1], "parameters": {"kind": "boolean"}},
        {"name": "size", "datatype": "INT64", "shape": [-1], "parameters": {"min": 1, "max": 6}},
        {"name": "note", "datatype": "BYTES", "shape": [-1]},
    ],
    "outputs": [
        {"name": "predict", "datatype": "BYTES", "shape": [-1, 1],
         "parameters": {"kind": "label", "class_names": ["generous", "standard"]}},
        {"name": "predict_proba", "datatype": "FP64", "shape": [-1, 2],
         "parameters": {"kind": "proba", "class_names": ["generous", "standard"]}},
    ],
}


def test_v2_metadata_features_carry_their_facts():
    schema = from_v2_metadata(V2_META)
    assert schema.names == ["total_bill", "sex", "smoker", "size", "note"]
    bill = schema.feature("total_bill")
    assert (bill.kind, bill.minimum, bill.maximum, bill.unit) == (FeatureKind.NUMBER, 0.0, 100.0, "$")
    assert schema.feature("sex").kind == FeatureKind.CATEGORY
    assert schema.feature("sex").categories == ("Female", "Male")
    assert schema.feature("smoker").kind == FeatureKind.BOOLEAN
    assert schema.feature("size").kind == FeatureKind.INTEGER  # from INT64, no kind given
    assert schema.feature("note").kind == FeatureKind.TEXT
    assert schema.class_names == ("generous", "standard")
    assert schema.task == "classification"


def test_v2_image_tensor_shape_drops_batch_dimension():
    meta = {"name": "digits", "inputs": [{"name": "image", "datatype": "FP32", "shape": [-1, 8, 8],
                                         "parameters": {"kind": "image", "min": 0, "max": 16}}]}
    schema = from_v2_metadata(meta)
    feature = schema.tensor_feature
    assert feature is not None and feature.shape == (8, 8) and feature.kind == FeatureKind.IMAGE
    assert len(schema.table_columns()) == 64
    assert schema.table_columns()[:2] == ["image_0_0", "image_0_1"]


def test_v2_plain_sklearn_metadata_without_parameters():
    meta = {"name": "m", "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, 4]}],
            "outputs": [{"name": "predict", "datatype": "FP64", "shape": [-1, 1]}]}
    schema = from_v2_metadata(meta)
    assert schema.features[0].kind == FeatureKind.TENSOR and schema.features[0].shape == (4,)
    assert schema.outputs[0].kind == "value"


@pytest.mark.parametrize("shape,needle", [
    ([-1, -1], "variable dimension"),          # a sequence of any length: no form can be laid out
    ([-1, 8, -1], "variable dimension"),
    (-2, "not a size"),
    ([-1, 0, 3], "not a size"),
    (9_223_372_036_854_775_808, "values per row"),
    ([-1, 4096, 4096], "values per row"),
])
def test_v2_tensor_shapes_without_a_form_are_a_schema_error_naming_the_input(shape, needle):
    meta = {"name": "m", "inputs": [{"name": "tokens", "datatype": "INT64", "shape": shape}]}
    with pytest.raises(SchemaError, match=needle) as caught:
        from_v2_metadata(meta)
    assert "tokens shape" in str(caught.value)


def test_prediction_schema_tensor_shapes_are_checked_too():
    with pytest.raises(SchemaError, match="not a size"):
        from_prediction_schema({"requests": [{"name": "t", "type": "TENSOR", "shape": [3, -4]}]})


def test_seldon_metadata_ndarray_and_json_schema():
    meta = {"name": "wine", "versions": ["1"], "platform": "seldon",
            "inputs": [{"messagetype": "ndarray", "schema": {"names": ["a", "b"], "shape": [2]}}],
            "outputs": [{"messagetype": "ndarray", "schema": {"names": ["x", "y", "z"], "shape": [3]}}]}
    schema = from_seldon_metadata(meta)
    assert schema.names == ["a", "b"] and schema.messagetype == "ndarray"
    assert schema.class_names == ("x", "y", "z")
    meta_json = {"inputs": [{"messagetype": "jsonData", "schema": {"type": "object", "properties": {
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "colour": {"type": "string", "enum": ["red", "blue"]},
        "ok": {"type": "boolean"}}}}]}
    schema = from_seldon_metadata(meta_json)
    assert [f.kind for f in schema.features] == [FeatureKind.INTEGER, FeatureKind.CATEGORY, FeatureKind.BOOLEAN]
    assert schema.feature("age").maximum == 120
    assert schema.messagetype == "jsonData"


@pytest.mark.parametrize("n_categories", [3, "3", " 3 "])
def test_prediction_schema_accepts_string_numbers(n_categories):
    doc = {"requests": [
        {"name": "age", "type": "REAL", "data_type": "INT", "range": [0, 120]},
        {"name": "grade", "type": "CATEGORICAL", "n_categories": n_categories},
        {"name": "sex", "type": "CATEGORICAL", "data_type": "INT", "category_map": {"0": "Female", "1": "Male"}},
        {"name": "city", "type": "ONE_HOT", "schema": [{"name": "city_a"}, {"name": "city_b"}]},
        {"name": "img", "type": "TENSOR", "shape": "[4, 4]"},
        {"name": "text", "type": "TEXT"},
    ], "responses": [{"name": "p", "type": "PROBA", "schema": [{"name": "no"}, {"name": "yes"}]}]}
    schema = from_prediction_schema(doc)
    assert schema.feature("age").kind == FeatureKind.INTEGER and schema.feature("age").maximum == 120
    assert schema.feature("grade").categories == (0, 1, 2)
    sex = schema.feature("sex")
    assert sex.categories == (0, 1) and sex.label_of(1) == "Male" and sex.value_of_label("Female") == 0
    assert schema.feature("city").one_hot and schema.feature("city").label_of(1) == "city_b"
    assert schema.feature("img").shape == (4, 4)
    assert schema.feature("text").kind == FeatureKind.TEXT
    assert schema.class_names == ("no", "yes")


@pytest.mark.parametrize("doc,needle", [
    ({"responses": []}, "requests"),
    ({"requests": [{"name": "x", "type": "WEIRD"}]}, "WEIRD"),
    ({"requests": [{"name": "x", "type": "CATEGORICAL", "n_categories": "many"}]}, "many"),
    ({"requests": [{"type": "REAL"}]}, "without a name"),
])
def test_prediction_schema_errors_name_the_problem(doc, needle):
    with pytest.raises(SchemaError, match=needle):
        from_prediction_schema(doc)


def test_reference_inference_and_resolve_fill_gaps():
    ref = pd.DataFrame({"x": [1.5, 2.5], "n": [1, 2], "c": ["a", "b"], "b": [True, False]})
    inferred = from_reference(ref)
    assert [f.kind for f in inferred.features] == [
        FeatureKind.NUMBER, FeatureKind.INTEGER, FeatureKind.CATEGORY, FeatureKind.BOOLEAN]
    v2 = from_v2_metadata({"name": "m", "inputs": [
        {"name": "x", "datatype": "FP64", "shape": [-1], "parameters": {"description": "an x"}},
        {"name": "c", "datatype": "BYTES", "shape": [-1]}]})
    merged = resolve([v2, inferred])
    assert merged.source == "v2-metadata"
    assert merged.feature("x").description == "an x"
    assert merged.feature("c").kind == FeatureKind.CATEGORY and merged.feature("c").categories == ("a", "b")
    assert resolve([]).is_empty


def test_metadata_without_a_form_gives_way_to_the_catalogs_schema(tmp_path):
    import json

    from mds_client import MDSClient, ModelRef

    meta = {"name": "seq", "inputs": [{"name": "tokens", "datatype": "INT64", "shape": [-1, -1]}]}
    bare = ModelRef("seq", "v2", "http://127.0.0.1:9")
    with pytest.raises(SchemaError, match=r"tokens shape.*variable dimension"):
        MDSClient().schema(bare, metadata=meta)
    declared = tmp_path / "schema.json"
    declared.write_text(json.dumps({"requests": [{"name": "tokens", "type": "TENSOR", "shape": [16]}]}))
    schema = MDSClient().schema(ModelRef("seq", "v2", "http://127.0.0.1:9", schema_path=declared), metadata=meta)
    assert schema.features[0].shape == (16,) and len(schema.table_columns()) == 16
