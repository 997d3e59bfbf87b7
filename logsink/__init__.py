"""The request-log sink: CloudEvents from Seldon's / KServe's loggers into the workbench's request log.

``create_app`` is the ASGI app, ``python -m logsink`` runs it, ``simulate`` sends traffic
to a model and its events to a sink, ``es_reader`` reads seldon-request-logger's Elasticsearch indices.
"""

from logsink.errors import ElasticReadError, LogSinkError, MalformedEvent, SimulateError, StoreUnavailable

__all__ = ["ElasticReadError", "LogSinkError", "MalformedEvent", "SimulateError", "StoreUnavailable"]
