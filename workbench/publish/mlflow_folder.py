"""An MLflow model folder as it is handed in (a folder for ``mds publish``, a .zip of one from the Publish page), read
without MLflow: its files, its ``MLmodel`` (flavors, signature, input example) and the form's inputs.

The signature decides the inputs: each ColSpec column is one input of its type (``required`` kept), a single
TensorSpec is one tensor input, or one number per column when it is a plain ``[-1, k]`` matrix. Reference rows, when
given, add what a signature cannot say: the categories of a string column and the range seen of a number. The input
example gives each input its default, and becomes the model's sample rows. With no signature the reference rows make
the inputs (``from_reference``); with neither, the example's columns do, or nothing does: the folder is still
published, with a warning.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import yaml

from mds_client.errors import SchemaError
from mds_client.schema import Feature, FeatureKind, ModelSchema, from_reference
from mds_client.schema import mlflow_signature as signatures
from workbench.publish.errors import PublishError
from workbench.publish.template_files import zip_folder

MLMODEL = "MLmodel"
MAX_MODEL_BYTES = 512 * 1024 * 1024
"""A model folder's files together, packed or unpacked (as for a model file: ``model_file.MAX_MODEL_BYTES``)."""
PYFUNC = "python_function"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SKIPPED = ("__MACOSX", ".DS_Store")
TENSOR_TYPES = signatures.TENSOR_TYPES
"""numpy dtypes of TensorSpecs, as V2 datatypes (``mds_client.schema.mlflow_signature``)."""


@dataclass(frozen=True)
class MlflowFolder:
    """An MLflow model folder's files and what its MLmodel says."""

    files: dict[str, bytes]
    """Every file by its path relative to the folder (``MLmodel``, ``model.pkl``, ``code/helpers.py``)."""
    source: str
    """What was handed in (``grader/``, ``grader.zip``), for messages."""
    mlmodel: dict[str, Any] = field(default_factory=dict)

    @property
    def flavors(self) -> tuple[str, ...]:
        flavors = self.mlmodel.get("flavors")
        return tuple(flavors) if isinstance(flavors, dict) else ()

    @property
    def flavor(self) -> str:
        """The flavor people know the model by (``sklearn``, ``xgboost``), else ``python_function``."""
        return next((f for f in self.flavors if f != PYFUNC), PYFUNC)

    @property
    def inputs(self) -> list[dict[str, Any]] | None:
        """The signature's inputs (ColSpec or TensorSpec entries), None when the MLmodel has no signature."""
        return _signature_part(self.mlmodel, "inputs", self.source)

    @property
    def outputs(self) -> list[dict[str, Any]] | None:
        return _signature_part(self.mlmodel, "outputs", self.source)

    @property
    def params(self) -> list[dict[str, Any]]:
        """The signature's params (name, type, default): the served model uses their defaults."""
        return _signature_part(self.mlmodel, "params", self.source) or []

    def example(self) -> pd.DataFrame | None:
        """The input example as rows (a DataFrame example, or a 2-D array one), None when there is none."""
        path = signatures.example_path(self.mlmodel)
        return signatures.example_frame(self.files.get(path) if path else None)


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def is_mlflow_upload(data: bytes, file_name: str) -> bool:
    """A .zip holding an ``MLmodel`` file (at its top or in one folder): an MLflow model folder."""
    if not is_zip(data):
        return False
    try:
        return _root(_names(data, file_name)) is not None
    except PublishError:
        return False


def mlflow_upload(path: Path) -> tuple[bytes, str] | None:
    """A folder with an ``MLmodel`` file, packed as the Publish page's upload is: its .zip bytes and name; None for
    anything else."""
    if not path.is_dir() or not (path / MLMODEL).is_file():
        return None
    return zip_folder(path), f"{path.resolve().name}.zip"


def read_folder(data: bytes, file_name: str) -> MlflowFolder:
    """The folder in a .zip, its MLmodel read; a ``PublishError`` saying what is missing or wrong."""
    if len(data) > MAX_MODEL_BYTES:
        raise PublishError(f"{file_name} is {len(data) / 1e6:,.0f} MB; a published model may be at most "
                           f"{MAX_MODEL_BYTES / 1e6:,.0f} MB.", hint="Publish a smaller model, or serve it yourself.")
    names = _names(data, file_name)
    root = _root(names)
    if root is None:
        raise PublishError(f"{file_name} has no MLmodel file, so it is not an MLflow model folder.",
                           hint="Save the model with mlflow.<flavor>.save_model(model, path) and publish that folder "
                                "(or a .zip of it).")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {PurePosixPath(*PurePosixPath(n).parts[len(root.parts):]).as_posix(): archive.read(n)
                 for n in names if PurePosixPath(n).parts[:len(root.parts)] == root.parts}
    try:
        mlmodel = yaml.safe_load(files[MLMODEL])
    except yaml.YAMLError as exc:
        raise PublishError(f"The MLmodel file of {file_name} is not YAML: {exc}",
                           hint="Publish the folder MLflow wrote, unchanged.") from None
    folder = MlflowFolder(files, file_name, mlmodel if isinstance(mlmodel, dict) else {})
    if PYFUNC not in folder.flavors:
        raise PublishError(f"{file_name} has no python_function flavor (flavors: {', '.join(folder.flavors) or 'none'}),"
                           " so MLServer's MLflow runtime cannot serve it.",
                           hint="Save it with a flavor that MLflow can load as pyfunc (sklearn, xgboost, "
                                "mlflow.pyfunc.save_model...).")
    return folder


