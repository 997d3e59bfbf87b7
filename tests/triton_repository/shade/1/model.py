"""shade: pixels [n, 4]; class 0, 1 or 2 by the mean brightness."""

import numpy as np
import triton_python_backend_utils as pb_utils

CENTRES = np.array([0.0, 0.5, 1.0], dtype=np.float32)


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            mean = pb_utils.get_input_tensor_by_name(request, "pixels").as_numpy().astype(np.float32).mean(axis=1)
            weights = np.exp(-10.0 * (mean[:, None] - CENTRES[None, :]) ** 2)
            probabilities = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("probabilities", probabilities)]))
        return responses
