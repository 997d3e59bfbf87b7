"""An MLflow model folder loaded and tried before anything is published, where it will be served.

The app's environment has no MLflow: ``check_folder`` writes the folder (and the reference rows) to a temporary
directory and runs ``embedded_mds.served.mlflow_check`` with the model server's python (.venvs/mlserver, with
mlserver-mlflow and the same MLflow as .venvs/mlflow), within ``CHECK_TIMEOUT_S``. Only there does a check prove the
version loads when served: the two environments differ (numpy 1.26 beside MLServer, 2.x beside MLflow's server),
and a custom pyfunc pickled with numpy 2 arrays loads in one and not the other. The
folder must load with ``mlflow.pyfunc.load_model`` and answer its reference rows, else its input example; what it
answered decides the outputs the form shows (``output_entries``).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from embedded_mds.layout import mlserver_python
from embedded_mds.model_schema import classifier_outputs
from embedded_mds.server_specs import server_env
from workbench.publish.errors import PublishError
from workbench.publish.mlflow_folder import TENSOR_TYPES, MlflowFolder
from workbench.publish.model_file import CHECK_ROWS

CHECK_TIMEOUT_S = 180.0
"""Loading MLflow takes about 5 s here; a model may take longer to load, never minutes."""
CHECK_MODULE = "embedded_mds.served.mlflow_check"
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
"""The check answers a few hundred rows: one BLAS/OpenMP thread is enough, and leaves the other core to the models
that are answering meanwhile."""
CHECK_NICENESS = 10
"""The check's CPU priority below the model server's (importing MLflow alone is seconds of CPU): the models that
answer meanwhile keep their share of the cores (bench/publish_first_answer.py measures it)."""
STAGES = {"load": "could not be loaded with mlflow.pyfunc.load_model",
          "reference": "could not read its reference rows",
          "predict": "failed on its {source}"}
SOURCES = {"reference": "reference rows", "input_example": "input example"}
NUMPY_2 = "numpy._core"
"""What an unpickling error names when the pickle was written by numpy 2 and is read by numpy 1.x."""
NUMPY_HINT = ("It was pickled with numpy 2, and the model server has numpy 1.26: save it where numpy<2, or keep "
              "arrays out of the pickled model (load them from an artifact in load_context).")


@dataclass(frozen=True)
class CheckedFolder:
    """What the MLflow model answered when it was tried."""

    loader: str
    """The flavor module that loaded it (``mlflow.sklearn``, ``mlflow.pyfunc.model``)."""
    model: str
    """The class of the model inside, for people (``Pipeline``, ``GradeModel``); may be empty."""
    classes: tuple[Any, ...]
    rows: int
    source: str | None
    """``reference``, ``input_example``, or None when there was nothing to answer (only loaded)."""
    predictions: Any
    output: dict[str, Any]
    """What the answer was: ``type`` array (``dtype``, ``shape``), frame or dict (``columns``, ``dtypes``)."""
    proba: bool = False
    """The classifier inside also answered each class's probability, agreeing with its classes: both are served."""


