"""MLServer runtime that answers every request input as an output (test only).

Each output keeps the input's name, datatype, shape, data and parameters, so tests can round-trip
one dtype at a time through a real MLServer and see exactly what the codecs put on the wire.
"""

from __future__ import annotations

from mlserver import MLModel
from mlserver.types import InferenceRequest, InferenceResponse, Parameters, ResponseOutput


class EchoRuntime(MLModel):
    async def load(self) -> bool:
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        outputs = [
            ResponseOutput(
                name=tensor.name,
                datatype=tensor.datatype,
                shape=tensor.shape,
                data=tensor.data,
                parameters=tensor.parameters,
            )
            for tensor in payload.inputs
        ]
        return InferenceResponse(
            id=payload.id,
            model_name=self.name,
            model_version=self.version,
            parameters=request_parameters(payload),
            outputs=outputs,
        )


def request_parameters(payload: InferenceRequest) -> Parameters | None:
    """The request-level parameters minus ``headers``.

    MLServer puts the incoming HTTP headers into ``parameters.headers`` and writes a response's
    ``parameters.headers`` back as HTTP headers, so echoing them would send the request's
    Content-Length with the response (h11 rejects that).
    """
    if payload.parameters is None:
        return None
    values = payload.parameters.model_dump(exclude_none=True)
    values.pop("headers", None)
    return Parameters(**values)
