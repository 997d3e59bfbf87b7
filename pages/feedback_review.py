"""Feedback review: what people said about the models, how much to trust it, and the cases to retrain on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from components.case_view import VERDICT_WORDS
from components.numbers import confidence, count, percent
from components.table_view import render_table
from components.text import md, md_escape
from mds_client import MDSError
from workbench.auth import can_see_all_feedback
from workbench.feedback import metrics as fm
from workbench.monitor.segment_reads import feedback_segments, in_segment
from workbench.time_text import DAY, when, whens
from workbench.ui import resources, state
from workbench.ui.feedback_review import render_review_charts
from workbench.ui.monitor_segments import choose_segment

st.title("Review feedback")
engine = resources.engine()
user = state.username()
sees_all = can_see_all_feedback(state.role(), resources.settings())

everything = fm.feedback_frame(engine) if sees_all else fm.feedback_frame(engine, fm.FeedbackFilter(user=user))
if everything.empty:
    st.info("No feedback yet. Give some under any prediction (Predict page, tab *Feedback*: one click on "
            "Correct or Wrong), or from a terminal with `mds feedback MODEL --request-id ID --truth VALUE`.",
            icon=":material/rate_review:")
    st.stop()

with_feedback = set(everything["model"].unique())
try:
    catalogued = {ref.name for ref in resources.catalog_refs(str(resources.settings().catalog_path))}
except MDSError:  # the catalog cannot be read: review what there is, unmarked
    catalogued = with_feedback
# Models of the catalog first; a model that got feedback but has left the catalog is still reviewable, marked.
choices = sorted(with_feedback & catalogued) + sorted(with_feedback - catalogued)
cols = st.columns(3)  # five filters in one row cut the dates at 1400 px and everything at 1024
shared = state.selected_model()  # the model picked on the other pages, when it has feedback to review
if "review.model" not in st.session_state and shared in choices:
    st.session_state["review.model"] = shared
linked = st.query_params.get("model")  # a link from Monitor's Where it fails: that model's cases
if linked in choices and linked != st.session_state.get("review.url_model"):
    st.session_state["review.model"] = st.session_state["review.url_model"] = linked
model = cols[0].selectbox("Model", choices, key="review.model",
                          format_func=lambda m: m if m in catalogued else f"{m} (no longer in the catalog)")
versions = sorted(v for v in everything.loc[everything["model"] == model, "version"].unique() if v)
version = cols[1].selectbox("Version", ["all", *versions], key="review.version")
people = sorted(everything["user"].unique())
who = cols[2].selectbox("Given by", ["everyone", *people] if sees_all else [user], key="review.user")
rest = st.columns([1, 2])
verdict = rest[0].selectbox("Verdict", ["all", "wrong", "correct", "unsure"], key="review.verdict",
                            format_func=lambda v: VERDICT_WORDS.get(v, v))  # the words History and the case use
today = datetime.now(UTC).date()
picked = rest[1].date_input("Dates", (today - timedelta(days=30), today), key="review.dates")
if isinstance(picked, date):
    start = end = picked
else:
    start, end = (picked[0], picked[-1]) if picked else (today - timedelta(days=30), today)
since = datetime.combine(start, time.min, UTC)
until = datetime.combine(end + timedelta(days=1), time.min, UTC)

filters = fm.FeedbackFilter(model=model, version=None if version == "all" else version,
                            user=None if who == "everyone" else who, since=since, until=until)
frame = fm.feedback_frame(engine, filters)
segment = choose_segment([f.label for f in feedback_segments(frame).findings], key="review.segment",
                         everything="All cases")
n_predictions = fm.count_predictions(engine, model=model, version=filters.version, since=since, until=until)
if segment is not None:  # a segment's share of the predictions is unknown without reading them: no coverage
    whole, frame, n_predictions = len(frame), in_segment(frame, segment), 0
    st.caption(md("Only the feedback on calls where {}: {} of the {} items in range. Coverage is not counted in "
                  "a segment.", segment.label, len(frame), whole))
shown = frame if verdict == "all" else frame[frame["verdict"] == verdict]
summary = fm.summarize(frame, n_predictions)
in_range = fm.verdict_counts(frame)  # the same dates, model, version and person as everything below

FEW = 5  # below this many labelled predictions a chart is one bar and a 1x1 grid, and a percent is noise: say it
# A row that wraps, each figure as wide as its text: in four equal columns "77 of 318" was cut to "77 of …" at 1024 px.
row = st.container(horizontal=True, gap="medium", key="review.metrics")
m = [row] * 4
m[0].metric("Feedback in range", int(in_range["items"]), width="content", help=md("on {predictions} predictions; {wrong} wrong, "
                                                                 "{correct} correct, {unsure} unsure", **in_range))
# "100%" from one verdict reads as a verdict on the model; a count says what is known.
accuracy = percent(summary.accuracy) if summary.labelled >= FEW or not summary.labelled else (
    f"{summary.correct} of {summary.labelled} correct")
m[1].metric("Accuracy", md_escape(accuracy), width="content",
            help="from feedback: correct / (correct + wrong), one vote per prediction (the newest)")
m[2].metric("Labelled predictions", md("{} of {}", summary.labelled, n_predictions) if segment is None
            else md("{}", summary.labelled), width="content")
m[3].metric("Coverage", md_escape(percent(summary.coverage)), width="content",
            help="labelled predictions / predictions of this model in the chosen dates")
for warning in summary.warnings:
    st.warning(md_escape(warning), icon=":material/warning:")

render_review_charts(frame, model, labelled=summary.labelled, few=FEW)

order = {"wrong": 0, "unsure": 1, "correct": 2}
st.subheader("Cases, wrong and unsure first" if shown["verdict"].isin(["wrong", "unsure"]).any() else "Cases")
table = shown.assign(_o=shown["verdict"].map(order)).sort_values(["_o", "created"], ascending=[True, False])
table = table.assign(case="/history?prediction=" + table["prediction_id"].astype(str))
view = table[["case", "verdict", "predicted", "true_answer", "model_confidence", "created", "user", "confidence",
              "comment", "tags", "forwarded", "attempts"]].rename(columns={"true_answer": "right answer",
                                                                          "forwarded": "sent"})
view["sent"] = view["sent"].map(fm.DELIVERY_WORDS).fillna(view["sent"])
view["verdict"] = view["verdict"].map(VERDICT_WORDS).fillna(view["verdict"])
view = view.astype({"predicted": str, "right answer": str})
view["right answer"] = view["right answer"].replace({"None": "", "nan": ""})  # blank where unknown, not "None"
view["model_confidence"] = [confidence(v) for v in view["model_confidence"]]  # a whole percent, as on every page
view["confidence"] = [f"{float(v):.2f}" if v is not None and v == v else "" for v in view["confidence"]]
view["created"] = whens(view["created"])
# What a reviewer scans stays in the grid (it fits at 1024 px); who, how sure, comment and delivery open per row.
render_table(view, key="review.table", details=["user", "confidence", "comment", "tags", "sent", "attempts"],
             column_config={"case": st.column_config.LinkColumn("Case", display_text=r"prediction=(\d+)"),
                            "model_confidence": st.column_config.TextColumn(
                                "Confidence", help="how sure the model was of its answer"),
                            "created": st.column_config.TextColumn(
                                "Given (UTC)", help="when the feedback was given; the prediction's time is on its case"),
                            "verdict": st.column_config.TextColumn("Verdict"),
                            "predicted": st.column_config.TextColumn("Model's answer"),
                            "right answer": st.column_config.TextColumn("Right answer"),
                            "user": st.column_config.TextColumn("Given by"),
                            "confidence": st.column_config.TextColumn(
                                "Reviewer's certainty", help="how sure the person was (0 to 1)")})

export = fm.export_frame(shown)
d1, d2 = st.columns(2)
d1.download_button("Download labelled cases (CSV)", fm.to_csv_bytes(export), f"{model}-feedback.csv", "text/csv",
                   key="review.csv", icon=":material/download:")
d2.download_button("Download labelled cases (Parquet)", fm.to_parquet_bytes(export), f"{model}-feedback.parquet",
                   "application/octet-stream", key="review.parquet", icon=":material/download:")
with_truth = int(export["truth"].notna().sum()) if "truth" in export else 0
if with_truth == len(export):
    truth_words = ", with the right answer"
elif with_truth:
    truth_words = f", with the right answer for {with_truth:,} of them"
else:
    truth_words = " (no right answer given yet)"
st.caption(md("{} from {} to {}: {} inputs and the model's answer{}. Ready for retraining.",
              count(len(export), "case"), when(since, DAY), when(pd.Timestamp(until) - timedelta(days=1), DAY),
              "its" if len(export) == 1 else "their", truth_words))
