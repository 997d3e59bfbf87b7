"""The workbench store: its tables (``tables``), engine and migrations, and one module of queries per concern."""

from workbench.store.engine import make_engine, migrate, open_store, session_scope
from workbench.store.predictions import (
    LoggedPrediction,
    count_others_predictions,
    count_predictions,
    get_prediction,
    log_prediction,
    recent_predictions,
)
from workbench.store.tables import (
    Base,
    BatchChunk,
    BatchJob,
    DriftRun,
    Explanation,
    Feedback,
    FeedbackEvent,
    PredictionRow,
)

__all__ = [
    "Base",
    "BatchChunk",
    "BatchJob",
    "DriftRun",
    "Explanation",
    "Feedback",
    "FeedbackEvent",
    "LoggedPrediction",
    "PredictionRow",
    "count_others_predictions",
    "count_predictions",
    "get_prediction",
    "log_prediction",
    "make_engine",
    "migrate",
    "open_store",
    "recent_predictions",
    "session_scope",
]
