"""Baselines under the same uvicorn as the sink: read the body, answer 200, store nothing.

``python bench/_bare_sink.py PORT`` is a bare Starlette endpoint; ``PORT raw`` a bare ASGI callable
(no Starlette), which is what uvicorn + httptools cost by themselves per request.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def receive(request: Request) -> Response:
    await request.body()
    return JSONResponse({"stored": 1})


async def health(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/", receive, methods=["POST"]), Route("/health", health)])


async def raw_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    more = scope["type"] == "http" and scope["method"] == "POST"
    while more:
        more = (await receive()).get("more_body", False)
    body = b'{"stored":1}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    chosen = raw_app if sys.argv[2:] == ["raw"] else app
    uvicorn.run(chosen, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False,
                proxy_headers=False)
