"""A linear classifier as a Triton Python-backend model: the embedded MDS's Triton demo model.

``embedded_mds.triton_demo`` copies this file to ``<home>/triton/models/<name>/1/model.py`` with ``classifier.json``
beside it (the input columns with their scaling, the coefficients, the class names). It runs inside tritonserver's
Python backend stub (``.venvs/triton``: numpy and ``triton_python_backend_utils``, nothing of this repository).
Triton's usual layout: one FP32 input per column, ``dims: [1]`` with a batch dimension (``[n, 1]`` on the wire);
it answers ``probabilities`` (FP32 ``[n, K]``, classes in ``classifier.json`` order) and its own ``label`` (BYTES
``[n, 1]``, the class of the largest probability).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import triton_python_backend_utils as pb_utils

SPEC_FILE = "classifier.json"


class TritonPythonModel:
    def initialize(self, args: dict) -> None:
        spec = json.loads((Path(args["model_repository"]) / args["model_version"] / SPEC_FILE).read_text())
        self.columns = [column["name"] for column in spec["inputs"]]
        self.mean = np.array([column["mean"] for column in spec["inputs"]], dtype=np.float64)
        self.scale = np.array([column["scale"] for column in spec["inputs"]], dtype=np.float64)
        self.coef = np.array(spec["coef"], dtype=np.float64).T  # [columns, classes]
        self.intercept = np.array(spec["intercept"], dtype=np.float64)
        self.classes = np.array([name.encode() for name in spec["classes"]], dtype=np.object_)

    def execute(self, requests: list) -> list:
        responses = []
        for request in requests:
            columns = [pb_utils.get_input_tensor_by_name(request, name).as_numpy().reshape(-1, 1)
                       for name in self.columns]
            x = (np.concatenate(columns, axis=1).astype(np.float64) - self.mean) / self.scale
            logits = x @ self.coef + self.intercept
            weights = np.exp(logits - logits.max(axis=1, keepdims=True))
            probabilities = weights / weights.sum(axis=1, keepdims=True)
            label = self.classes[probabilities.argmax(axis=1)].reshape(-1, 1)
            responses.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("probabilities", probabilities.astype(np.float32)),
                pb_utils.Tensor("label", label),
            ]))
        return responses
