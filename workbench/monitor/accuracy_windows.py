"""Feedback accuracy and Seldon's feedback reward on the timeline's own windows.

The Accuracy chart reads three things over one time axis: accuracy estimated from confidence (per
window of traffic, in `timeline`), accuracy from analyst feedback and the reward Seldon counted. All
three are put on the same `WindowPlan` here, so that one window's numbers sit one above the other:
- analyst verdicts by the window of the answer they judge (when the model answered, not when the
  analyst looked), so they compare with the estimate for the same traffic;
- Seldon's reward from range queries evaluated at each window's end with an ``increase`` over one
  window width (`prometheus_query_span`), so the value at ``t`` is the reward counted in ``[t - width, t)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from .windows import WindowPlan

FEEDBACK_COLUMNS = ["window", "labelled", "correct", "accuracy"]
REWARD_COLUMNS = ["window", "reward", "rewarded"]


def _window_starts(times: pd.Series, plan: WindowPlan) -> pd.Series:
    """Each time's window start, NaT outside the plan's span."""
    stamps = pd.to_datetime(times, utc=True)
    start = pd.Timestamp(plan.start)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    index = (stamps - start) // pd.Timedelta(plan.width)
    inside = (index >= 0) & (index < plan.count)
    return (start + index.where(inside) * pd.Timedelta(plan.width)).where(inside)


def feedback_per_window(votes: pd.DataFrame, plan: WindowPlan) -> pd.DataFrame:
    """Verdicts 'correct' / 'wrong' per window of the prediction they judge: labelled, correct, accuracy."""
    if votes.empty:
        return pd.DataFrame(columns=FEEDBACK_COLUMNS)
    judged = votes[votes["verdict"].isin(["correct", "wrong"])]
    judged = judged.assign(window=_window_starts(judged["predicted_at"], plan),
                           is_correct=judged["verdict"] == "correct").dropna(subset=["window"])
    if judged.empty:
        return pd.DataFrame(columns=FEEDBACK_COLUMNS)
    out = judged.groupby("window").agg(labelled=("verdict", "size"), correct=("is_correct", "sum")).reset_index()
    out["correct"] = out["correct"].astype(int)
    out["accuracy"] = out["correct"] / out["labelled"]
    return out[FEEDBACK_COLUMNS]


def prometheus_query_span(plan: WindowPlan) -> tuple[datetime, datetime]:
    """(first, last) evaluation time of a range query whose points are the ends of the plan's windows."""
    return plan.start + plan.width, plan.end


def reward_per_window(reward: Iterable[pd.DataFrame], rewarded: Iterable[pd.DataFrame],
                      plan: WindowPlan) -> pd.DataFrame:
    """Seldon's reward sum and rewarded-feedback count per window, from range-query frames (time, value)
    evaluated at window ends (`prometheus_query_span`); windows where Prometheus saw neither are left out."""
    def per_window(frames: Iterable[pd.DataFrame], name: str) -> pd.Series:
        parts = [f[["time", "value"]] for f in frames if not f.empty]
        if not parts:
            return pd.Series(dtype=float, name=name)
        frame = pd.concat(parts)
        starts = _window_starts(pd.to_datetime(frame["time"], utc=True) - pd.Timedelta(plan.width), plan)
        return frame.assign(window=starts).dropna(subset=["window"]).groupby("window")["value"].sum().rename(name)

    both = pd.concat([per_window(reward, "reward"), per_window(rewarded, "rewarded")], axis=1)
    if both.empty:
        return pd.DataFrame(columns=REWARD_COLUMNS)
    both = both.fillna(0.0)
    both = both[(both["reward"] != 0) | (both["rewarded"] != 0)]
    return both.rename_axis("window").reset_index()[REWARD_COLUMNS]
