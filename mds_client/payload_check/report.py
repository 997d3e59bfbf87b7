"""What the payload check says: typed findings and the report that gathers them.

A ``Finding`` names one problem (or note) with a JSON path into the payload, the field it is
about, what is wrong in plain words and what to change. A ``Report`` says which protocol the
payload speaks, every finding, the corrected payload for this model, the same rows in the other
protocol, and whether the model will accept the payload as it is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
PayloadKind = Literal["v2", "seldon", "records", "columns", "kserve-v1", "unknown"]
"""v2 and seldon are the two wire protocols; records / columns are bare JSON tables people paste."""


@dataclass(frozen=True)
class Finding:
    severity: Severity
    path: str
    """Where in the payload: a JSON path such as ``$.inputs[2].datatype`` ("$" for the whole payload)."""
    message: str
    """What is wrong (or worth knowing), in plain words, naming the field."""
    fix: str = ""
    """What to change."""
    field: str = ""
    """The model feature or protocol field it is about, when there is one."""

    def __str__(self) -> str:
        text = f"{self.severity}: {self.message}"
        return f"{text} {self.fix}" if self.fix else text


@dataclass
class Report:
    kind: PayloadKind
    """Which protocol (or bare table) the payload is."""
    model_protocol: str
    """The protocol the model speaks (its ModelRef's)."""
    findings: list[Finding] = field(default_factory=list)
    corrected: dict[str, Any] | None = None
    """The payload rewritten for this model's protocol and schema; None when no rows could be read."""
    converted: dict[str, Any] | None = None
    """The same rows in the other protocol (v2 <-> seldon)."""
    rows: int = 0
    server: str = ""
    """The server whose own rules were applied (``triton 2.51.0``), "" when it is unknown: then what one V2 server
    refuses and another takes is a warning."""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def accepted(self) -> bool:
        """Whether the model will take the payload exactly as it was given (warnings allowed)."""
        return not self.errors

    def advice(self) -> str:
        """Every error and warning, one per line: what a command line prints."""
        return "\n".join(str(f) for f in self.findings if f.severity != "info")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["accepted"] = self.accepted
        return out
