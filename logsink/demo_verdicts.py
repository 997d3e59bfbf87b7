"""Demo verdicts: analysts' feedback on some of the seeded demo calls, so Feedback review is not empty.

After the demo traffic is logged (``logsink.demo``), every seeded call of a model becomes a prediction row
and ``SHARE`` of them get a verdict from a demo analyst, stored as any feedback is (``workbench.store.feedback``:
the row and its ``created`` event) and tagged ``demo``. The models, their classes and answers come from the log and the
schema, never from a model's name. About ``WRONG`` of the verdicts say the model was wrong (with another
class, or another number, as the true answer); on the drifted model's last day, ``WRONG_DRIFTED``. Each
verdict is dated a few minutes to hours after its call, and kept in the workbench (never forwarded).
``mds logs clear-demo`` removes them with the traffic.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from mds_client import ModelSchema
from workbench.errors import WorkbenchError
from workbench.store.demo_verdicts import (
    TaggedCall,
    add_prediction,
    date_feedback,
    delete_demo_verdicts,
    has_demo_verdicts,
    tagged_calls,
    tagged_counts,
)
from workbench.store.engine import session_scope
from workbench.store.feedback import record

SHARE = 0.3
"""Of the seeded calls, the share an analyst gave a verdict on."""
WRONG = 0.17
"""Of the verdicts, the share that say wrong: people flag mistakes more than they confirm answers."""
WRONG_DRIFTED = 0.45
"""The same on the drifting model's last day, when its inputs moved away from what it learnt."""
UNSURE = 0.04
ANALYSTS = ("demo-analyst", "demo-reviewer")
REWARDS = {"correct": 1.0, "wrong": 0.0, "unsure": None}
"""As ``workbench.feedback.capture`` gives them."""
WAIT_S = 30.0
"""How long to wait for the sink to have written the seeded calls before judging them."""


def seed_verdicts(engine: Engine, schemas: Mapping[str, ModelSchema], *, tag: str, drifted: str | None = None,
                  protocols: Mapping[str, str] | None = None, seed: int = 11,
                  now: datetime | None = None) -> dict[str, int]:
    """Verdicts on ``SHARE`` of the calls tagged ``tag`` of each model in ``schemas``; returns verdicts per model.

    Runs once: if demo verdicts exist already, nothing is added.
    """
    if has_demo_verdicts(engine):
        return {}
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    given: dict[str, int] = {}
    for model, schema in schemas.items():
        calls = tagged_calls(engine, tag, model)
        if not calls:
            continue
        classes = _classes(schema, calls)
        regression = not classes
        if regression and all(c.value is None for c in calls):
            continue  # neither classes nor numbers: nothing a person could say was right
        protocol = (protocols or {}).get(model, "")
        given[model] = _judge(engine, calls, classes, protocol=protocol, tag=tag, rng=rng, now=now,
                              drifted=model == drifted)
    return given


def _classes(schema: ModelSchema, calls: list[TaggedCall]) -> tuple[str, ...]:
    names = tuple(str(c) for c in schema.class_names or ())
    if not names:
        names = tuple(dict.fromkeys(k for c in calls for k in (c.probabilities or {})))
    if not names and schema.task == "classification":
        names = tuple(dict.fromkeys(c.label for c in calls if c.label is not None))
    return names if len(names) >= 2 else ()


def _judge(engine: Engine, calls: list[TaggedCall], classes: tuple[str, ...], *, protocol: str, tag: str,
           rng: random.Random, now: datetime, drifted: bool) -> int:
    last_day = now - timedelta(days=1)
    verdicts = 0
    with session_scope(engine) as session:
        for call in calls:
            said = _said(call, classes)
            outputs: dict[str, Any] = {"task": "classification" if classes else "regression", "label": said,
                                       "probabilities": call.probabilities,
                                       "value": None if classes else call.value}
            prediction_id = add_prediction(session, call, user="demo", protocol=protocol, outputs=outputs)
            if said is None or rng.random() >= SHARE:
                continue
            wrong_share = WRONG_DRIFTED if drifted and call.time >= last_day else WRONG
            draw = rng.random()
            verdict = "unsure" if draw < UNSURE else "wrong" if draw < UNSURE + wrong_share else "correct"
            truth = _truth(verdict, said, classes, rng)
            # a class other than the answer, or a number: valid by construction, so the check keeps them as they are
            values = {"verdict": verdict, "truth": truth, "confidence": None, "comment": "", "tags": [tag],
                      "reward": REWARDS[verdict]}
            item = record(session, prediction_id, rng.choice(ANALYSTS), values, _as_given)
            when = min(call.time + timedelta(minutes=rng.uniform(5, 360)), now)
            date_feedback(session, item.id, when)
            verdicts += 1
    return verdicts


def _as_given(_prediction: Any, values: dict[str, Any]) -> dict[str, Any]:
    return values


def _said(call: TaggedCall, classes: tuple[str, ...]) -> Any:
    if not classes:
        return call.value
    return call.label if call.label in classes else None


def _truth(verdict: str, said: Any, classes: tuple[str, ...], rng: random.Random) -> Any:
    if verdict != "wrong":
        return None
    if classes:
        return rng.choice([c for c in classes if c != said])
    off = rng.uniform(0.15, 0.5) * rng.choice((-1, 1))
    return float(said) * (1 + off) if said else off


def wait_for_calls(engine: Engine, tag: str, expected: Mapping[str, int], *, timeout: float = WAIT_S) -> dict[str, int]:
    """The tagged calls per model once the sink has written ``expected`` of them (or ``timeout`` passed)."""
    deadline = time.monotonic() + timeout
    while True:
        counts = tagged_counts(engine, tag)
        if all(counts.get(m, 0) >= n for m, n in expected.items()) or time.monotonic() > deadline:
            return counts
        time.sleep(0.5)


def seed_after_traffic(engine: Engine, schemas: Mapping[str, ModelSchema], logged: Mapping[str, int], *, tag: str,
                       drifted: str | None, protocols: Mapping[str, str]) -> dict[str, int]:
    """What ``logsink.demo`` runs after seeding the traffic: wait for the sink, then the verdicts. A failure
    is printed, never raised: the traffic is there either way."""
    try:
        wait_for_calls(engine, tag, logged)
        return seed_verdicts(engine, {m: s for m, s in schemas.items() if m in logged}, tag=tag, drifted=drifted,
                             protocols=protocols)
    except WorkbenchError as exc:
        print(f"demo verdicts: {exc}", file=sys.stderr)
        return {}


def clear_verdicts(engine: Engine) -> int:
    """Remove the demo verdicts (and the prediction rows made for them); how many verdicts went."""
    return delete_demo_verdicts(engine)
