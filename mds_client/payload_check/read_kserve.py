"""Read a KServe V1 request (``{"instances": [...]}`` or ``{"inputs": [...]}``) into rows, noting every mistake.

An instance is a named object (``{"city": "lyon", "rooms": 3}``), a row of values in the model's feature
order (``[10.5, 3, "lyon", true]``), or one value for a one-feature model. KServe refuses a non-list
``instances`` itself (400 'Expected "instances" to be a list'); the rest reaches the model. Rows that
mix text and numbers are only a warning: a custom model may read them well, while KServe's own
runtimes turn such rows into one NumPy array of strings. A ``{"inputs": [...]}`` body that holds V2
inputs (objects with a datatype, shape or data) is V2's, not V1's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mds_client.codecs.kserve_v1 import is_v1_inputs, rows_key
from mds_client.payload_check.read_v1 import read_table
from mds_client.payload_check.report import Finding
from mds_client.schema.model import ModelSchema

__all__ = ["SKELETON", "cell_path", "form_of", "is_v1_inputs", "read_kserve_v1", "rows_key"]


def read_kserve_v1(doc: dict[str, Any], schema: ModelSchema, findings: list[Finding]) -> pd.DataFrame | None:
    key = rows_key(doc)
    where = f"$.{key}"
    instances = doc.get(key)
    if not isinstance(instances, list):
        findings.append(Finding("error", where, f"'{key}' must be a list, one instance per row (KServe refuses "
                                "anything else with HTTP 400).", f"Send {{\"{key}\": [{{...}}, ...]}}.", key))
        return None
    if not instances:
        findings.append(Finding("error", where, f"'{key}' is empty: there is nothing to score.",
                                "Send one instance per row.", key))
        return None
    if all(isinstance(r, dict) for r in instances):
        return read_table(instances, schema, findings, where)
    if all(isinstance(r, list) for r in instances):
        return _rows(instances, schema, findings, where)
    if not any(isinstance(r, (list, dict)) for r in instances):
        columns = schema.table_columns()
        if len(columns) == 1:
            return pd.DataFrame({columns[0]: instances})
        if not columns:
            return pd.DataFrame({"0": instances})
        findings.append(Finding("error", where, f"Each instance is one value, but the model has {len(columns)} "
                                "features.", "Send one object per row: {\"feature\": value, ...}.", key))
        return None
    findings.append(Finding("error", where, "The instances mix objects, lists and single values.",
                            "Send every instance the same way: one object per row.", key))
    return None


def _rows(instances: list[list[Any]], schema: ModelSchema, findings: list[Finding], where: str) -> pd.DataFrame | None:
    widths = sorted({len(r) for r in instances})
    columns = schema.table_columns()
    if len(widths) > 1:
        odd = next(i for i, r in enumerate(instances) if len(r) != len(instances[0]))
        findings.append(Finding("error", f"{where}[{odd}]", f"Instances have different lengths: instance {odd + 1} has "
                                f"{len(instances[odd])} values, the first {len(instances[0])}.",
                                "Give every instance one value per feature.", ""))
        return None
    width = widths[0]
    if columns and width != len(columns):
        findings.append(Finding("error", where, f"Each instance has {width} values; the model has {len(columns)} "
                                f"features ({', '.join(columns[:8])}{', ...' if len(columns) > 8 else ''}).",
                                "Send one value per feature, in that order, or one object per row naming them.",
                                ""))
        return None
    names = columns or [str(j) for j in range(width)]
    if any(_mixed(r) for r in instances):
        findings.append(Finding("warning", where, "The instances are lists that mix text and numbers: KServe's own "
                                "runtimes turn each into one NumPy array of strings.",
                                "Send one object per row naming each feature (the corrected payload).", ""))
    return pd.DataFrame(instances, columns=names)


def _mixed(row: list[Any]) -> bool:
    texts = any(isinstance(v, str) for v in row)
    numbers = any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row)
    return texts and numbers


SKELETON = '{"instances": [{"feature": value, ...}, ...]}'


def form_of(doc: dict[str, Any]) -> str:
    """The rows' place for JSON paths: ``instances`` (objects) or ``instances[]`` (lists), or the same under inputs."""
    key = rows_key(doc)
    rows = doc.get(key)
    return key + ("[]" if isinstance(rows, list) and rows and isinstance(rows[0], list) else "")


def cell_path(form: str, j: int, row: int, column: str) -> str:
    """Where one value is: ``$.instances[3].city`` (objects) or ``$.instances[3][2]`` (lists)."""
    return f"$.{form[:-2]}[{row}][{j}]" if form.endswith("[]") else f"$.{form}[{row}].{column}"
