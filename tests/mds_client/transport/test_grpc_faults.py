"""Faults a real model server cannot be made to show on demand, injected by a gRPC server in this process that speaks
``inference.GRPCInferenceService/ModelInfer`` (the one fake allowed: injected faults): a server too slow for the
deadline, one that is unavailable a while and then answers, one that fails every time."""

from __future__ import annotations

import time
from concurrent import futures

import grpc
import pytest

from mds_client.errors import ModelUnavailable, RequestTimeout, ServerError
from mds_client.transport import grpc_messages as wire
from mds_client.transport.grpc_v2 import GrpcTransport
from mds_client.transport.sessions import Retry, Timeout

BODY = {"inputs": [{"name": "x", "datatype": "FP64", "shape": [2], "data": [1.0, 2.0]}]}


class Faulty:
    """ModelInfer that sleeps ``delay`` s, aborts with ``codes`` in turn, then answers the input doubled."""

    def __init__(self, *, delay: float = 0.0, codes: tuple = ()) -> None:
        self.delay, self.codes, self.calls = delay, list(codes), 0

    def infer(self, request, context):
        self.calls += 1
        time.sleep(self.delay)
        if self.codes:
            context.abort(self.codes.pop(0), "injected fault")
        answer = wire.messages().ModelInferResponse(model_name=request.model_name, id=request.id)
        answer.outputs.add(name="y", datatype="FP64", shape=[2]).contents.fp64_contents.extend([2.0, 4.0])
        return answer


@pytest.fixture
def fault_server():
    servers = []

    def start(faulty: Faulty) -> str:
        m = wire.messages()
        handler = grpc.method_handlers_generic_handler(wire.SERVICE, {"ModelInfer": grpc.unary_unary_rpc_method_handler(
            faulty.infer, request_deserializer=m.ModelInferRequest.FromString,
            response_serializer=m.ModelInferResponse.SerializeToString)})
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return f"grpc://127.0.0.1:{port}"

    yield start
    for server in servers:
        server.stop(grace=None)


def test_a_server_slower_than_the_deadline_is_a_timeout(fault_server):
    url = fault_server(Faulty(delay=1.5))
    transport = GrpcTransport(retry=Retry(attempts=1))
    started = time.perf_counter()
    with pytest.raises(RequestTimeout, match=r"did not answer within 0.6 s"):
        transport.infer(url, BODY, model="slow", timeout=Timeout(0.3, 0.3))
    assert time.perf_counter() - started < 1.4
    transport.close()


def test_unavailable_for_a_moment_is_retried_and_the_answer_arrives(fault_server):
    faulty = Faulty(codes=(grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAVAILABLE))
    transport = GrpcTransport(retry=Retry(attempts=3, backoff=0.01))
    answer = transport.infer(fault_server(faulty), BODY, model="flaky")
    assert faulty.calls == 3 and answer.json()["outputs"][0]["data"].tolist() == [2.0, 4.0]
    transport.close()


@pytest.mark.parametrize(("code", "error", "calls"), [
    (grpc.StatusCode.UNAVAILABLE, ModelUnavailable, 3),  # nothing reached a model: tried again, then given up
    (grpc.StatusCode.INTERNAL, ServerError, 1),  # the model failed: not sent again
])
def test_a_server_that_keeps_failing_gives_the_typed_error(fault_server, code, error, calls):
    faulty = Faulty(codes=(code,) * 5)
    transport = GrpcTransport(retry=Retry(attempts=3, backoff=0.01))
    with pytest.raises(error, match="Model 'broken'"):
        transport.infer(fault_server(faulty), BODY, model="broken")
    assert faulty.calls == calls
    transport.close()
