"""What a model registry's failures are, and what MLflow said when it refused a call.

    MDSError
    └── RegistryError            the registry cannot be reached or refused a call
        └── RegistryNotFound     no such registered model, version or alias
"""

from __future__ import annotations

import orjson

from mds_client.errors import MDSError, RequestError


class RegistryError(MDSError):
    hint = ("Is the model registry running? 'mds local status' shows the embedded one; "
            "WORKBENCH_MLFLOW_URI names another.")


class RegistryNotFound(RegistryError):
    hint = "Check the model's name, version or alias: 'mds models' lists what is registered."


def mlflow_error(exc: RequestError) -> tuple[str, str]:
    """(MLflow's error_code, its message) of a refusal, or ("", what the transport said)."""
    try:
        doc = orjson.loads(exc.body) if isinstance(exc.body, str | bytes) else exc.body
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("message"), str):
        return str(doc.get("error_code", "")), doc["message"]
    return "", str(exc.body or exc.message)
