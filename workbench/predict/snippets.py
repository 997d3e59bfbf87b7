"""Copyable code that reproduces a prediction call exactly: curl, Python requests, mds_client.

The curl and requests snippets send the very body and headers the workbench sent
(same URL, same request id); the mds_client snippet rebuilds the call from the
catalog and the input values. A test runs all three against a real server.
"""

from __future__ import annotations

import json
import pprint
import re
import shlex
from pathlib import Path
from typing import Any

from mds_client import ModelRef
from workbench.predict.results import CallSnippets, Result

CONTENT_TYPE = {"Content-Type": "application/json"}
HEREDOC_END = "MDS_JSON"
# Header names whose values are credentials: shown as an environment variable unless revealed.
SECRET_HEADER = re.compile(r"(?i)authorization|api[-_]?key|token|secret|password|cookie")


def env_name(header: str) -> str:
    """``Authorization`` -> ``MDS_AUTHORIZATION``: where the snippet reads a hidden header's value."""
    return "MDS_" + re.sub(r"[^A-Z0-9]+", "_", header.upper()).strip("_")


def secret_headers(ref: ModelRef) -> list[str]:
    return [name for name in ref.headers if SECRET_HEADER.search(name)]


def call_headers(ref: ModelRef, request_body: dict[str, Any], *, reveal: bool = False) -> dict[str, str]:
    """The headers of the call as the client sends them; credentials as ``$MDS_<HEADER>`` unless ``reveal``."""
    headers = {**CONTENT_TYPE, **ref.headers}
    if not reveal:
        headers.update({name: f"${env_name(name)}" for name in secret_headers(ref)})
    request_id = request_body.get("id") if isinstance(request_body, dict) else None
    if ref.protocol == "v2" and request_id:
        headers["x-request-id"] = str(request_id)
    return headers


def _grpc_only(ref: ModelRef) -> str:
    """What the curl and requests snippets say of a model reached over gRPC alone (no REST url to post to)."""
    return (f"# {ref.name} is reached over gRPC alone ({ref.grpc_url}, inference.GRPCInferenceService/ModelInfer):\n"
            "# there is no REST address to post this body to. Call it with mds_client (the mds_client tab).\n")


def curl_snippet(ref: ModelRef, request_body: dict[str, Any], *, reveal: bool = False) -> str:
    if not ref.endpoint and ref.grpc_url:
        return _grpc_only(ref)
    lines = [f"curl -sS -X POST {shlex.quote(ref.predict_url)}"]
    hidden = set() if reveal else set(secret_headers(ref))
    for name, value in call_headers(ref, request_body, reveal=reveal).items():
        # a hidden value is read from the environment, so that header is double-quoted for the shell
        lines.append(f'  -H "{name}: ${env_name(name)}"' if name in hidden else f"  -H {shlex.quote(f'{name}: {value}')}")
    lines.append("  --data-binary @- <<'" + HEREDOC_END + "'")
    return " \\\n".join(lines) + "\n" + json.dumps(request_body, indent=2) + "\n" + HEREDOC_END + "\n"


def requests_snippet(ref: ModelRef, request_body: dict[str, Any], *, timeout: tuple[float, float] = (3.0, 30.0),
                     reveal: bool = False) -> str:
    if not ref.endpoint and ref.grpc_url:
        return _grpc_only(ref)
    headers = _py(call_headers(ref, request_body, reveal=reveal))
    hidden = [] if reveal else secret_headers(ref)
    for name in hidden:  # the literal "$MDS_X" becomes a read of that environment variable
        headers = headers.replace(repr(f"${env_name(name)}"), f"os.environ[{env_name(name)!r}]")
    payload = _py(request_body)
    return (
        ("import os\n" if hidden else "") + "import requests\n\n"
        f"url = {ref.predict_url!r}\n"
        f"headers = {headers}\n"
        f"payload = {payload}\n\n"
        f"response = requests.post(url, json=payload, headers=headers, timeout={timeout!r})\n"
        "response.raise_for_status()\n"
        "print(response.json())\n"
    )


def mds_client_snippet(
    ref: ModelRef, catalog: Path | str, inputs: dict[str, Any] | None, request_body: dict[str, Any] | None = None
) -> str:
    """With ``inputs`` (one row of feature values): a typed predict; else the raw body."""
    head = (
        "from mds_client import MDSClient, load_catalog\n"
        + ("import pandas as pd\n" if inputs is not None else "")
        + "\n"
        f"ref = next(m for m in load_catalog({str(catalog)!r}) if m.name == {ref.name!r})\n"
        "client = MDSClient()\n"
        "schema = client.schema(ref)\n"
    )
    if inputs is not None:
        body = f"frame = pd.DataFrame([{_py(inputs)}])\nprediction = client.predict(ref, frame, schema)\n"
    else:
        body = f"payload = {_py(request_body or {})}\nprediction = client.predict_body(ref, payload, schema)\n"
    return head + body + "print(prediction.to_frame())\n"


def call_snippets(ref: ModelRef, catalog: Path | str, result: Result) -> CallSnippets:
    """Every snippet of one call, ready for the payload inspector to show (credentials hidden and shown)."""
    return CallSnippets(
        url=result.url or ref.predict_url,
        curl=curl_snippet(ref, result.request),
        python=requests_snippet(ref, result.request),
        mds_client=mds_client_snippet(ref, catalog, result.inputs, result.request),
        curl_revealed=curl_snippet(ref, result.request, reveal=True),
        python_revealed=requests_snippet(ref, result.request, reveal=True),
        secret_headers=tuple(secret_headers(ref)),
    )


def _py(value: Any) -> str:
    """A Python literal of a JSON-like value (True/None, not true/null)."""
    return pprint.pformat(value, sort_dicts=False, width=110, compact=True)
