"""MDSClient: predict, describe, check and give feedback to models in the MDS.

The client joins the parts: a ``ModelRef`` says where, the schema says what,
a codec writes the body, the transport carries it. It holds no state but
its pooled transport, so one client serves a whole app or CLI run.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pandas as pd

from mds_client.bodies import explanation_output, rows_in_body
from mds_client.codecs import codec_for
from mds_client.codecs.seldon import with_tag
from mds_client.codecs.v2_parts import split_rows
from mds_client.discovery.seldon_v2 import answered_by
from mds_client.errors import IncompleteAnswer, InputError, MDSError, ProtocolError, RequestError
from mds_client.grpc_calls import grpc_server_info, grpc_status, grpc_url_of
from mds_client.model_schema import load_prediction_schema, metadata_over_grpc, read_reference, schema_of
from mds_client.prediction import Prediction, dump_json, joined
from mds_client.refs import ModelRef
from mds_client.schema.model import ModelSchema
from mds_client.schema.params import chosen_parameters
from mds_client.server_info import ServerInfo, read_server_info
from mds_client.transport.grpc_v2 import GrpcTransport
from mds_client.transport.sessions import NO_RETRY, Response, Timeout, Transport
from mds_client.transport.tracing import HEADER as TRACE_HEADER
from mds_client.transport.tracing import new_traceparent

__all__ = ["MDSClient", "load_prediction_schema", "read_reference"]  # the last two live in model_schema
_explanation_output = explanation_output  # its older name, kept for callers


class MDSClient:
    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport or Transport()
        self._grpc: GrpcTransport | None = None

    @property
    def grpc(self) -> GrpcTransport:
        """The V2 gRPC transport (refs with ``transport: grpc``), with the REST transport's timeouts, retries, auth and
        CA file; made at the first gRPC call."""
        if self._grpc is None:
            self._grpc = GrpcTransport(timeout=self.transport.timeout, retry=self.transport.retry,
                                       auth=self.transport.auth, verify=self.transport.verify)
        return self._grpc

    # -- describing a model ----------------------------------------------------------
    def metadata(self, ref: ModelRef, *, timeout: Timeout | None = None) -> dict[str, Any]:
        """The server's description of the model: REST's metadata document, or gRPC's ModelMetadata as the same
        document for a model with a ``grpc_url`` and no REST ``url`` (list parameters such as class names lost)."""
        if metadata_over_grpc(ref):
            return self.grpc.model_metadata(grpc_url_of(ref), model=ref.v2_name,
                                            version=ref.version if ref.version_in_path else "", headers=ref.headers,
                                            timeout=timeout).json()
        response = self.transport.send(
            "GET", ref.metadata_url, headers=ref.headers, model=ref.name, timeout=timeout
        )
        doc = response.json(model=ref.name)
        if not isinstance(doc, dict):
            raise ProtocolError(f"Model '{ref.name}' metadata is not a JSON object.", model=ref.name, url=ref.metadata_url)
        return doc

    def schema(
        self,
        ref: ModelRef,
        *,
        metadata: dict[str, Any] | None = None,
        reference: pd.DataFrame | None = None,
    ) -> ModelSchema:
        """The model's schema from every source it has, most specific first: the catalog's schema file, the model
        registry's signature (``ref.registered``, when discovery linked the ref to a registered version), the server's
        metadata, the reference data. The first that has inputs decides them (its ``source`` says which); the others
        fill in what it lacks. Output names on the wire come from the server's own metadata only.

        The catalog override and reference data are read from disk; metadata
        from the server unless given. A server that is down still yields the
        schema the catalog, the registry and reference data give (``mds_client.model_schema``).
        """
        return schema_of(self, ref, metadata=metadata, reference=reference)

    def server_info(self, ref: ModelRef, *, timeout: Timeout | None = None) -> ServerInfo:
        """Which V2 server serves ``ref``: its ``GET /v2`` (name, version, extensions). A Seldon v1 model, or a
        server that does not answer it, is ``ServerInfo()`` (unknown): the payload check then applies only the
        rules every V2 server shares."""
        if ref.protocol != "v2":
            return ServerInfo()
        if ref.uses_grpc:
            return grpc_server_info(self.grpc, ref, timeout)
        try:
            response = self.transport.send("GET", ref.url("/v2"), headers=ref.headers, model=ref.name, retry=NO_RETRY,
                                           timeout=timeout or Timeout(2.0, 5.0))
            return read_server_info(response.json(model=ref.name))
        except MDSError:
            return ServerInfo()

    def status(self, ref: ModelRef) -> ModelRef:
        """The ref with ``status`` ready / not ready and the reason in plain words."""
        if ref.uses_grpc:
            return grpc_status(self.grpc, ref)
        try:
            response = self.transport.send(
                "GET", ref.ready_url, headers=ref.headers, model=ref.name, retry=NO_RETRY, timeout=Timeout(2.0, 5.0)
            )
        except RequestError as exc:
            return ref.with_status("not ready", exc.message)
        if response.status == 200:
            return ref.with_status("ready")
        return ref.with_status("not ready", f"HTTP {response.status}")

    # -- inference ---------------------------------------------------------------------
    def predict(
        self,
        ref: ModelRef,
        frame: pd.DataFrame,
        schema: ModelSchema | None = None,
        *,
        validate: bool = True,
        timeout: Timeout | None = None,
        rows_as_tensor: bool = False,
        parameters: dict[str, Any] | None = None,
    ) -> Prediction:
        """Score every row of ``frame`` in one call.

        With ``validate`` the rows are checked against the schema first and an
        ``InputError`` names every bad cell; nothing is sent then. ``rows_as_tensor`` sends the rows
        as one numeric tensor when, and only when, the model's V2 metadata declares it takes that
        (``schema.takes_numeric_rows``); otherwise the usual body. ``parameters`` are the model's inference
        parameters a person chose (``schema.params``), sent in a V2 request's ``parameters``.

        A V2 model that takes fewer rows per request (``schema.rows_per_request``, from a Triton model's
        ``max_batch_size``; one row without a batch dimension) gets one request per part, in order, joined into
        one ``Prediction`` whose request and response list every call's.
        """
        schema = schema or ModelSchema()
        chosen = chosen_parameters(schema.params, parameters or {})
        if chosen and ref.protocol != "v2":
            raise InputError(f"Model '{ref.name}' takes no inference parameters over {ref.protocol}.")
        if len(frame) == 0:
            raise InputError(f"Nothing to score for model '{ref.name}': the input has no rows.")
        if validate and not schema.is_empty:
            errors = schema.validate(frame)
            if errors:
                shown = "; ".join(str(e) if e.row >= 0 else e.message for e in errors[:5])
                more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
                raise InputError(f"Input for model '{ref.name}' does not fit its schema: {shown}{more}.")
        per_request = 1 if schema.one_row_per_call else schema.rows_per_request
        if ref.protocol == "v2" and 0 < per_request < len(frame):
            return joined([self.predict(ref, frame.iloc[start:start + per_request], schema, validate=False,
                                        timeout=timeout, rows_as_tensor=rows_as_tensor, parameters=parameters)
                           for start in range(0, len(frame), per_request)])
        codec = codec_for(ref.protocol)
        request_id = uuid.uuid4().hex
        if rows_as_tensor and ref.protocol == "v2" and schema.takes_numeric_rows:
            body = codec.encode_rows_tensor(frame, schema, request_id=request_id)  # type: ignore[attr-defined]
        else:
            body = codec.encode(frame, schema, request_id=request_id)
        if chosen:
            body["parameters"] = {**body.get("parameters", {}), **chosen}
        return self._send_predict(ref, body, schema, n_rows=len(frame), request_id=request_id, timeout=timeout)

    def predict_body(
        self, ref: ModelRef, body: dict[str, Any], schema: ModelSchema | None = None, *, n_rows: int | None = None,
        timeout: Timeout | None = None,
    ) -> Prediction:
        """Send a body written by hand (the raw JSON editor, the payload check's "Send it") or by a codec, and decode
        the answer; a V2 body of more rows than the model takes in one request goes in parts (``codecs.v2_parts``)."""
        if not isinstance(body, dict):
            raise InputError("The payload must be a JSON object.")
        schema = schema or ModelSchema()
        rows = n_rows if n_rows is not None else rows_in_body(body)
        per_request = 1 if schema.one_row_per_call else schema.rows_per_request
        parts = split_rows(body, schema, rows, per_request) if ref.protocol == "v2" else None
        if parts is not None:  # more rows than the model takes in one request: one request per part, in order
            return joined([self._send_predict(ref, part, schema, n_rows=min(per_request, rows - i * per_request),
                                              request_id="", timeout=timeout) for i, part in enumerate(parts)])
        return self._send_predict(ref, body, schema, n_rows=rows, request_id="", timeout=timeout)

    def _send_predict(
        self,
        ref: ModelRef,
        body: dict[str, Any],
        schema: ModelSchema,
        *,
        n_rows: int,
        request_id: str,
        timeout: Timeout | None = None,
    ) -> Prediction:
        headers = dict(ref.headers)
        if request_id and ref.protocol in ("v2", "kserve-v1"):
            headers["x-request-id"] = request_id
        if request_id and ref.protocol == "kserve-v1":
            headers["Ce-Id"] = request_id  # KServe's request logger names the call by the Ce-Id it receives
        traceparent, trace_id = new_traceparent()
        headers[TRACE_HEADER] = traceparent
        started = time.perf_counter()
        try:
            response = self._post_infer(ref, body, headers, timeout)
        except MDSError as exc:
            exc.trace_id = trace_id  # type: ignore[attr-defined]  # a failed call is traced too
            raise
        latency_ms = (time.perf_counter() - started) * 1000.0
        doc = response.json(model=ref.name)
        try:
            decoded = codec_for(ref.protocol).decode(doc, schema, n_rows=n_rows)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ProtocolError(
                f"Model '{ref.name}' answered, but the answer does not read as {ref.protocol}: {exc}.",
                model=ref.name,
                url=response.url,
                status=response.status,
            ) from None
        return Prediction(
            model=ref.name,
            protocol=ref.protocol,
            labels=decoded.labels,
            proba_matrix=decoded.proba_matrix,
            proba_names=decoded.proba_names,
            values=decoded.values,
            outputs=decoded.outputs,
            request_id=decoded.request_id or response.headers.get("x-request-id", "") or request_id,
            request=body,
            response=doc,
            latency_ms=latency_ms,
            url=response.url,
            task=schema.task if schema.outputs else _task_of(decoded),
            served_by=answered_by(None, response.headers) or decoded.served_by,
            meta=decoded.meta,
            trace_id=trace_id,
        )

    # -- explainers ----------------------------------------------------------------------
    def explain(self, explainer: ModelRef, body: dict[str, Any], *, timeout: Timeout | None = None) -> dict[str, Any]:
        """Ask a deployed explainer; the answer is Alibi's Explanation document (``meta``, ``data``).

        Seldon v1 explainers take a v1 message at ``/api/v1.0/explain`` and answer the document
        itself; V2 ones (MLServer's alibi-explain runtime) take an inference request and answer it
        as JSON text in a BYTES output named ``explanation``.
        """
        url = explainer.explain_url
        # Not retried: an explainer that ran out of time would only run out of it again.
        response = self.transport.send("POST", url, body=dump_json(body), headers=explainer.headers,
                                       model=explainer.name, timeout=timeout, retry=NO_RETRY)
        doc = response.json(model=explainer.name)
        if explainer.protocol == "v2":
            doc = explanation_output(doc)
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
            raise ProtocolError(f"The explainer '{explainer.name}' answered without an Alibi explanation "
                                "(a JSON object with 'data').", model=explainer.name, url=url)
        return doc

    # -- feedback ------------------------------------------------------------------------
    def send_feedback(
        self,
        ref: ModelRef,
        *,
        request: dict[str, Any],
        response: dict[str, Any],
        reward: float | None = None,
        truth: Any = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Seldon v1's ``/api/v1.0/feedback``. Not idempotent: retried only when nothing was sent.

        ``idempotency_key`` (one per item, the same on every retry) goes as the ``Idempotency-Key`` header
        and in ``response.meta.tags`` (kept by Seldon's request logger); Seldon itself counts every call.
        """
        url = ref.feedback_url
        if url is None:
            raise MDSError(f"Model '{ref.name}' speaks V2, which has no feedback endpoint; feedback stays in the workbench.")
        headers = {**ref.headers, "Idempotency-Key": idempotency_key} if idempotency_key else ref.headers
        response = with_tag(response, "idempotency_key", idempotency_key) if idempotency_key else response
        body: dict[str, Any] = {"request": request, "response": response}
        if reward is not None:
            body["reward"] = float(reward)
        if truth is not None:
            body["truth"] = {"data": {"ndarray": [truth if isinstance(truth, list) else [truth]]}}
        try:
            answer = self.transport.send(
                "POST", url, body=dump_json(body), headers=headers, model=ref.name, idempotent=False
            )
        except IncompleteAnswer as exc:
            if exc.status is not None and exc.status < 300:
                # The server took it (its 2xx arrived); only the echo broke off. Sending it again would
                # count this feedback twice, and Seldon's endpoint has no idempotency key.
                return {"accepted": True, "answer": "incomplete"}
            raise
        try:
            doc = answer.json(model=ref.name) if answer.content else {}
        except ProtocolError:
            return {"accepted": True, "answer": answer.content[:200].decode("utf-8", "replace")}
        return doc if isinstance(doc, dict) else {"answer": doc}

    def _post_infer(self, ref: ModelRef, body: dict[str, Any], headers: dict[str, str],
                    timeout: Timeout | None) -> Response:
        """The inference call over the ref's transport: REST's POST, or gRPC's ModelInfer (answering alike)."""
        if ref.uses_grpc:
            return self.grpc.infer(grpc_url_of(ref), body, model=ref.v2_name,
                                   version=ref.version if ref.version_in_path else "", headers=headers,
                                   timeout=timeout, label=ref.name)
        return self.transport.send("POST", ref.predict_url, body=dump_json(body), headers=headers, model=ref.name,
                                   timeout=timeout)

    def close(self) -> None:
        self.transport.close()
        if self._grpc is not None:
            self._grpc.close()


def _task_of(decoded: Any) -> str:
    if decoded.proba_matrix is not None:
        return "classification"
    if decoded.values is not None:
        return "regression"
    return "other"
