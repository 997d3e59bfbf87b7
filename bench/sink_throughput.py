"""Request-log sink throughput, side by side with bare endpoints under the same uvicorn, nothing lost.

Starts the real sink (``python -m logsink``: uvicorn + httptools + uvloop, one process, a
throwaway SQLite store with an fsync per group commit) and two baselines that only read the body and
answer 200 (``bench/_bare_sink.py``: a bare Starlette endpoint, and a bare ASGI callable), one after
the other on free ports. Each gets CALLS calls (a request and a response event each: binary
CloudEvents with Seldon's executor headers, one wine-like 13-feature instance) from CONCURRENCY
keep-alive connections. The client writes pre-built HTTP/1.1 requests on raw asyncio streams so that
it costs far less than the servers it measures. Then the sink's rows are counted and each must be
joined (status ok): lost = calls sent - calls stored joined.

Then the same calls once more, as the CloudEvents spec's batch mode (``application/cloudevents-batch
+json``, BATCH events per POST), which a relay in front of the sink could use.

Prints events/s and logged calls/s of each, the server's CPU seconds per event (read from /proc, so
that a machine shared with other work still says what one event costs), the sink's group commits
(events per commit, milliseconds per commit, beside a bare fsynced SQLite commit on the same disk:
with CONCURRENCY connections each waiting for its commit, events/s cannot pass CONCURRENCY / commit
time, whatever the CPU), the ratios sink / bare and sink / the 2,000 logged calls/s goal, and the
sink's pipeline without HTTP (parse + decode + group-committed upsert in process).

    PYTHONPATH=$PWD .venvs/app/bin/python bench/sink_throughput.py [CALLS] [CONCURRENCY] [BATCH]
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

from bench._figures import shown
from logsink.events import binary_headers
from tests.logsink.conftest import free_port, start_sink, stop_sink, wait_http

GOAL_CALLS_PER_S = 2000.0
NAMES = [f"f{j}" for j in range(13)]
MODEL = "bench-model"
BATCH_MODEL = "bench-batch"


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


def raw_batches(calls: int, tag: str, per_post: int) -> list[bytes]:
    """The same calls as structured events, ``per_post`` events (a call's two together) per batch POST."""
    events = []
    for i in range(calls):
        rid = f"{tag}-{i}-{uuid.uuid4().hex[:8]}"
        for kind, body in zip(("request", "response"), bodies(rid), strict=True):
            headers = binary_headers(event_id=uuid.uuid4().hex, kind=kind, request_id=rid, service=BATCH_MODEL)
            event = {k[3:].lower(): v for k, v in headers.items() if k.startswith("Ce-")}
            events.append({**event, "datacontenttype": "application/json", "data": orjson.loads(body)})
    out = []
    for k in range(0, len(events), per_post):
        body = orjson.dumps(events[k:k + per_post])
        out.append(f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/cloudevents-batch+json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def send_all(port: int, requests: list[bytes], concurrency: int, per_call: int = 2) -> tuple[int, float]:
    """(non-200 answers, seconds). Requests are dealt round-robin; a call's two events go on one connection."""
    pairs = [requests[i:i + per_call] for i in range(0, len(requests), per_call)]
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
    """Calls/s of parse + decode + one group-committed (fsynced) upsert per 500 events, no HTTP."""
    from logsink.app import event_write
    from logsink.attribution import Attribution
    from logsink.events import parse_event
    from workbench.store import open_store
    from workbench.store.engine import fsync_every_commit
    from workbench.store.request_log import LogWrite, store_log

    engine = fsync_every_commit(open_store(f"sqlite:///{tmp / 'pipeline.db'}"))
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
            from logsink.writer import _dedupe

            store_log(engine, _dedupe(group))
            group = LogWrite()
    return calls / (time.perf_counter() - started)


def commit_stats(url: str) -> tuple[float, float]:
    """(group commits, seconds in them) so far, from the sink's own /metrics."""
    import httpx

    values = {}
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        name, _, value = line.partition(" ")
        if name in ("mds_sink_commits_total", "mds_sink_write_seconds_sum"):
            values[name] = float(value)
    return values.get("mds_sink_commits_total", 0.0), values.get("mds_sink_write_seconds_sum", 0.0)


def fsync_latency(tmp: Path, commits: int = 100) -> float:
    """Median seconds of one fsynced SQLite commit (WAL, synchronous=FULL) on this disk, now: the floor
    of a group commit, so with C connections waiting for theirs, events/s <= C / commit time."""
    import sqlite3

    connection = sqlite3.connect(tmp / "fsync.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE t (x)")
    times = []
    for i in range(commits):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t VALUES (?)", (i,))
        connection.execute("COMMIT")
        times.append(time.perf_counter() - started)
    connection.close()
    return sorted(times)[len(times) // 2]


def stored_joined(engine, model: str = MODEL) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from workbench.store.tables import RequestLogRow as R

    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(R.model == model, R.status == "ok",
                                                                 R.inputs.is_not(None))).scalar_one())


def run(port: int, pid: int, warm: list[bytes], load: list[bytes], concurrency: int,
        per_call: int = 2) -> tuple[int, float, float]:
    """(non-200 answers, seconds, server CPU seconds) of sending ``load`` after ``warm``."""
    asyncio.run(send_all(port, warm, 4, per_call))
    before = cpu_seconds(pid)
    failures, seconds = asyncio.run(send_all(port, load, concurrency, per_call))
    return failures, seconds, cpu_seconds(pid) - before


def bare(kind: list[str], warm: list[bytes], load: list[bytes], concurrency: int) -> tuple[int, float, float]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_bare_sink.py")), str(port), *kind],
                               env={**os.environ})
    try:
        wait_http(f"http://127.0.0.1:{port}/health", process)
        return run(port, process.pid, warm, load, concurrency)
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    per_post = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    warm, load = raw_requests(100, "warm"), raw_requests(calls, "load")
    batch_warm, batch_load = raw_batches(100, "warm", per_post), raw_batches(calls, "load", per_post)
    with tempfile.TemporaryDirectory() as tmp:
        sink = start_sink(Path(tmp), None)
        try:
            port = int(sink.url.rsplit(":", 1)[1])
            commits_before = commit_stats(sink.url)
            sink_failures, sink_seconds, sink_cpu = run(port, sink.process.pid, warm, load, concurrency)
            commits_after = commit_stats(sink.url)
            stored = stored_joined(sink.engine()) - 100
            batch_failures, batch_seconds, batch_cpu = run(port, sink.process.pid, batch_warm, batch_load,
                                                           max(1, concurrency // 4), per_call=1)
            batch_stored = stored_joined(sink.engine(), BATCH_MODEL) - 100
        finally:
            stop_sink(sink)
        bare_failures, bare_seconds, bare_cpu = bare([], warm, load, concurrency)
        raw_failures, raw_seconds, raw_cpu = bare(["raw"], warm, load, concurrency)
        pipeline = pipeline_only(min(calls, 4000), Path(tmp))
        fsync_seconds = fsync_latency(Path(tmp))
    commits = commits_after[0] - commits_before[0]
    commit_seconds = (commits_after[1] - commits_before[1]) / max(commits, 1)
    events = 2 * calls
    def rate(count: float, seconds: float) -> str:
        return shown(count, seconds, "8,.0f")

    def cpu(seconds: float) -> str:
        return (f"server CPU {shown(seconds * 1e6, events, '4.0f')} us/event "
                f"(= {shown(events / 2, seconds, '6,.0f')} calls/s per core)")

    print(f"{calls} calls ({events} events) from {concurrency} keep-alive connections, one uvicorn process each "
          f"(loop: {_loop()}), {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"  sink       : {rate(events, sink_seconds)} events/s = {rate(calls, sink_seconds)} logged calls/s; "
          f"{cpu(sink_cpu)}; {sink_failures} non-200, {stored} calls stored joined, lost: {calls - stored}")
    print(f"  sink group commits: {commits:,.0f} ({events / max(commits, 1):.1f} events each), "
          f"{commit_seconds * 1e3:.1f} ms each; an fsynced SQLite commit on this disk now: "
          f"{fsync_seconds * 1e3:.1f} ms (median)")
    print(f"  sink batch : {rate(events, batch_seconds)} events/s = {rate(calls, batch_seconds)} logged calls/s; "
          f"{cpu(batch_cpu)}; {per_post} events per POST, {batch_failures} non-200, {batch_stored} stored joined, "
          f"lost: {calls - batch_stored}")
    print(f"  bare Starlette: {rate(events, bare_seconds)} events/s = {rate(calls, bare_seconds)} calls/s; "
          f"{cpu(bare_cpu)}; {bare_failures} non-200")
    print(f"  bare ASGI  : {rate(events, raw_seconds)} events/s = {rate(calls, raw_seconds)} calls/s; "
          f"{cpu(raw_cpu)}; {raw_failures} non-200")
    # calls / a over calls / b is b / a: the ratio of two rates is the inverse ratio of their seconds
    print(f"  ratio sink / bare Starlette: {shown(bare_seconds, sink_seconds)} (CPU per event "
          f"{shown(bare_cpu, sink_cpu)}); sink / bare ASGI: {shown(raw_seconds, sink_seconds)} "
          f"(CPU {shown(raw_cpu, sink_cpu)})")
    goal_seconds = calls / GOAL_CALLS_PER_S
    print(f"  ratio to the {GOAL_CALLS_PER_S:,.0f} calls/s goal: sink {shown(goal_seconds, sink_seconds, '.2f', 'x')}, "
          f"batch mode {shown(goal_seconds, batch_seconds, '.2f', 'x')}, "
          f"bare Starlette {shown(goal_seconds, bare_seconds, '.2f', 'x')}")
    print(f"  sink pipeline without HTTP (parse + decode + group upsert): {pipeline:,.0f} calls/s")


def _loop() -> str:
    try:
        import uvloop  # noqa: F401

        return "uvloop"
    except ImportError:
        return "asyncio (uvicorn[standard] would add uvloop + httptools)"


if __name__ == "__main__":
    main()
