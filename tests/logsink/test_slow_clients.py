"""Slow clients against the real sink process: silence, headers or a body trickled a byte at a time
(slowloris) are cut off at the read deadlines (``logsink/server.py``), and meanwhile the sink
answers everyone else."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.logsink.conftest import start_sink, stop_sink

HEADER_S, BODY_S = 1.0, 1.5
EVENT_HEAD = ("POST / HTTP/1.1\r\nHost: sink\r\nCe-Id: slow-1\r\nCe-Specversion: 1.0\r\n"
              "Ce-Type: io.seldon.serving.inference.request\r\nCe-Source: test\r\nCe-Requestid: slow-1\r\n"
              "Ce-Inferenceservicename: flowers-sdep\r\nContent-Type: application/json\r\n")


@pytest.fixture(scope="module")
def slow_sink(tmp_path_factory, sink_catalog):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_SINK_HEADER_SECONDS", str(HEADER_S))
        patch.setenv("WORKBENCH_SINK_BODY_SECONDS", str(BODY_S))
        running = start_sink(tmp_path_factory.mktemp("slow-sink"), sink_catalog)
    yield running
    stop_sink(running)


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.settimeout(0.05)
    return sock


def trickle_until_closed(sock: socket.socket, data: bytes, every: float = 0.1, limit: float = 15.0) -> tuple[float, bytes]:
    """Send ``data`` a byte every ``every`` s (then wait) until the sink closes; (seconds, what it answered)."""
    start, answer, sent = time.monotonic(), b"", 0
    while time.monotonic() - start < limit:
        if sent < len(data):
            try:
                sock.sendall(data[sent:sent + 1])
                sent += 1
            except OSError:  # closed (reset) by the sink
                return time.monotonic() - start, answer
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            chunk = None
        except OSError:
            return time.monotonic() - start, answer
        if chunk == b"":
            return time.monotonic() - start, answer
        if chunk:
            answer += chunk
        time.sleep(every)
    raise AssertionError(f"the sink held a slow client for {limit} s (sent {sent} of {len(data)} bytes)")


def healthy_meanwhile(url: str) -> float:
    start = time.monotonic()
    assert httpx.get(url + "/health", timeout=5).status_code == 200
    return time.monotonic() - start


def test_headers_trickled_byte_by_byte_get_408_at_the_deadline(slow_sink):
    sock = connect(slow_sink.url)
    with sock:
        sock.sendall(b"P")
        assert healthy_meanwhile(slow_sink.url) < 2  # others are served while the slow client trickles
        took, answer = trickle_until_closed(sock, (EVENT_HEAD + "X-Pad: " + "a" * 500 + "\r\n\r\n").encode()[1:])
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert HEADER_S * 0.5 < took < HEADER_S + 3, took


def test_a_silent_connection_is_closed_at_the_header_deadline(slow_sink):
    socks = [connect(slow_sink.url) for _ in range(20)]  # twenty clients that never say a word
    assert healthy_meanwhile(slow_sink.url) < 2
    took = [trickle_until_closed(s, b"")[0] for s in socks]
    for s in socks:
        s.close()
    assert max(took) < HEADER_S + 3, took


def test_a_body_trickled_byte_by_byte_is_cut_at_the_body_deadline(slow_sink):
    sock = connect(slow_sink.url)
    with sock:
        sock.sendall((EVENT_HEAD + "Content-Length: 400\r\n\r\n").encode())
        took, answer = trickle_until_closed(sock, b'{"data": {"ndarray": [[' + b"1," * 190 + b"1]]}}")
    assert BODY_S * 0.5 < took < BODY_S + 3, (took, answer[:80])
    assert not answer.startswith(b"HTTP/1.1 2"), answer[:80]  # an event that never fully arrived is not taken
    assert healthy_meanwhile(slow_sink.url) < 2


def test_a_slow_but_timely_client_and_a_kept_alive_connection_are_served(slow_sink):
    body = b'{"data": {"names": ["a"], "ndarray": [[1]]}}'
    request = (EVENT_HEAD + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    sock = connect(slow_sink.url)
    with sock:
        sock.settimeout(10)
        for part in (request[:40], request[40:120], request[120:]):  # in pieces, well within the deadlines
            sock.sendall(part)
            time.sleep(0.2)
        first = sock.recv(4096)
        assert first.startswith(b"HTTP/1.1 2"), first[:200]
        sock.settimeout(0.05)
        # The same kept-alive connection: a next request trickled past the deadline gets 408 too.
        took, answer = trickle_until_closed(sock, request.replace(b"slow-1", b"slow-2"), every=0.2)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert took < HEADER_S + 3
