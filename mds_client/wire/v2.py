"""Open Inference Protocol (V2) messages, as MLServer and Triton speak them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def dump(self) -> dict[str, Any]:
        # Unset and None fields stay off the wire so payloads stay what a person would write.
        return self.model_dump(exclude_none=True, exclude_unset=True, by_alias=True)


class Parameters(_Wire):
    content_type: str | None = None
    headers: dict[str, Any] | None = None


class RequestInput(_Wire):
    name: str
    shape: list[int]
    datatype: str
    parameters: Parameters | None = None
    data: Any


class RequestOutput(_Wire):
    name: str
    parameters: Parameters | None = None


class InferenceRequest(_Wire):
    id: str | None = None
    parameters: Parameters | None = None
    inputs: list[RequestInput]
    outputs: list[RequestOutput] | None = None


class ResponseOutput(_Wire):
    name: str
    shape: list[int]
    datatype: str
    parameters: Parameters | None = None
    data: Any


class InferenceResponse(_Wire):
    model_name: str
    model_version: str | None = None
    id: str | None = None
    parameters: Parameters | None = None
    outputs: list[ResponseOutput]


class MetadataTensor(_Wire):
    name: str
    datatype: str
    shape: list[int]
    parameters: dict[str, Any] | None = None


class MetadataModelResponse(_Wire):
    name: str
    versions: list[str] | None = None
    platform: str = ""
    inputs: list[MetadataTensor] | None = None
    outputs: list[MetadataTensor] | None = None
    parameters: dict[str, Any] | None = None


class RepositoryIndexItem(_Wire):
    name: str
    version: str | None = None
    state: str = "UNKNOWN"
    reason: str = ""


class ErrorResponse(_Wire):
    error: str | None = Field(default=None)
