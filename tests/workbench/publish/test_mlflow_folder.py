"""An MLflow model folder read without MLflow: what is refused, the form its signature makes, the outputs its answer
declares. No server: the folders are written here as MLflow writes them (MLmodel YAML, input_example.json)."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest
import yaml

from mds_client.schema import FeatureKind
from workbench.publish.errors import PublishError
from workbench.publish.mlflow_check import CheckedFolder, output_entries
from workbench.publish.mlflow_folder import form_schema, is_mlflow_upload, read_folder

COLUMNS = [{"type": "string", "name": "variety", "required": True}, {"type": "long", "name": "age_years"},
           {"type": "double", "name": "rainfall_mm", "required": False}]
EXAMPLE = {"columns": ["variety", "age_years", "rainfall_mm"], "data": [["cox", 12, 640.5], ["gala", 3, 702.0]]}
REFERENCE = pd.DataFrame({"variety": ["bramley", "cox", "gala", "cox"], "age_years": [1, 5, 39, 7],
                          "rainfall_mm": [333.0, 700.0, 1049.7, 512.5]})


def mlmodel(inputs=None, outputs=None, flavors=("python_function", "sklearn"), example=True) -> dict:
    doc = {"flavors": {f: {"loader_module": "mlflow.sklearn"} if f == "python_function" else {} for f in flavors}}
    if inputs is not None:
        doc["signature"] = {"inputs": json.dumps(inputs), "outputs": json.dumps(outputs) if outputs else None,
                            "params": None}
    if example:
        doc["saved_input_example_info"] = {"artifact_path": "input_example.json", "type": "dataframe",
                                           "pandas_orient": "split"}
    return doc


def packed(files: dict[str, bytes | str | dict], root: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            if isinstance(data, dict):
                data = yaml.safe_dump(data) if name.endswith("MLmodel") else json.dumps(data)
            archive.writestr(f"{root}{name}", data)
    return buffer.getvalue()


def folder(doc: dict, example: dict | None = EXAMPLE, root: str = ""):
    files = {"MLmodel": doc, "model.pkl": b"weights"}
    if example is not None:
        files["input_example.json"] = example
    return read_folder(packed(files, root), "grade.zip")


@pytest.mark.parametrize(("data", "said"), [
    (packed({"model.pkl": b"weights"}, "grade/"), "grade.zip has no MLmodel file, so it is not an MLflow model folder"),
    (packed({"MLmodel": mlmodel(flavors=("onnx",))}), r"has no python_function flavor \(flavors: onnx\)"),
    (packed({"MLmodel": b"flavors: [unclosed"}), "The MLmodel file of grade.zip is not YAML"),
    (packed({"../MLmodel": mlmodel()}), r"holds a path outside its folder \(../MLmodel\)"),
    (b"PK\x03\x04 not really a zip", "grade.zip is not a .zip file"),
])
def test_a_folder_that_cannot_be_served_is_refused_with_what_it_lacks(data, said):
    with pytest.raises(PublishError, match=said):
        read_folder(data, "grade.zip")


def test_the_folder_is_found_at_the_top_or_in_one_folder_of_the_zip():
    nested = folder(mlmodel(COLUMNS), root="grade/")
    assert set(nested.files) == {"MLmodel", "model.pkl", "input_example.json"}
    assert (nested.flavor, nested.flavors) == ("sklearn", ("python_function", "sklearn"))
    assert is_mlflow_upload(packed({"MLmodel": mlmodel()}, "grade/"), "grade.zip")
    assert not is_mlflow_upload(packed({"grader.py": b"class Grader: ..."}), "grader.zip")
    assert not is_mlflow_upload(b"\x80\x04pickle", "model.pkl")


def test_the_signature_makes_the_inputs_the_reference_rows_their_categories_and_ranges_the_example_their_defaults():
    schema, warnings = form_schema(folder(mlmodel(COLUMNS)), REFERENCE)
    assert warnings == [] and schema.source == "mlflow-signature"
    variety, age, rain = schema.features
    assert (variety.kind, variety.categories, variety.default) == (FeatureKind.CATEGORY, ("bramley", "cox", "gala"),
                                                                    "cox")
    assert (age.kind, age.datatype, age.minimum, age.maximum, age.bounds_declared, age.default) == \
        (FeatureKind.INTEGER, "INT64", 1.0, 39.0, False, 12)
    assert (rain.kind, rain.datatype, rain.required, rain.default) == (FeatureKind.NUMBER, "FP64", False, 640.5)


def test_without_reference_rows_a_string_column_is_free_text():
    schema, _ = form_schema(folder(mlmodel(COLUMNS)), None)
    assert [(f.name, f.kind) for f in schema.features] == [
        ("variety", FeatureKind.TEXT), ("age_years", FeatureKind.INTEGER), ("rainfall_mm", FeatureKind.NUMBER)]


@pytest.mark.parametrize(("inputs", "names", "kind", "shape"), [
    ([{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}],
     ["a", "b", "c", "d"], FeatureKind.NUMBER, ()),
    ([{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 8, 8]}}], ["input-0"], FeatureKind.TENSOR,
     (8, 8)),
    ([{"type": "tensor", "name": "pixels", "tensor-spec": {"dtype": "uint8", "shape": [-1, 3]}}], ["pixels"],
     FeatureKind.TENSOR, (3,)),
])
def test_a_tensor_signature_is_one_number_per_column_of_a_matrix_or_one_tensor(inputs, names, kind, shape):
    reference = pd.DataFrame([[1.0, 2.0, 3.0, 4.0]], columns=["a", "b", "c", "d"])
    schema, _ = form_schema(folder(mlmodel(inputs), example=None), reference)
    assert [f.name for f in schema.features] == names
    assert {(f.kind, f.shape) for f in schema.features} == {(kind, shape)}


@pytest.mark.parametrize(("inputs", "said"), [
    ([{"type": "array", "items": {"type": "double"}, "name": "history"}], "Input 'history' of grade.zip is of MLflow "
                                                                          "type array"),
    ([{"type": "tensor", "name": "a", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}},
      {"type": "tensor", "name": "b", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}}], "takes 2 tensors"),
    ([{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, -1, 3]}}], "every size but the first"),
])
def test_inputs_the_form_cannot_send_are_refused(inputs, said):
    with pytest.raises(PublishError, match=said):
        form_schema(folder(mlmodel(inputs), example=None), None)


def test_with_neither_signature_nor_reference_the_form_comes_from_the_example_or_is_empty_with_a_warning():
    schema, warnings = form_schema(folder(mlmodel()), None)
    assert schema.source == "input-example" and [f.name for f in schema.features] == EXAMPLE["columns"]
    assert {f.kind for f in schema.features} == {FeatureKind.TEXT, FeatureKind.INTEGER, FeatureKind.NUMBER}
    assert "guessed from the input example" in warnings[0]
    schema, warnings = form_schema(folder(mlmodel(example=False), example=None), None)
    assert schema.is_empty and "the form will have no inputs" in warnings[0]
    schema, warnings = form_schema(folder(mlmodel(example=False), example=None), REFERENCE)
    assert schema.source == "reference-data" and warnings == []


def checked(output: dict, classes: tuple = ()) -> CheckedFolder:
    return CheckedFolder(loader="mlflow.sklearn", model="Pipeline", classes=classes, rows=3, source="reference",
                         predictions=None, output=output)


@pytest.mark.parametrize(("output", "classes", "signature", "declared"), [
    ({"type": "array", "dtype": "<U8", "shape": [3]}, ("juice", "premium"), None,
     [("predict", "BYTES", "label", ["juice", "premium"])]),
    ({"type": "array", "dtype": "float64", "shape": [3]}, (), None, [("predict", "FP64", "value", None)]),
    ({"type": "array", "dtype": "int64", "shape": [3, 1]}, (), None, [("predict", "INT64", "label", None)]),
    ({"type": "array", "dtype": "float64", "shape": [3, 2]}, ("no", "yes"), None,
     [("predict", "FP64", "proba", ["no", "yes"])]),
    ({"type": "frame", "columns": ["grade", "tonnes"], "dtypes": ["object", "float64"]}, (), None,
     [("grade", "BYTES", "label", None), ("tonnes", "FP64", "value", None)]),
    ({}, (), [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}],
     [("predict", "FP64", "value", None)]),
    ({}, (), [{"type": "string", "name": "grade"}, {"type": "double", "name": "tonnes"}],
     [("grade", "BYTES", "label", None), ("tonnes", "FP64", "value", None)]),
    ({}, (), None, []),
])
def test_the_outputs_declared_follow_what_the_model_answered_else_its_signature(output, classes, signature, declared):
    entries = output_entries(checked(output, classes), signature)
    assert [(e["name"], e["datatype"], e["parameters"]["kind"], e["parameters"].get("class_names"))
            for e in entries] == declared
