"""Seldon Core v1 messages: SeldonMessage, its data forms, and Feedback."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude_unset=True, by_alias=True)


class Tensor(_Wire):
    shape: list[int]
    values: list[Any]


class DefaultData(_Wire):
    names: list[str] | None = None
    ndarray: Any = None
    tensor: Tensor | None = None


class Status(_Wire):
    code: int | None = None
    info: str | None = None
    reason: str | None = None
    status: Any = None


class Meta(_Wire):
    puid: str | None = None
    tags: dict[str, Any] | None = None
    routing: dict[str, Any] | None = None
    requestPath: dict[str, Any] | None = None  # noqa: N815 - the wire's spelling
    metrics: list[Any] | None = None


class SeldonMessage(_Wire):
    status: Status | None = None
    meta: Meta | None = None
    data: DefaultData | None = None
    bin_data: str | None = Field(default=None, alias="binData")
    str_data: str | None = Field(default=None, alias="strData")
    json_data: Any = Field(default=None, alias="jsonData")


class Feedback(_Wire):
    request: SeldonMessage | None = None
    response: SeldonMessage | None = None
    reward: float | None = None
    truth: SeldonMessage | None = None
