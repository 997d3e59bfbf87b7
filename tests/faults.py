"""A fault-injecting HTTP proxy on 127.0.0.1, between a client and a real model server.

    proxy = start_proxy("http://127.0.0.1:<server port>")
    proxy.mode = "truncate"          # every later request meets the fault
    ...
    proxy.mode = "pass"              # the fault clears
    proxy.close()

Modes (``FAULTS`` lists the failing ones):
  pass      relay both ways, untouched
  delay     wait ``proxy.delay_s`` before relaying; a client that gave up meanwhile is not relayed (like
            a load balancer in front of a busy server), so the server sees each request at most once
  drop      read the request, close without a word (nothing reaches the server)
  reset     read the request, close with a TCP RST (SO_LINGER 0; nothing reaches the server)
  garbage   answer random bytes that are not HTTP (nothing reaches the server)
  html_5xx  answer ``502 Bad Gateway`` with an HTML page, as nginx does (nothing reaches the server)
  truncate  relay, then send the server's status and headers and only half its body, and close
  trickle   relay, then send the server's status and headers, and its body one byte every ``proxy.trickle_s`` s
  lose_answer  relay (the server takes the request), then close without a byte of its answer: the lost
            response after which a client cannot know it arrived (not in ``FAULTS``: a retry repeats it)

Counts, for "nothing lost, nothing twice" checks: ``proxy.seen`` (requests received, by path),
``proxy.relayed`` (requests the server answered, by path, with its status), ``proxy.keys`` (relayed
requests by path and ``Idempotency-Key`` header).
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

FAULTS = ("delay", "drop", "reset", "garbage", "html_5xx", "truncate", "trickle")
NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
             b"</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n")
MAX_HEADER = 64 * 1024


@dataclass
class FaultProxy:
    upstream: str
    mode: str = "pass"
    delay_s: float = 3.0
    trickle_s: float = 0.05
    healthy_left: int = 0
    """Requests still relayed untouched before ``mode`` applies (a fault that starts mid-job)."""
    url: str = ""
    seen: Counter = field(default_factory=Counter)
    relayed: Counter = field(default_factory=Counter)
    """(path, status) -> how many requests the server answered through the proxy."""
    keys: Counter = field(default_factory=Counter)
    """(path, Idempotency-Key header or "") -> how many requests the server answered through the proxy."""
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.AbstractServer | None = None
    _thread: threading.Thread | None = None

    def delivered(self, path_part: str) -> int:
        """Requests whose path contains ``path_part`` that the server answered with 2xx."""
        return sum(n for (path, status), n in self.relayed.items() if path_part in path and 200 <= status < 300)

    def close(self) -> None:
        if self._loop is None:
            return

        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            for task in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
                task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes, str] | None:
    """(head, body, path) of the next request on this connection, or None at its end."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    path = parts[1] if len(parts) > 1 else "?"
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip() or 0)
    body = await reader.readexactly(length) if length else b""
    return head, body, path


def _close_on_upstream(head: bytes, upstream_netloc: str) -> bytes:
    """The request head with ``Connection: close`` (one upstream connection per request) and our Host."""
    lines = head.decode("latin-1").split("\r\n")
    kept = [line for line in lines[1:] if line and line.split(":")[0].strip().lower() not in ("connection", "host")]
    return "\r\n".join([lines[0], f"Host: {upstream_netloc}", "Connection: close", *kept, "", ""]).encode("latin-1")


async def _relay(proxy: FaultProxy, head: bytes, body: bytes, path: str) -> bytes:
    parts = urlsplit(proxy.upstream)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(_close_on_upstream(head, parts.netloc) + body)
    await writer.drain()
    answer = await reader.read()  # Connection: close, so the answer ends at EOF
    writer.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    proxy.relayed[(path, status)] += 1
    proxy.keys[(path, _header(head, "idempotency-key"))] += 1
    return answer


def _header(head: bytes, name: str) -> str:
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return ""


def _rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _client_gone(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Wait ``seconds``; True when the client closed its side meanwhile."""
    try:
        data = await asyncio.wait_for(reader.read(1), seconds)
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return data == b""


async def _handle(proxy: FaultProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            request = await _read_request(reader)
            if request is None:
                break
            head, body, path = request
            proxy.seen[path] += 1
            mode = proxy.mode
            if proxy.healthy_left > 0:
                proxy.healthy_left -= 1
                mode = "pass"
            if mode == "drop":
                break
            if mode == "reset":
                _rst(writer)
                return
            if mode == "garbage":
                writer.write(os.urandom(256).replace(b"HTTP", b"XXXX"))
                await writer.drain()
                break
            if mode == "html_5xx":
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: "
                             + str(len(NGINX_502)).encode() + b"\r\nConnection: close\r\n\r\n" + NGINX_502)
                await writer.drain()
                break
            if mode == "delay" and await _client_gone(reader, proxy.delay_s):
                break
            answer = await _relay(proxy, head, body, path)
            if mode == "lose_answer":
                break
            if mode == "truncate":
                split = answer.find(b"\r\n\r\n") + 4
                writer.write(answer[: split + max(1, (len(answer) - split) // 2)])
                await writer.drain()
                break
            if mode == "trickle":
                split = answer.find(b"\r\n\r\n") + 4
                writer.write(answer[:split])
                for i in range(split, len(answer)):
                    writer.write(answer[i : i + 1])
                    await writer.drain()
                    await asyncio.sleep(proxy.trickle_s)
                break
            writer.write(answer)
            await writer.drain()
            break  # the server's answer said Connection: close or ended at EOF: one request per connection
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        if not writer.transport.is_closing():
            writer.close()


def start_proxy(upstream: str) -> FaultProxy:
    """A proxy to ``upstream`` (``http://127.0.0.1:<port>``) on a free loopback port, in its own thread."""
    proxy = FaultProxy(upstream.rstrip("/"))
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def serve() -> None:
            proxy._server = await asyncio.start_server(lambda r, w: _handle(proxy, r, w), "127.0.0.1", 0,
                                                       limit=MAX_HEADER)
            port = proxy._server.sockets[0].getsockname()[1]
            proxy.url = f"http://127.0.0.1:{port}"
            ready.set()

        loop.run_until_complete(serve())
        loop.run_forever()
        loop.close()

    proxy._loop = loop
    proxy._thread = threading.Thread(target=run, name="fault-proxy", daemon=True)
    proxy._thread.start()
    ready.wait(5)
    return proxy


def through(ref, proxy: FaultProxy):
    """``ref`` (a ``ModelRef``) with its endpoint's origin swapped for the proxy's."""
    from dataclasses import replace

    parts = urlsplit(ref.endpoint)
    return replace(ref, endpoint=proxy.url + parts.path)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# What a person must never see in an error message: internals instead of words.
INTERNALS = ("Traceback", "HTTPConnectionPool", "urllib3", "object at 0x", "<html", "<title", "Max retries",
             "ProtocolError(", "RemoteDisconnected(", "IncompleteRead(")


def assert_plain(message: str) -> None:
    for mark in INTERNALS:
        assert mark not in message, f"{mark!r} in the message: {message}"
