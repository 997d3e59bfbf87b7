"""The ``Explanation`` record every method returns (anchor, SHAP, image occlusion), as plain data.

It round-trips through ``to_dict`` / ``from_dict`` for the cache and ``mds explain --json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Explanation:
    kind: str
    """anchor | shap | occlusion"""
    model: str
    source: str
    """'explainer server <its name>' or 'computed in the workbench'"""
    target: str = ""
    """The class (or 'value') explained."""
    summary: str = ""
    anchor: list[str] = field(default_factory=list)
    precision: float | None = None
    coverage: float | None = None
    attributions: dict[str, float] = field(default_factory=dict)
    """Feature -> contribution to the explained output (SHAP)."""
    base_value: float | None = None
    feature_values: dict[str, str] = field(default_factory=dict)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    """The anchor as data: ``{"feature", "op", "value"}`` with op one of < <= > >= = (ranges are two)."""
    keeps: list[dict[str, Any]] = field(default_factory=list)
    """Example rows meeting the rule where the model gives the same answer."""
    breaks: list[dict[str, Any]] = field(default_factory=list)
    """Example rows meeting the rule where the model answers otherwise."""
    heatmap: list[list[float]] = field(default_factory=list)
    """Per pixel: how much hiding it lowers the explained probability (image models)."""
    image: list[list[float]] = field(default_factory=list)
    calls: int = 0
    """Requests made to the model (0 when answered from the cache)."""
    seconds: float = 0.0
    from_cache: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Explanation:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})

    @property
    def rule(self) -> str:
        """The anchor read aloud: IF a AND b THEN target."""
        if not self.anchor:
            return ""
        return "IF " + " AND ".join(self.anchor) + f" THEN {self.target}"
