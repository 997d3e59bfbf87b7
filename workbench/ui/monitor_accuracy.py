"""The Monitor page's Accuracy tab: accuracy from analyst feedback, accuracy estimated without labels and
Seldon's feedback reward from Prometheus, one window each, on one time axis.

The reward sits in a second row of the same figure (shared x), so a fall in the reward reads against
the two accuracy lines above it; without a Prometheus, or with no reward for the model, one line says which.
"""

from __future__ import annotations

import streamlit as st

from components import timeline_charts as charts
from components.text import md, md_escape
from mds_client import ModelRef
from workbench.feedback import metrics as feedback_metrics
from workbench.monitor import accuracy_windows, promql
from workbench.monitor.estimated_accuracy import CALIBRATION_NOTE
from workbench.monitor.glossary import TERMS
from workbench.monitor.segment_reads import in_segment
from workbench.monitor.segments import Segment
from workbench.monitor.timeline import Timeline
from workbench.ui import resources
from workbench.ui.monitor_prometheus import seldon_feedback

WHAT_TO_CONCLUDE = ("Green: share of analyst verdicts 'correct' on the answers of each window. Blue: accuracy "
                    "expected from the model's confidence (bars: two standard errors). A blue line that falls "
                    "with drift warns before feedback arrives; green well under blue means the model is surer "
                    "than it is right.")
REWARD_CONCLUDE = ("Orange, under the same windows: the reward Seldon was sent in each window (counted when the "
                   "feedback reached it). With rewards of 1 for right and 0 for wrong it is the number of answers "
                   "confirmed right: a reward that drops while traffic holds agrees with a falling green line "
                   "and says other callers see the model wrong too. Prometheus estimates each window's increase from its "
                   "samples, so 3 rewards can read 3.1.")


def render_accuracy(ref: ModelRef, tl: Timeline, segment: Segment | None = None) -> None:
    """The accuracy figure (with Seldon's reward when Prometheus has it) and what to conclude from it; with a
    ``segment``, the feedback and the estimate of its calls only (Seldon's reward is of every call)."""
    plan = tl.plan
    votes = feedback_metrics.feedback_frame(resources.engine(), feedback_metrics.FeedbackFilter(model=ref.name))
    if segment is not None:
        votes = in_segment(votes, segment)
    feedback = accuracy_windows.feedback_per_window(votes, plan)
    start, end = accuracy_windows.prometheus_query_span(plan)
    seldon = seldon_feedback(promql.metrics_name(ref), start, end, plan.width.total_seconds())
    by_key = {k: [s.frame for s in seldon.series if s.query.key == k]
              for k in (promql.FEEDBACK_REWARD_SUM.key, promql.FEEDBACK_COUNT.key)}
    reward = accuracy_windows.reward_per_window(by_key[promql.FEEDBACK_REWARD_SUM.key],
                                                by_key[promql.FEEDBACK_COUNT.key], plan)
    if not seldon.message and reward.empty:
        seldon.message = (f"Prometheus ({seldon.url}) holds no Seldon feedback reward for {ref.name} in these "
                          "windows.")
    st.plotly_chart(charts.accuracy_figure(tl, feedback, reward), key="monitor.accuracy", width="stretch")
    caption_md = WHAT_TO_CONCLUDE + (" " + REWARD_CONCLUDE if not reward.empty else "")
    st.caption(caption_md + " " + md_escape(TERMS["estimated_accuracy"]), help=md_escape(CALIBRATION_NOTE))
    if not reward.empty:
        st.caption(md("Reward read from {} (Prometheus). ", seldon.url) + md_escape(TERMS["reward"]))
    if seldon.message:
        st.info(md_escape(seldon.message), icon=":material/info:")
