"""A Seldon template as it is handed in (a .py, a folder, a .zip) and what its answer says, without any server:
which uploads are templates, which .py is imported, what the workbench serves and reads from its answer."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from mds_client.schema import Output, from_reference
from workbench.publish import PublishError
from workbench.publish.template_files import folder_upload, is_template, read_template
from workbench.publish.template_model import CheckedTemplate, answer_outputs, prediction_schema, served_metadata

PREDICTS = b"class Grader:\n    def predict(self, X, features_names):\n        return X\n"
HELPER = b"def clean(x):\n    return x\n"


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "file_name", "expected"), [
    (PREDICTS, "grader.py", True),
    (zipped({"grader.py": PREDICTS, "model.joblib": b"\x80"}), "grader.zip", True),
    (zipped({"grader/grader.py": PREDICTS, "grader/model.joblib": b"\x80"}), "grader.zip", True),
    (zipped({"MLmodel": b"flavors: {}", "code.py": HELPER}), "model.zip", False),  # an MLflow model folder
    (zipped({"weights/model.joblib": b"\x80"}), "model.zip", False),
    (b"not a zip", "grader.zip", False),
    (b"\x80\x04", "model.joblib", False),
])
def test_which_uploads_are_templates(data, file_name, expected):
    assert is_template(data, file_name) is expected


def test_a_zip_under_one_folder_is_unpacked_without_it_and_litter_is_left_out():
    bundle = read_template(zipped({"grader/grader.py": PREDICTS, "grader/artifacts/model.joblib": b"\x80",
                                   "grader/__pycache__/grader.cpython-311.pyc": b"", "grader/.DS_Store": b"",
                                   "__MACOSX/grader/._grader.py": b""}), "grader.zip")
    assert (bundle.module, sorted(bundle.files)) == ("grader", ["artifacts/model.joblib", "grader.py"])


@pytest.mark.parametrize(("files", "class_name", "module"), [
    ({"helpers.py": HELPER, "grader.py": PREDICTS}, "", "grader"),  # the one with a class with predict
    ({"grader.py": PREDICTS, "other.py": PREDICTS.replace(b"Grader", b"Other")}, "Other", "other"),
])
def test_the_module_is_the_one_defining_the_class(files, class_name, module):
    assert read_template(zipped(files), "t.zip", class_name).module == module


@pytest.mark.parametrize(("data", "file_name", "said"), [
    (zipped({"a.py": PREDICTS, "b.py": PREDICTS}), "t.zip", r"Several files of t.zip define a class with predict: "
                                                            r"a.py \(Grader\); b.py \(Grader\)"),
    (zipped({"a.py": HELPER, "b.py": HELPER}), "t.zip", "No .py file at the top of t.zip defines a class with a "
                                                        "predict method"),
    (zipped({"a.py": PREDICTS, "b.py": b"def broken(:\n"}), "t.zip", "b.py has a syntax error at line 1: "),
    (zipped({"../grader.py": PREDICTS}), "t.zip", r"holds a path outside its folder \(../grader.py\)"),
    (zipped({"model.joblib": b"\x80"}), "t.zip", "t.zip has no .py file at its top"),
    (PREDICTS, "my-model.py", r"Rename it to my_model.py"),
    (b"PK not really", "t.zip", "t.zip is not a .zip file"),
])
def test_what_cannot_be_a_template_is_named(data, file_name, said):
    with pytest.raises(PublishError, match=said):
        read_template(data, file_name)


def test_a_folder_is_packed_as_its_upload(tmp_path):
    folder = tmp_path / "grader"
    (folder / "artifacts").mkdir(parents=True)
    (folder / "grader.py").write_bytes(PREDICTS)
    (folder / "artifacts" / "model.joblib").write_bytes(b"\x80")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref")
    data, file_name = folder_upload(folder)
    assert file_name == "grader.zip"
    assert sorted(read_template(data, file_name).files) == ["artifacts/model.joblib", "grader.py"]
    (tmp_path / "mlflow").mkdir()
    (tmp_path / "mlflow" / "MLmodel").write_text("flavors: {}")
    (tmp_path / "mlflow" / "code.py").write_bytes(HELPER)
    assert folder_upload(tmp_path / "mlflow") is None  # an MLflow model folder is not a template
    assert folder_upload(folder / "grader.py") is None


@pytest.mark.parametrize(("data", "expected"), [
    ({"names": ["a", "b"], "ndarray": [[0.2, 0.8], [1.0, 0.0]]}, Output("probabilities", "proba", class_names=("a", "b"))),
    ({"ndarray": ["b", "a"]}, Output("prediction", "label", class_names=("a", "b"))),
    ({"ndarray": [1.5, 2.5]}, Output("prediction", "value")),
    ({"ndarray": [[1, 2, 3], [4, 5, 6]]}, Output("prediction", "tensor", shape=(3,))),
    ({"tensor": {"shape": [2, 1], "values": [0.5, 0.25]}}, Output("prediction", "value")),
])
def test_what_the_answer_holds(data, expected):
    assert answer_outputs({"data": data}, 2, "Grader") == (expected,)


@pytest.mark.parametrize(("response", "said"), [
    ({"data": {"ndarray": [0.1, 0.2, 0.3]}}, r"answered 2 reference rows with an array of shape \[3\]"),
    ({"jsonData": {"grade": "a"}}, "answered 2 reference rows with jsonData"),
])
def test_an_answer_that_is_not_one_per_row_is_refused(response, said):
    with pytest.raises(PublishError, match=said):
        answer_outputs(response, 2, "Grader")


def checked(outputs, init_metadata=None, metadata=None) -> CheckedTemplate:
    return CheckedTemplate(read_template(PREDICTS, "grader.py"), "Grader", outputs, (), init_metadata, metadata, {})


def test_served_metadata_fills_what_the_class_leaves_empty():
    proba = (Output("probabilities", "proba", class_names=("a", "b")),)
    served = served_metadata("m", "3", ["x", "y"], checked(proba, metadata={"platform": "lab"}))
    assert served == {"name": "m", "versions": ["3"], "platform": "lab",
                      "inputs": [{"messagetype": "ndarray", "schema": {"names": ["x", "y"], "shape": [2]}}],
                      "outputs": [{"messagetype": "ndarray", "schema": {"names": ["a", "b"], "shape": [2]}}]}
    own = served_metadata("m", "3", ["x", "y"], checked(proba, init_metadata={"name": "own", "inputs": [{"x": 1}]}))
    assert set(own) == {"versions", "platform", "outputs"}  # seldon-core lets MODEL_METADATA win: never over its own


def test_the_prediction_schema_keeps_kinds_and_descriptions():
    frame = pd.DataFrame({"variety": ["cox", "gala"], "age": [3, 4], "rain": [1.5, 2.5], "organic": [True, False]})
    doc = prediction_schema(from_reference(frame), checked((Output("probabilities", "proba", class_names=("a", "b")),)),
                            {"rain": "Rain over the season."})
    assert [(r["name"], r["type"], r["data_type"]) for r in doc["requests"]] == [
        ("variety", "CATEGORICAL", "STRING"), ("age", "REAL", "INT"), ("rain", "REAL", "FLOAT"),
        ("organic", "CATEGORICAL", "STRING")]
    assert doc["requests"][2]["description"] == "Rain over the season."
    assert doc["responses"] == [{"name": "probabilities", "type": "PROBA", "data_type": "FLOAT",
                                 "schema": [{"name": "a"}, {"name": "b"}]}]
