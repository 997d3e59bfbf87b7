"""The figures of a load run: percentiles, the store check (every id the users saw, looked up) and the table.

Used by ``bench/load_users.py``.
"""

from __future__ import annotations

import os
from collections import Counter

from bench._load_user import UserLog

ANALYST = ("analyst", "analyst-demo")  # the demo users (README); a deployment's own users are not load-tested
STEPS = ["login", "open_predict", "predict", "explain", "feedback", "history"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def last_prediction_id(database_url: str) -> int:
    from sqlalchemy import func, select

    from workbench.store import open_store
    from workbench.store.tables import PredictionRow as Prediction

    with open_store(database_url).connect() as conn:
        return conn.execute(select(func.max(Prediction.id))).scalar() or 0


def check_store(database_url: str, logs: list[UserLog], model: str, since: int) -> dict[str, int]:
    """Look every prediction and feedback the users saw up in the store."""
    from sqlalchemy import func, select

    from workbench.store import get_prediction, open_store
    from workbench.store.feedback import feedback_for_prediction, get_feedback
    from workbench.store.tables import PredictionRow as Prediction
    from workbench.store.traffic import log_summary

    engine = open_store(database_url)
    seen_p = [pid for log in logs for pid in log.predictions]
    stored_p = sum(1 for pid in seen_p if (row := get_prediction(engine, pid)) is not None
                   and row.user == ANALYST[0] and row.model == model)
    seen_f = {fid: pid for log in logs for fid, pid in log.feedback.items()}
    stored_f = 0
    for fid, pid in seen_f.items():
        try:
            item = get_feedback(engine, fid)
        except Exception:
            continue
        stored_f += item.prediction_id == pid and item.user == ANALYST[0]
    unconfirmed = [pid for log in logs for pid in log.unconfirmed_feedback]
    with engine.connect() as conn:
        rows_total = conn.execute(select(func.count()).select_from(Prediction).where(
            Prediction.model == model, Prediction.user == ANALYST[0], Prediction.id > since)).scalar_one()
    return {"predictions seen": len(seen_p), "predictions stored": stored_p,
            "predictions lost": len(seen_p) - stored_p, "prediction rows in the store": rows_total,
            "feedback seen": len(seen_f), "feedback stored": stored_f, "feedback lost": len(seen_f) - stored_f,
            "feedback sent, no answer seen": len(unconfirmed),
            "  of those stored": sum(1 for pid in unconfirmed if feedback_for_prediction(engine, pid, ANALYST[0])),
            "request-log instances (sink)": log_summary(engine, model).total}


def report(logs: list[UserLog], store: dict[str, int], users: int, model: str, seconds: float,
           load: tuple[str, str], simulate: str) -> None:
    print(f"\n{users} users, {seconds:.0f} s, model {model}; load average before {load[0]}, "
          f"after {load[1]} ({os.cpu_count()} cores; wall seconds depend on who else uses them)")
    print(f"{'step':<14}{'count':>7}{'errors':>8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"
          + (f"{'app CPU s':>11}{'models+sink':>12}{'browser CPU s':>15}" if users == 1 else ""))
    errors = Counter(kind for log in logs for kind, _ in log.errors)
    for kind in STEPS:
        times = [t for log in logs for t in log.timings.get(kind, [])]
        if times or errors[kind]:
            stats = (f"{percentile(times, .5):8.2f}{percentile(times, .95):8.2f}{max(times):8.2f}"
                     if times else f"{'-':>8}" * 3)
            cpu = [c for log in logs for c in log.cpu.get(kind, [])]
            if cpu:  # one user alone: the CPU between click and answer is that step's
                stats += "".join(f"{percentile([c[i] for c in cpu], .5):{w}.3f}" for i, w in ((0, 11), (1, 12), (2, 15)))
            print(f"{kind:<14}{len(times):>7}{errors[kind]:>8}{stats}")
    print(f"iterations (predict + why + feedback): {sum(log.iterations for log in logs)}")
    grouped = Counter((kind, message) for log in logs for kind, message in log.errors)
    print(f"errors: {sum(grouped.values())}")
    for (kind, message), count in grouped.most_common():
        print(f"  {count:>4} x {kind}: {message}")
    print(f"mds simulate: {simulate}")
    for name, value in store.items():
        print(f"{name:<34}{value:>7}")
