"""Request-log sink throughput, side by side with a bare Starlette endpoint, nothing lost.

Starts the real sink (``python -m workbench.logsink``: uvicorn, one process, a throwaway SQLite
store) and a bare Starlette endpoint that only reads the body and answers 200 under the same uvicorn
(``bench/_bare_sink.py``), one after the other on free ports. Each gets CALLS calls (a request and a
response event each: binary CloudEvents with Seldon's executor headers, one wine-like 13-feature
instance) from CONCURRENCY keep-alive connections. The client writes pre-built HTTP/1.1 requests on
raw asyncio streams so that it costs far less than the servers it measures. Then the sink's rows are
counted and each must be joined (status ok): lost = calls sent - calls stored joined.

Prints events/s and logged calls/s of both, the ratio sink / bare, and the ratio to the 2,000
logged calls/s goal; also the sink's pipeline without HTTP (parse + decode + group-committed upsert
in process), which says how much of the cost is the HTTP server rather than the sink.

    PYTHONPATH=$PWD .venvs/app/bin/python bench/sink_throughput.py [CALLS] [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.workbench.logsink.conftest import free_port, start_sink, stop_sink, wait_http
from workbench.logsink.events import binary_headers

GOAL_CALLS_PER_S = 2000.0
NAMES = [f"f{j}" for j in range(13)]
MODEL = "bench-model"


def bodies(rid: str) -> tuple[bytes, bytes]:
    request = {"data": {"names": NAMES, "ndarray": [[13.2, 1.78, 2.14, 11.2, 100.0, 2.65, 2.76, 0.26, 1.28, 4.38,
                                                      1.05, 3.4, 1050.0]]}, "meta": {"puid": rid}}
    response = {"data": {"names": ["c0", "c1", "c2"], "ndarray": [[0.91, 0.06, 0.03]]}, "meta": {"puid": rid}}
    return orjson.dumps(request), orjson.dumps(response)


def raw_requests(calls: int, tag: str) -> list[bytes]:
    """Every event as the exact bytes of an HTTP/1.1 keep-alive POST."""
    out = []
    for i in range(calls):
        rid = f"{tag}-{i}-{uuid.uuid4().hex[:8]}"
        for kind, body in zip(("request", "response"), bodies(rid), strict=True):
            headers = binary_headers(event_id=uuid.uuid4().hex, kind=kind, request_id=rid, service=MODEL)
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            out.append(f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode()
                       + body)
    return out


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def send_all(port: int, requests: list[bytes], concurrency: int) -> tuple[int, float]:
    """(non-200 answers, seconds). Requests are dealt round-robin; a call's two events go on one connection."""
    pairs = [requests[i:i + 2] for i in range(0, len(requests), 2)]
    lanes = [[e for pair in pairs[k::concurrency] for e in pair] for k in range(concurrency)]
    failures = 0

    async def lane(items: list[bytes]) -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for item in items:
            writer.write(item)
            failures += await _read_response(reader) != 200
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(lane(items) for items in lanes if items))
    return failures, time.perf_counter() - started


def pipeline_only(calls: int, tmp: Path) -> float:
    """Calls/s of parse + decode + one group-committed upsert per 500 events, no HTTP."""
    from workbench.logsink.app import event_write
    from workbench.logsink.attribution import Attribution
    from workbench.logsink.events import parse_event
    from workbench.store import open_store
    from workbench.store.request_log import LogWrite, store_log

    engine = open_store(f"sqlite:///{tmp / 'pipeline.db'}")
    attribution = Attribution(None, refs=[])
    events = []
    for i in range(calls):
        rid = f"p-{i}"
        for kind, body in zip(("request", "response"), bodies(rid), strict=True):
            events.append((binary_headers(event_id=uuid.uuid4().hex, kind=kind, request_id=rid, service=MODEL), body))
    started = time.perf_counter()
    group = LogWrite()
    for n, (headers, body) in enumerate(events, 1):
        event = parse_event(headers, body)
        write = event_write(event, attribution.attribute(event.service, event.model_id), None)
        group.rows.extend(write.rows)
        if n % 500 == 0:
            from workbench.logsink.writer import _dedupe

            store_log(engine, _dedupe(group))
            group = LogWrite()
    return calls / (time.perf_counter() - started)


def stored_joined(engine) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from workbench.store.request_log import RequestLogRow as R

    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(R.model == MODEL, R.status == "ok",
                                                                 R.inputs.is_not(None))).scalar_one())


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    warm, load = raw_requests(100, "warm"), raw_requests(calls, "load")
    with tempfile.TemporaryDirectory() as tmp:
        sink = start_sink(Path(tmp), None)
        try:
            port = int(sink.url.rsplit(":", 1)[1])
            asyncio.run(send_all(port, warm, 4))
            sink_failures, sink_seconds = asyncio.run(send_all(port, load, concurrency))
            stored = stored_joined(sink.engine()) - 100
        finally:
            stop_sink(sink)
        port = free_port()
        bare = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_bare_sink.py")), str(port)],
                                env={**os.environ})
        try:
            wait_http(f"http://127.0.0.1:{port}/health", bare)
            asyncio.run(send_all(port, warm, 4))
            bare_failures, bare_seconds = asyncio.run(send_all(port, load, concurrency))
        finally:
            bare.terminate()
            bare.wait(10)
        pipeline = pipeline_only(min(calls, 4000), Path(tmp))
    events = 2 * calls
    sink_calls, bare_calls = calls / sink_seconds, calls / bare_seconds
    print(f"{calls} calls ({events} events) from {concurrency} keep-alive connections, one uvicorn process each "
          f"(loop: {_loop()}), {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"  sink : {events / sink_seconds:8,.0f} events/s = {sink_calls:7,.0f} logged calls/s; "
          f"{sink_failures} non-200, {stored} calls stored joined, lost: {calls - stored}")
    print(f"  bare : {events / bare_seconds:8,.0f} events/s = {bare_calls:7,.0f} calls/s (Starlette, returns 200, "
          f"{bare_failures} non-200)")
    print(f"  ratio sink / bare: {sink_calls / bare_calls:.2f}; ratio to the {GOAL_CALLS_PER_S:,.0f} calls/s goal: "
          f"{sink_calls / GOAL_CALLS_PER_S:.2f}x")
    print(f"  sink pipeline without HTTP (parse + decode + group upsert): {pipeline:,.0f} calls/s")


def _loop() -> str:
    try:
        import uvloop  # noqa: F401

        return "uvloop"
    except ImportError:
        return "asyncio (uvicorn[standard] would add uvloop + httptools)"


if __name__ == "__main__":
    main()
