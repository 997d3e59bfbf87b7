"""A Seldon Core v1 explainer server: Alibi's AnchorTabular behind ``POST /api/v1.0/explain``.

Seldon Core v1 serves a SeldonDeployment's ``explainer:`` with its ``alibiexplainer`` image (a
Tornado server from seldon-core's ``components/alibi-explain-server``). That package is not on
PyPI and cannot be installed here, so the embedded MDS runs this stand-in, which keeps the same
wire contract:

- request: a v1 message ``{"data": {"ndarray": [[...]]}}`` (or ``data.tensor``; ``names`` is
  ignored, as there); the first row is explained;
- response: ``json.loads(explanation.to_json())`` of the Alibi ``Explanation`` (``meta`` with
  ``name``/``type``/``explanations``/``params``/``version``, ``data`` with ``anchor``,
  ``precision``, ``coverage`` and ``raw`` (examples, prediction, instance));
- errors: Tornado's own error page with the reason (HTTP 400 for an unreadable body);
- the predictor: a black box that posts ``{"data": {"ndarray": rows}}`` to the model's v1
  prediction URL and reads ``data.ndarray`` (or ``data.tensor``) back, the class probabilities.

Two differences, both on purpose: the predictor keeps one pooled ``requests.Session`` (the
original posts afresh per call), and explanations run on one worker thread so ``/health/ping``
and ``/health/ready`` (ours; the original has no health route) answer during a long one.
At start the saved explainer is loaded with ``alibi.saving.load_explainer`` (as the original
does); when none is saved yet it is fitted on the reference CSV first and saved. AnchorTabular
calls the model while loading, so ``/health/ready`` says 503 until the model has answered.

Runs in the app environment (Tornado and alibi are there):

    python -m embedded_mds.served.v1_explainer --config DIR/explainer.json --port 9523

``explainer.json``: ``{"name", "predictor_url", "feature_names", "reference_csv",
"explain_parameters": {"threshold": 0.95, ...}, "seed": 0}``; the saved explainer lives in
``DIR/explainer/``. This module imports only the stdlib at its top.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

logger = logging.getLogger("workbench.v1_explainer")

EXPLAIN_PATHS = (r"/api/v1.0/explain", r"/api/v0.1/explain")
PREDICT_TIMEOUT = (3.0, 30.0)
LOAD_RETRY_SECONDS = 0.5


class V1Predictor:
    """The model as Alibi sees it: rows in, class probabilities out, over its v1 endpoint."""

    def __init__(self, url: str) -> None:
        import requests

        self.url = url
        self.session = requests.Session()
        self.calls = 0

    def __call__(self, rows: Any) -> Any:
        import numpy as np

        body = {"data": {"ndarray": np.asarray(rows, dtype=float).tolist()}}
        answer = self.session.post(self.url, json=body, timeout=PREDICT_TIMEOUT)
        self.calls += 1
        if answer.status_code != 200:
            raise RuntimeError(f"the model answered HTTP {answer.status_code}: {answer.text[:300]}")
        return np.asarray(rows_of(answer.json()))


def rows_of(message: dict[str, Any]) -> Any:
    """The array a v1 message carries in ``data.ndarray`` or ``data.tensor``."""
    import numpy as np

    data = message.get("data") if isinstance(message, dict) else None
    if not isinstance(data, dict):
        raise ValueError('Expected key "data" in request body')
    if "ndarray" in data:
        return np.asarray(data["ndarray"])
    if isinstance(data.get("tensor"), dict):
        tensor = data["tensor"]
        return np.asarray(tensor.get("values"), dtype=float).reshape(tensor.get("shape"))
    raise ValueError('"data" key should contain either "tensor","ndarray"')


class AnchorService:
    """The loaded explainer and how to ask it; ``ready`` once the model has answered the load probe."""

    def __init__(self, config: dict[str, Any], folder: Path) -> None:
        self.config = config
        self.folder = folder
        self.predictor = V1Predictor(config["predictor_url"])
        self.explainer: Any = None
        self.error = ""
        self.lock = threading.Lock()

    @property
    def saved(self) -> Path:
        return self.folder / "explainer"

    def load(self) -> None:
        from alibi.saving import load_explainer

        if not (self.saved / "meta.dill").exists():
            self.fit_and_save()
        self.explainer = load_explainer(self.saved, predictor=self.predictor)

    def fit_and_save(self) -> None:
        import numpy as np
        import pandas as pd
        from alibi.explainers import AnchorTabular

        names = list(self.config["feature_names"])
        reference = pd.read_csv(self.config["reference_csv"])[names].to_numpy(dtype=np.float64)
        explainer = AnchorTabular(self.predictor, feature_names=names, seed=int(self.config.get("seed", 0)))
        explainer.fit(reference, disc_perc=(25, 50, 75))
        explainer.save(self.saved)
        logger.info("fitted AnchorTabular on %d reference rows, saved in %s", len(reference), self.saved)

    def load_until_ready(self, deadline: float) -> None:
        """Thread body: the model may start after us; keep trying until it answers."""
        while time.monotonic() < deadline:
            try:
                self.load()
                self.error = ""
                logger.info("explainer ready (%s)", self.config["name"])
                return
            except Exception as exc:  # the model not up yet, most often
                self.error = f"{type(exc).__name__}: {exc}"
                time.sleep(LOAD_RETRY_SECONDS)
        logger.error("explainer not loaded: %s", self.error)

    def explain(self, message: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        rows = rows_of(message)
        if rows.ndim == 1:
            rows = rows.reshape(1, -1)
        width = len(self.config["feature_names"])
        if rows.ndim != 2 or rows.shape[1] != width:
            raise ValueError(f"expected rows of {width} features, got shape {list(rows.shape)}")
        with self.lock:  # AnchorTabular keeps per-call state: one explanation at a time
            np.random.seed(int(self.config.get("seed", 0)))  # as alibiexplainer with EXPLAIN_RANDOM_SEED
            explanation = self.explainer.explain(rows[0].astype(np.float64),
                                                 **self.config.get("explain_parameters", {}))
        return json.loads(explanation.to_json())


def make_app(service: AnchorService) -> Any:
    import tornado.ioloop
    import tornado.web

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="explain")

    class Explain(tornado.web.RequestHandler):
        async def post(self) -> None:
            try:
                body = json.loads(self.request.body)
            except ValueError as exc:
                raise tornado.web.HTTPError(400, reason=f"Unrecognized request format: {exc}") from None
            if service.explainer is None:
                raise tornado.web.HTTPError(503, reason=f"Explainer not loaded yet: {service.error or 'loading'}")
            try:
                answer = await tornado.ioloop.IOLoop.current().run_in_executor(pool, service.explain, body)
            except ValueError as exc:
                raise tornado.web.HTTPError(400, reason=str(exc)[:200]) from None
            except Exception as exc:  # the model failed under the explainer: a server error, said plainly
                raise tornado.web.HTTPError(500, reason=f"{type(exc).__name__}: {exc}"[:200]) from None
            self.write(answer)  # a dict: Tornado sends it as application/json

    class Ping(tornado.web.RequestHandler):
        def get(self) -> None:
            self.write("pong")

    class Ready(tornado.web.RequestHandler):
        def get(self) -> None:
            if service.explainer is None:
                raise tornado.web.HTTPError(503, reason="explainer loading")
            self.write({"ready": True, "name": service.config["name"]})

    routes = [(path, Explain) for path in EXPLAIN_PATHS] + [(r"/health/ping", Ping), (r"/health/ready", Ready)]
    return tornado.web.Application(routes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a Seldon v1 explainer (AnchorTabular) on one host.")
    parser.add_argument("--config", type=Path, required=True, help="explainer.json beside the saved explainer")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9523)
    parser.add_argument("--load-timeout", type=float, default=300.0, help="seconds to wait for the model")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(process)d] %(name)s %(levelname)s: %(message)s")

    import asyncio

    import tornado.httpserver

    config = json.loads(args.config.read_text())
    service = AnchorService(config, args.config.parent)
    threading.Thread(target=service.load_until_ready, args=(time.monotonic() + args.load_timeout,),
                     daemon=True, name="load").start()

    async def serve() -> None:
        server = tornado.httpserver.HTTPServer(make_app(service))
        server.listen(args.port, address=args.host)
        logger.info("serving %s on http://%s:%d/api/v1.0/explain", config["name"], args.host, args.port)
        await asyncio.Event().wait()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
