"""A published version's files as an MLflow model folder: ``MLmodel`` with its signature, the pickled model,
its input example. Written without MLflow (which cannot share the app's environment), in the format
``mlflow.pyfunc.load_model`` reads, so that the registry's copy of a version is an MLflow model like any other.
"""

from __future__ import annotations

import json
import pickle
import platform
from importlib.metadata import version
from typing import Any

import pandas as pd
import yaml

from mds_client import ModelSchema
from mds_client.schema import FeatureKind
from workbench.publish.model_file import CheckedModel

# MLflow's ColSpec types for our feature kinds.
COLUMN_TYPES = {FeatureKind.NUMBER: "double", FeatureKind.INTEGER: "long", FeatureKind.BOOLEAN: "boolean",
                FeatureKind.CATEGORY: "string", FeatureKind.TEXT: "string"}


def signature(schema: ModelSchema, checked: CheckedModel) -> dict[str, str]:
    """MLflow's signature of the model: one column per feature in, one tensor of answers out."""
    inputs = [{"type": COLUMN_TYPES.get(f.kind, "string"), "name": f.name, "required": True}
              for f in schema.features]
    answer = checked.predictions[0] if checked.predictions else 0.0
    dtype = "str" if isinstance(answer, str) else "int64" if isinstance(answer, int) else "float64"
    outputs = [{"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": [-1]}}]
    return {"inputs": json.dumps(inputs), "outputs": json.dumps(outputs), "params": None}


def mlflow_files(schema: ModelSchema, checked: CheckedModel, example: pd.DataFrame) -> dict[str, bytes]:
    """The files of the model folder, by name."""
    mlmodel: dict[str, Any] = {
        "flavors": {
            "python_function": {"loader_module": "mlflow.sklearn", "model_path": "model.pkl",
                                "predict_fn": "predict", "python_version": platform.python_version()},
            "sklearn": {"pickled_model": "model.pkl", "serialization_format": "pickle",
                        "sklearn_version": version("scikit-learn"), "code": None},
        },
        "signature": signature(schema, checked),
        "saved_input_example_info": {"artifact_path": "input_example.json", "type": "dataframe",
                                     "pandas_orient": "split"},
    }
    split = json.loads(example.to_json(orient="split", index=False))
    return {
        "MLmodel": yaml.safe_dump(mlmodel, sort_keys=False).encode(),
        "model.pkl": pickle.dumps(checked.estimator, protocol=pickle.HIGHEST_PROTOCOL),
        "input_example.json": json.dumps(split).encode(),
        "requirements.txt": f"scikit-learn=={version('scikit-learn')}\n".encode(),
    }
