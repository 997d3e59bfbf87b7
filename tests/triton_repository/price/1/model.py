"""price: 50 per room and 2 per square metre; no batching, each request holds its rows as [n] vectors."""

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            rooms = pb_utils.get_input_tensor_by_name(request, "rooms").as_numpy()
            area = pb_utils.get_input_tensor_by_name(request, "area").as_numpy()
            price = (50.0 * rooms + 2.0 * area).astype(np.float32)
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("price", price)]))
        return responses
