"""The app's own errors: what the workbench refuses or cannot do, written for people.

They extend ``mds_client``'s base so that a page needs one ``except MDSError`` for both what the MDS
said and what the workbench refused; ``str(error)`` is the message plus a hint of what to do.

    MDSError                         (mds_client.errors: catalog, schema, input, requests)
    └── WorkbenchError               base of everything below; the CLI and pages catch it
        ├── UsersFileError           the users file is missing or malformed        (workbench.auth)
        ├── BatchJobError            a batch job cannot start, resume or be read    (workbench.batch)
        ├── FeedbackError            feedback cannot be recorded                    (workbench.feedback)
        │   ├── PredictionNotFound   no such prediction, or not the user's
        │   └── InvalidFeedback      verdict, truth or certainty do not fit the model
        ├── ExplainError             an explanation cannot be computed              (workbench.explain)
        │   ├── ExplanationTimeout   the model is too slow for the time budget
        │   └── ExplanationCancelled the person stopped it
        ├── FeatureSpaceError        inputs cannot be put in a numeric space (text, tensors)
        ├── DriftError               drift or outliers cannot be computed           (workbench.monitor)
        ├── LogSinkError             the request-log sink, its readers, the simulator (logsink.errors)
        ├── PrometheusError          metrics cannot be read from Prometheus         (workbench.monitor.prometheus_errors)
        ├── AlertsError              a rule refused, Alertmanager unreachable       (workbench.alerts.errors)
        └── EmbeddedMDSError         the embedded MDS cannot start or stop           (embedded_mds.errors)
"""

from __future__ import annotations

from mds_client.errors import MDSError


class WorkbenchError(MDSError):
    """Base class of every error the workbench raises on purpose."""


class UsersFileError(WorkbenchError):
    """The users file is missing or malformed; the message says which and why."""


class BatchJobError(WorkbenchError):
    """A batch job cannot start, resume or be read."""

    hint = "Check the file and the model, then start the job again."


class FeedbackError(WorkbenchError):
    """Feedback cannot be recorded or changed."""


class PredictionNotFound(FeedbackError):
    """No such prediction, or it is not the user's."""

    hint = "It may have been made on another workbench or removed; make the prediction again."


class InvalidFeedback(FeedbackError):
    """The verdict, the right answer or the certainty does not fit the model."""

    hint = "Fix the value and send the feedback again."


class ExplainError(WorkbenchError):
    """An explanation cannot be computed for this model or input."""

    hint = "Explanations need a tabular model with a schema and reference data."


class FeatureSpaceError(WorkbenchError):
    """The model's inputs cannot be put in a numeric space (text or tensor features)."""


class DriftError(WorkbenchError):
    """Drift or outliers cannot be computed for this data."""

    hint = "Drift needs a tabular model, its reference data and at least 20 rows to compare."


class ExplanationTimeout(ExplainError):
    """The model is too slow to explain within the time budget."""

    hint = ("Try a faster method (what-if makes one call), or raise WORKBENCH_EXPLAIN_BUDGET_S "
            "if this model is known to be slow.")


class ExplanationCancelled(ExplainError):
    """The person asked to stop the explanation."""

    hint = "Start it again when you are ready."
