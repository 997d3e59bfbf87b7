"""Request-log sink throughput: events/s sustained into SQLite with nothing lost (count in = count stored).

Starts the real sink (``python -m workbench.logsink``, uvicorn, one process) on a free port with a
throwaway SQLite store, posts CALLS calls (a request and a response event each, binary CloudEvents
exactly as Seldon's executor sends them, one wine-like 13-feature instance) from CONCURRENCY
connections, then counts the rows stored and checks each is joined. Prints events/s, logged calls/s
and the ratio to the 2,000 calls/s goal.

    PYTHONPATH=$PWD .venvs/app/bin/python bench/sink_throughput.py [CALLS] [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.workbench.logsink.conftest import start_sink, stop_sink
from workbench.logsink.events import binary_headers
from workbench.store.traffic import count_log_rows

GOAL_CALLS_PER_S = 2000.0
NAMES = [f"f{j}" for j in range(13)]


def bodies(rid: str) -> tuple[bytes, bytes]:
    request = {"data": {"names": NAMES, "ndarray": [[13.2, 1.78, 2.14, 11.2, 100.0, 2.65, 2.76, 0.26, 1.28, 4.38,
                                                      1.05, 3.4, 1050.0]]}, "meta": {"puid": rid}}
    response = {"data": {"names": ["c0", "c1", "c2"], "ndarray": [[0.91, 0.06, 0.03]]}, "meta": {"puid": rid}}
    return orjson.dumps(request), orjson.dumps(response)


async def send_all(url: str, calls: int, concurrency: int) -> int:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(calls):
        queue.put_nowait(i)
    failures = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            queue.get_nowait()
            rid = uuid.uuid4().hex
            request, response = bodies(rid)
            for kind, body in (("request", request), ("response", response)):
                headers = binary_headers(event_id=uuid.uuid4().hex, kind=kind, request_id=rid, service="bench-model")
                answer = await client.post(url + "/", content=body, headers=headers)
                failures += answer.status_code != 200

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return failures


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    with tempfile.TemporaryDirectory() as tmp:
        sink = start_sink(Path(tmp), None)
        try:
            asyncio.run(send_all(sink.url, 50, 4))  # warm-up: connections, migrations done, first commit
            started = time.perf_counter()
            failures = asyncio.run(send_all(sink.url, calls, concurrency))
            seconds = time.perf_counter() - started
            stored = count_log_rows(sink.engine(), model="bench-model") - 50
        finally:
            stop_sink(sink)
    events = 2 * calls
    print(f"sink: {calls} calls ({events} events) in {seconds:.2f} s from {concurrency} connections, "
          f"{failures} non-200 answers, {stored} calls stored (lost: {calls - stored})")
    print(f"  {events / seconds:,.0f} events/s = {calls / seconds:,.0f} logged calls/s; "
          f"ratio to the {GOAL_CALLS_PER_S:,.0f} calls/s goal: {calls / seconds / GOAL_CALLS_PER_S:.2f}x")


if __name__ == "__main__":
    main()
