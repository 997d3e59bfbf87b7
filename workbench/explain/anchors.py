"""Black-box anchors for any tabular model: Alibi's AnchorTabular calling the served model.

No explainer needs to be deployed: AnchorTabular is fitted here on the reference data and asks
the model about perturbed rows through ``mds_client`` (pooled session, each round of the search in
one request, a repeated row never sent twice). The rule comes back as text ("proline > 673.00")
and as data (``conditions``), so it can be applied to any frame (``rule_mask``) to check the
precision that is shown.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
import pandas as pd

from mds_client import FeatureKind, MDSClient, ModelRef, ModelSchema
from workbench.errors import ExplainError, FeatureSpaceError
from workbench.explain.anchor_rounds import RoundSampler
from workbench.explain.budget import BlackBox, Budget, model_errors_surface
from workbench.explain.explanation import Explanation
from workbench.explain.feature_space import FeatureSpace

THRESHOLD = 0.95
FIT_ROWS = 2000
EXAMPLES = 5
_NUM = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"


def explain_with_anchor(client: MDSClient, ref: ModelRef, schema: ModelSchema, row: pd.DataFrame,
                        reference: pd.DataFrame, *, budget: Budget | None = None, threshold: float = THRESHOLD,
                        seed: int = 0, reuse: bool = True) -> Explanation:
    """An anchor rule for one row, found by calling the model as a black box.

    With ``reuse`` (the default) a row asked again is answered from this explanation's memory (the
    served model is taken to be deterministic, see ``BlackBox``) and each round of the search goes as
    one request (``anchor_rounds``); the result is the same as without, for the same seed.
    """
    try:
        space = FeatureSpace.of(schema)
    except FeatureSpaceError as exc:
        raise ExplainError(f"Cannot find an anchor for '{ref.name}': {exc}.") from None
    if reference is None or reference.empty:
        raise ExplainError(f"Model '{ref.name}' has no reference data to draw perturbations from.")
    if budget is not None:
        budget.progress(0.0, "Loading the explainer library...")
    # alibi costs 4-6 s of imports: only an explanation pays for it.
    from alibi.explainers import AnchorTabular

    if budget is not None:
        budget.start_clock()

    started = time.perf_counter()
    box = BlackBox(client, ref, schema, space, budget, labels=True, remember=reuse)
    train = space.encode(reference.sample(min(FIT_ROWS, len(reference)), random_state=seed))
    x = space.encode(row.head(1))
    with model_errors_surface():
        explainer = AnchorTabular(box, feature_names=space.names, categorical_names=space.category_names(),
                                  dtype=np.float64, seed=seed)
        explainer.fit(train, disc_perc=(25, 50, 75))
        if reuse:
            explainer.samplers = [RoundSampler(explainer.samplers[0], box), *explainer.samplers[1:]]
        result = explainer.explain(x, threshold=threshold, batch_size=200, coverage_samples=5000)
    return anchor_explanation(result.data, ref, schema, space, x[0], source="computed in the workbench",
                              calls=box.calls, seconds=time.perf_counter() - started)


def anchor_explanation(data: dict[str, Any], ref: ModelRef, schema: ModelSchema, space: FeatureSpace,
                       x: np.ndarray, *, source: str, calls: int = 0, seconds: float = 0.0) -> Explanation:
    """An ``Explanation`` from the ``data`` of Alibi's AnchorTabular explanation, wherever it was made.

    The same for an explainer run here (numpy arrays) and for a deployed one's JSON (lists): the
    rule, its conditions as data, precision, coverage and the examples that keep and break it.
    """
    raw = data.get("raw") or {}
    names = list(schema.class_names)
    predicted = np.ravel(raw.get("prediction") if raw.get("prediction") is not None else [])
    target = ""
    if predicted.size:
        k = int(predicted[0])
        target = names[k] if 0 <= k < len(names) else str(k)
    anchor = [str(a) for a in data.get("anchor") or []]
    precision, coverage = _number(data.get("precision")), _number(data.get("coverage"))
    examples = (raw.get("examples") or [{}])[-1] if anchor else {}
    keeps = _examples(space, examples.get("covered_true"))
    breaks = _examples(space, examples.get("covered_false"))
    if anchor:
        summary = (f"IF {' AND '.join(anchor)} THEN {target}: the model answered {target} for "
                   f"{precision or 0:.0%} of cases meeting the rule, which covers {coverage or 0:.0%} of cases.")
    else:
        summary = f"No short rule is needed: the model answers {target} across most inputs."
    return Explanation(kind="anchor", model=ref.name, source=source, target=target,
                       summary=summary, anchor=anchor, precision=precision, coverage=coverage,
                       conditions=[c for a in anchor for c in parse_condition(a, schema)], keeps=keeps, breaks=breaks,
                       feature_values={n: space.describe_value(j, x[j]) for j, n in enumerate(space.names)},
                       calls=calls, seconds=seconds)


def _number(value: Any) -> float | None:
    flat = np.ravel(value if value is not None else [])
    return float(flat[0]) if flat.size else None


def _examples(space: FeatureSpace, rows: Any) -> list[dict[str, Any]]:
    if rows is None or len(rows) == 0:
        return []
    frame = space.decode(np.asarray(rows)[:EXAMPLES])
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def parse_condition(text: str, schema: ModelSchema) -> list[dict[str, Any]]:
    """One anchor condition as data. ``0.3 < x <= 2`` gives two conditions; ``day = Sun`` one."""
    for name in sorted(schema.names, key=len, reverse=True):  # longest first: 'ash' inside 'alcalinity_of_ash'
        escaped = re.escape(name)
        m = re.fullmatch(rf"({_NUM}) (<|<=) {escaped} (<|<=) ({_NUM})", text)
        if m:
            flip = {"<": ">", "<=": ">="}
            return [{"feature": name, "op": flip[m.group(2)], "value": float(m.group(1))},
                    {"feature": name, "op": m.group(3), "value": float(m.group(4))}]
        m = re.fullmatch(rf"{escaped} (<=|>=|<|>) ({_NUM})", text)
        if m:
            return [{"feature": name, "op": m.group(1), "value": float(m.group(2))}]
        m = re.fullmatch(rf"{escaped} = (.+)", text)
        if m:
            f = schema.feature(name)
            label = m.group(1)
            value: Any = (label == "true") if f.kind == FeatureKind.BOOLEAN else f.value_of_label(label)
            return [{"feature": name, "op": "=", "value": value}]
    raise ExplainError(f"Cannot read the anchor condition {text!r} against the model's features.")


def rule_mask(conditions: list[dict[str, Any]], frame: pd.DataFrame, schema: ModelSchema) -> pd.Series:
    """Which rows of ``frame`` meet every condition of the anchor."""
    frame = schema.coerce(frame)
    mask = pd.Series(True, index=frame.index)
    for c in conditions:
        column = frame[c["feature"]]
        if c["op"] == "=":
            mask &= column.astype(object) == c["value"]
            continue
        numbers = pd.to_numeric(column, errors="coerce")
        ops = {"<": numbers < c["value"], "<=": numbers <= c["value"],
               ">": numbers > c["value"], ">=": numbers >= c["value"]}
        mask &= ops[c["op"]]
    return mask
