"""mds_client: talk to models in a Seldon-based Model Deployment Service.

No Streamlit here: the app, the ``mds`` command and scripts share this library.
"""

from mds_client.client import MDSClient, load_prediction_schema, read_reference
from mds_client.codecs import codec_for
from mds_client.discovery import CatalogDiscovery, RepositoryDiscovery, load_catalog
from mds_client.errors import (
    CatalogError,
    IncompleteAnswer,
    InputError,
    MDSError,
    ModelNotFound,
    ModelUnavailable,
    PayloadRejected,
    ProtocolError,
    RequestError,
    RequestTimeout,
    SchemaError,
    ServerError,
)
from mds_client.prediction import Prediction, jsonable
from mds_client.refs import ModelRef, split_version
from mds_client.schema.model import CellError, Feature, FeatureKind, ModelSchema, Output
from mds_client.transport.sessions import DEFAULT_RETRY, DEFAULT_TIMEOUT, Auth, Retry, Timeout, Transport

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "Auth",
    "CatalogDiscovery",
    "CatalogError",
    "CellError",
    "Feature",
    "FeatureKind",
    "IncompleteAnswer",
    "InputError",
    "MDSClient",
    "MDSError",
    "ModelNotFound",
    "ModelRef",
    "ModelSchema",
    "ModelUnavailable",
    "Output",
    "PayloadRejected",
    "Prediction",
    "ProtocolError",
    "RepositoryDiscovery",
    "RequestError",
    "RequestTimeout",
    "Retry",
    "SchemaError",
    "ServerError",
    "Timeout",
    "Transport",
    "codec_for",
    "jsonable",
    "load_catalog",
    "load_prediction_schema",
    "read_reference",
    "split_version",
]