def upload_form(data: bytes, file_name: str, reference: pd.DataFrame | None) -> tuple[ModelSchema, list[str]] | None:
    """The form an upload will get when it is an MLflow model folder, with the warnings (None for other uploads);
    a ``PublishError`` when the folder cannot be published."""
    if not is_mlflow_upload(data, file_name):
        return None
    return form_schema(read_folder(data, file_name), reference)


def form_origin(schema: ModelSchema, reference: pd.DataFrame | None) -> str:
    """Where the form's inputs come from, for people."""
    rows = f"{len(reference)} reference rows" if reference is not None else ""
    origin = {"mlflow-signature": "the MLmodel's signature" + (f" (categories and ranges from {rows})" if rows else ""),
              "reference-data": f"{rows} (the MLmodel has no signature)", "input-example": "the input example"}
    return f"{len(schema.features)} inputs from {origin.get(schema.source, 'nothing the folder says')}"


def form_schema(folder: MlflowFolder, reference: pd.DataFrame | None) -> tuple[ModelSchema, list[str]]:
    """The inputs the form will have (no outputs yet), and warnings for the publisher."""
    example = folder.example()
    observed = from_reference(reference) if reference is not None else None
    specs = folder.inputs
    warnings: list[str] = []
    if specs:
        features = _signature_features(specs, folder.source, reference, example)
        source = "mlflow-signature"
    elif observed is not None:
        features, source = list(observed.features), "reference-data"
    elif example is not None:
        features, source = [replace(f, minimum=None, maximum=None, categories=(),
                                    kind=FeatureKind.TEXT if f.kind == FeatureKind.CATEGORY else f.kind)
                            for f in from_reference(example).features], "input-example"
        warnings.append(f"{folder.source} has no signature and no reference rows were given: the form's inputs are "
                        "guessed from the input example's columns, with no ranges or categories.")
    else:
        features, source = [], "none"
        warnings.append(f"{folder.source} has no signature and no input example, and no reference rows were given: "
                        "the form will have no inputs. Save the model with a signature, or give reference rows.")
    if observed is not None and source == "mlflow-signature":
        features = [_observed(f, observed.feature_or_none(f.name)) for f in features]
    features = [signatures.with_default(f, example) for f in features]
    return ModelSchema(tuple(features), (), source=source), warnings


def _signature_features(specs: list[dict[str, Any]], source: str, reference: pd.DataFrame | None,
                        example: pd.DataFrame | None) -> list[Feature]:
    try:
        return signatures.signature_features(specs, source, reference=reference, example=example)
    except SchemaError as exc:
        raise PublishError(exc.message, hint=signatures.TYPES_HINT) from None


def _observed(feature: Feature, seen: Feature | None) -> Feature:
    """The signature's feature with what the reference rows show: categories of text, the range of a number."""
    if seen is None:
        return feature
    if feature.kind == FeatureKind.TEXT and seen.kind == FeatureKind.CATEGORY:
        return replace(feature, kind=FeatureKind.CATEGORY, categories=seen.categories)
    if feature.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) and seen.minimum is not None:
        return replace(feature, minimum=seen.minimum, maximum=seen.maximum, bounds_declared=False)
    return feature


def _signature_part(mlmodel: dict[str, Any], part: str, source: str) -> list[dict[str, Any]] | None:
    try:
        return signatures.signature_part(mlmodel, part, source)
    except SchemaError as exc:
        raise PublishError(exc.message, hint="Publish the folder MLflow wrote, unchanged.") from None


def _names(data: bytes, file_name: str) -> list[str]:
    """The files in the .zip (folders and macOS litter left out); a ``PublishError`` for what cannot be unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PublishError(f"{file_name} is not a .zip file.", hint="Pack the model folder with 'zip -r'.") from None
    with archive:
        infos = [i for i in archive.infolist()
                 if not i.is_dir() and not any(p in SKIPPED for p in PurePosixPath(i.filename).parts)]
    if sum(i.file_size for i in infos) > MAX_MODEL_BYTES:
        raise PublishError(f"{file_name} unpacks into more than {MAX_MODEL_BYTES / 1e6:,.0f} MB.",
                           hint="Publish a smaller model, or serve it yourself.")
    for info in infos:
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts:
            raise PublishError(f"{file_name} holds a path outside its folder ({info.filename}).",
                               hint="Pack the folder with paths relative to it.")
    return [i.filename for i in infos]


def _root(names: list[str]) -> PurePosixPath | None:
    """The folder holding the MLmodel file: the .zip's top, or the shallowest folder with one."""
    found = sorted((PurePosixPath(n) for n in names if PurePosixPath(n).name == MLMODEL), key=lambda p: len(p.parts))
    return found[0].parent if found else None