def check_folder(folder: MlflowFolder, reference: pd.DataFrame | None, *, python: Path | None = None,
                 timeout: float = CHECK_TIMEOUT_S) -> CheckedFolder:
    """Load ``folder`` with MLflow and have it answer; a ``PublishError`` with the model's own error otherwise."""
    python = python or mlserver_python()
    if not python.exists():
        raise PublishError(f"The model server's environment is missing ({python}), so {folder.source} cannot be "
                           "checked.", hint="Create it with 'make setup'.")
    with tempfile.TemporaryDirectory(prefix="mds-mlflow-check-") as scratch:
        root = Path(scratch) / "model"
        for relative, data in folder.files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(data)
        argv = [str(python), "-m", CHECK_MODULE, str(root), "--rows", str(CHECK_ROWS), "--nice", str(CHECK_NICENESS)]
        if reference is not None:
            reference.head(CHECK_ROWS).to_csv(Path(scratch) / "reference.csv", index=False)
            argv.insert(4, str(Path(scratch) / "reference.csv"))
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env={**server_env(), **ONE_THREAD},
                                  cwd=scratch, check=False)
        except subprocess.TimeoutExpired:
            raise PublishError(f"{folder.source} did not load and answer within {timeout:.0f} s.",
                               hint="Check that the model loads quickly with mlflow.pyfunc.load_model.") from None
    result = _last_json(done.stdout)
    if result is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PublishError(f"{folder.source} could not be checked in the model server's environment "
                           f"(exit {done.returncode}): {' '.join(tail) or 'no output'}",
                           hint="The model server's environment may be broken: 'make setup'.")
    if not result.get("ok"):
        error = result.get("error") or {}
        stage = STAGES.get(str(result.get("stage")), "failed").format(
            source=SOURCES["reference" if reference is not None else "input_example"])
        message = str(error.get("message", ""))
        hint = NUMPY_HINT if NUMPY_2 in message else \
            ("Check that it loads and predicts with mlflow.pyfunc.load_model(path).predict(rows)"
             + (" on these reference rows." if reference is not None else "."))
        raise PublishError(f"{folder.source} {stage}: {error.get('type', 'Error')}: {message}", hint=hint)
    return CheckedFolder(loader=str(result.get("loader") or ""), model=str(result.get("model") or ""),
                         classes=tuple(result.get("classes") or ()), rows=int(result.get("rows") or 0),
                         source=result.get("source"), predictions=result.get("predictions"),
                         output=dict(result.get("output") or {}), proba=bool(result.get("proba")))


def output_entries(checked: CheckedFolder, signature_outputs: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The V2 outputs of the served model in the schema convention, from its answer (else from its signature)."""
    output = checked.output
    if output.get("type") == "array":
        shape = output.get("shape") or []
        dtype = str(output.get("dtype") or "")
        if len(shape) <= 1 or (len(shape) == 2 and shape[1] == 1):
            if checked.proba and checked.classes:  # the class and how sure, as a pickled classifier answers
                return classifier_outputs(list(checked.classes), [str(c) for c in checked.classes])
            return [_single(dtype, checked.classes)]
        kind = "proba" if dtype.startswith("float") and len(checked.classes) == shape[1] else "tensor"
        params: dict[str, Any] = {"kind": kind}
        if kind == "proba":
            params["class_names"] = [str(c) for c in checked.classes]
        return [{"name": "predict", "datatype": _datatype(dtype), "shape": [-1, *shape[1:]], "parameters": params}]
    if output.get("type") in ("frame", "dict"):
        return [{**_single(dtype, ()), "name": name}
                for name, dtype in zip(output.get("columns") or [], output.get("dtypes") or [], strict=False)]
    return _from_signature(signature_outputs, checked.classes)


def _single(dtype: str, classes: tuple[Any, ...]) -> dict[str, Any]:
    if classes:
        return classifier_outputs(list(classes), [str(c) for c in classes])[0]
    datatype = _datatype(dtype)
    kind = "value" if datatype.startswith("FP") else "label"
    return {"name": "predict", "datatype": datatype, "shape": [-1, 1], "parameters": {"kind": kind}}


def _from_signature(outputs: list[dict[str, Any]] | None, classes: tuple[Any, ...]) -> list[dict[str, Any]]:
    if not outputs:
        return []
    if len(outputs) == 1 and not outputs[0].get("name"):
        spec = outputs[0]
        dtype = (spec.get("tensor-spec") or {}).get("dtype") if spec.get("type") == "tensor" else spec.get("type")
        return [_single(_SIGNATURE_DTYPES.get(str(dtype), str(dtype)), classes)]
    return [{**_single(_SIGNATURE_DTYPES.get(str(s.get("type")), ""), ()), "name": str(s.get("name") or f"output-{i}")}
            for i, s in enumerate(outputs)]


_SIGNATURE_DTYPES = {"double": "float64", "float": "float32", "long": "int64", "integer": "int32",
                     "boolean": "bool", "string": "object", "str": "object"}


def _datatype(dtype: str) -> str:
    return TENSOR_TYPES.get(dtype, "BYTES")  # strings (<U8, object) travel as BYTES


def _last_json(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.strip().splitlines()):
        try:
            found = json.loads(line)
        except ValueError:
            continue
        return found if isinstance(found, dict) else None
    return None
