"""The workbench store: SQLAlchemy models, engine helpers, migrations and repositories."""

from .engine import make_engine, migrate, open_store, session_scope
from .models import Base, BatchChunk, BatchJob, DriftRun, Explanation, Feedback, FeedbackEvent
from .models import Prediction as PredictionRow
from .predictions import (
    LoggedPrediction,
    count_others_predictions,
    count_predictions,
    get_prediction,
    log_prediction,
    recent_predictions,
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
