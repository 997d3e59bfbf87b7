"""Load an MLflow model folder and have it answer, inside MLflow's own environment (.venvs/mlflow).

    python -m embedded_mds.served.mlflow_check FOLDER [REFERENCE.csv] [--rows N] [--nice N]

The app's environment has no MLflow, so ``mds publish`` checks a model folder through this entry point before
anything is registered. It loads the folder with ``mlflow.pyfunc.load_model`` and predicts the first rows of
REFERENCE.csv (their columns brought to the signature's types, as the workbench's form sends them) or else the
folder's input example. It prints one JSON object as its last line of output:
``{"ok": true, "loader": ..., "model": ..., "rows": n, "source": "reference"|"input_example"|null,
"predictions": [...], "output": {...}, "classes": [...], "proba": bool}`` (``proba``: the model's class
probabilities answer those rows and agree with its classes, see mlflow_proba.py), or
``{"ok": false, "stage": "load"|"reference"|"predict", "error": {"type": ..., "message": ...}}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from typing import Any

import numpy as np
import pandas as pd

# The pandas dtype each ColSpec type arrives as from MLServer's pandas codec (the columns the form sends).
COLUMN_DTYPES = {"long": "int64", "integer": "int32", "double": "float64", "float": "float32", "boolean": "bool"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("reference", nargs="?")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--nice", type=int, default=0, help="lower this process's CPU priority by N first")
    args = parser.parse_args(argv)
    if args.nice:
        os.nice(args.nice)
    with contextlib.redirect_stdout(sys.stderr):  # MLflow's own prints must not mix with the answer
        result = check(args.folder, args.reference, args.rows)
    print(json.dumps(result, default=str))
    return 0


def check(folder: str, reference: str | None, rows: int) -> dict[str, Any]:
    stage = "load"
    try:
        # imported here so that a broken MLflow install is reported like any failure
        import mlflow.pyfunc

        from embedded_mds.served import mlflow_proba

        model = mlflow.pyfunc.load_model(folder)
        found: dict[str, Any] = {"ok": True, "loader": model.loader_module, "model": _model_name(model),
                                 "classes": _classes(model), "rows": 0, "source": None, "predictions": None}
        stage = "reference"
        data, source = _rows(model, folder, reference, rows)
        if data is None:
            return found
        stage = "predict"
        answer = model.predict(data)
        proba = _has_proba(mlflow_proba, model, data, answer)
    except Exception as exc:  # anything the researcher's model or data does wrong: its message is the answer
        return {"ok": False, "stage": stage, "error": {"type": type(exc).__name__, "message": str(exc)[:2000]}}
    predictions, output = _plain(answer)
    return {**found, "rows": _length(data), "source": source, "predictions": predictions, "output": output,
            "proba": proba}


def _has_proba(helpers: Any, model: Any, data: Any, answer: Any) -> bool:
    """A classifier's probabilities are served when they answer the checked rows and agree with its classes; a
    ``predict_proba`` that fails leaves the model answering its class alone, as before."""
    inner = helpers.probability_model(model)
    if inner is None or isinstance(answer, (pd.DataFrame, dict)):
        return False
    try:
        return helpers.agrees(helpers.probabilities(model, inner, data), helpers.class_names(inner), answer)
    except Exception:  # the class is still answered; its probabilities are not shown
        return False


def _rows(model: Any, folder: str, reference: str | None, rows: int) -> tuple[Any, str | None]:
    if reference:
        frame = pd.read_csv(reference).head(rows)
        return _as_signature(frame, model.metadata.get_input_schema()), "reference"
    example = model.metadata.load_input_example(folder)
    return (example, "input_example") if example is not None else (None, None)


def _as_signature(frame: pd.DataFrame, schema: Any) -> Any:
    """The reference rows as the served model receives them: ColSpec columns in their types, a tensor as an array."""
    if schema is None:
        return frame
    if schema.is_tensor_spec():
        if schema.has_input_names() and len(schema.inputs) > 1:
            return frame
        spec = schema.inputs[0]
        return frame.to_numpy(dtype=spec.type).reshape((len(frame), *[abs(d) for d in spec.shape[1:]]))
    out = frame.copy()
    for spec in schema.inputs:
        if spec.name not in out.columns:
            continue
        kind = str(spec.type)
        if kind == "string":
            out[spec.name] = out[spec.name].map(lambda v: v if pd.isna(v) else str(v))
        elif kind in COLUMN_DTYPES and out[spec.name].notna().all():
            out[spec.name] = out[spec.name].astype(COLUMN_DTYPES[kind])
    return out


def _model_name(model: Any) -> str:
    with contextlib.suppress(Exception):
        return type(model.get_raw_model()).__name__
    with contextlib.suppress(Exception):
        return type(model.unwrap_python_model()).__name__
    return ""


def _classes(model: Any) -> list[Any]:
    for unwrap in ("get_raw_model", "unwrap_python_model"):
        with contextlib.suppress(Exception):
            found = getattr(getattr(model, unwrap)(), "classes_", None)
            if found is not None:
                return np.asarray(found).reshape(-1).tolist()
    return []


def _length(data: Any) -> int:
    with contextlib.suppress(TypeError):
        return len(data)
    return 1


def _plain(answer: Any) -> tuple[Any, dict[str, Any]]:
    """The model's answer as JSON values, and what it was (array, frame or dict; dtype, shape, columns)."""
    if isinstance(answer, pd.DataFrame):
        return answer.to_numpy().tolist(), {"type": "frame", "columns": [str(c) for c in answer.columns],
                                            "dtypes": [str(d) for d in answer.dtypes]}
    if isinstance(answer, dict):
        arrays = {str(k): np.asarray(v) for k, v in answer.items()}
        return ({k: v.tolist() for k, v in arrays.items()},
                {"type": "dict", "columns": list(arrays), "dtypes": [str(v.dtype) for v in arrays.values()]})
    array = np.asarray(answer)
    return array.tolist(), {"type": "array", "dtype": str(array.dtype), "shape": list(array.shape)}


if __name__ == "__main__":
    sys.exit(main())
