"""Serve one Seldon Core v1 user model on a chosen host (run in the seldon-core environment).

``seldon-core-microservice`` always binds 0.0.0.0; this launcher builds the same pieces from
seldon_core (``wrapper.get_rest_microservice``, ``wrapper.get_metrics_microservice``,
``gunicorn_utils.UserModelApplication``, one shared ``metrics.SeldonMetrics``) and binds them to
``--host`` (default 127.0.0.1). So the endpoints are seldon's own: ``/api/v1.0/predictions``,
``/api/v1.0/feedback``, ``/api/v1.0/metadata``, ``/health/ping``, ``/health/status``, and
``/metrics`` on the metrics port. gRPC is not started.

    python -m embedded_mds.served.seldon_launcher --name wine-v1 --model-dir DIR \
        --http-port 9510 --metrics-port 9511 [--host 127.0.0.1] [--workers 1]

A published Seldon template (``embedded_mds.template_servers``) is served with ``--code-dir DIR --class
MODULE.Class``: DIR becomes the working directory and the first entry of ``sys.path`` (as the folder of a
Seldon model image is), and the class is created with no arguments, as ``seldon-core-microservice`` does.
``--metadata-file FILE`` sets Seldon's ``MODEL_METADATA`` (merged over the class's ``init_metadata()``).

One addition: in a real deployment the Seldon executor (the orchestrator in front of the
microservice) stamps every prediction with ``meta.puid``. A bare microservice does not, so an
``after_request`` hook plays that part: a prediction response without ``meta.puid`` gets the
request's ``Seldon-Puid`` header or a fresh 26-character id, also echoed in a ``Seldon-Puid``
response header.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import multiprocessing
import os
import secrets
import string
import sys
from functools import partial

DEFAULT_CLASS = "embedded_mds.served.seldon_model.SklearnModel"
PREDICTION_PATHS = ("/api/v1.0/predictions", "/api/v0.1/predictions", "/predict")
PUID_HEADER = "Seldon-Puid"
_PUID_ALPHABET = string.ascii_lowercase + string.digits

logger = logging.getLogger("workbench.seldon_launcher")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve a Seldon Core v1 user model on one host.")
    parser.add_argument("--name", required=True, help="model (predictive unit) name")
    parser.add_argument("--model-dir", default=None, help="folder handed to the user class as model_dir")
    parser.add_argument("--class", dest="user_class", default=DEFAULT_CLASS, help="module.Class of the user model")
    parser.add_argument("--version", default="1")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=9000)
    parser.add_argument("--metrics-port", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=60, help="gunicorn worker timeout, seconds")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--code-dir", default=None, help="a template's folder: working directory, first on sys.path")
    parser.add_argument("--metadata-file", default=None, help="JSON served as Seldon's MODEL_METADATA")
    return parser.parse_args(argv)


def set_seldon_environment(args: argparse.Namespace) -> None:
    """Name the unit as a SeldonDeployment would; seldon_core reads these at import time."""
    os.environ.setdefault("PREDICTIVE_UNIT_ID", args.name)
    os.environ.setdefault("SELDON_DEPLOYMENT_ID", args.name)
    os.environ.setdefault("PREDICTOR_ID", "default")
    os.environ.setdefault("PREDICTOR_LABELS", json.dumps({"version": args.version}))
    os.environ.setdefault("PREDICTIVE_UNIT_IMAGE", f"workbench/{args.name}:{args.version}")


def new_puid() -> str:
    return "".join(secrets.choice(_PUID_ALPHABET) for _ in range(26))


def add_puid_hook(app) -> None:
    from flask import request

    @app.after_request
    def stamp_puid(response):
        if request.path not in PREDICTION_PATHS or not response.is_json:
            return response
        body = response.get_json(silent=True)
        if not isinstance(body, dict):
            return response
        meta = body.setdefault("meta", {})
        if not meta.get("puid"):
            meta["puid"] = request.headers.get(PUID_HEADER) or new_puid()
            response.set_data(json.dumps(body))
        response.headers[PUID_HEADER] = meta["puid"]
        return response


def load_user_object(dotted: str, model_dir: str | None):
    module_name, _, class_name = dotted.rpartition(".")
    user_class = getattr(importlib.import_module(module_name), class_name)
    return user_class(model_dir=model_dir) if model_dir else user_class()


def enter_code_dir(args: argparse.Namespace) -> None:
    """A template's folder is its working directory and where its modules are imported from."""
    if args.code_dir:
        os.chdir(args.code_dir)
        sys.path.insert(0, os.path.abspath(args.code_dir))
    if args.metadata_file:
        with open(args.metadata_file) as handle:
            os.environ["MODEL_METADATA"] = handle.read()


def gunicorn_options(args: argparse.Namespace, port: int, **extra) -> dict:
    from seldon_core.gunicorn_utils import post_worker_init

    return {
        "bind": f"{args.host}:{port}",
        "accesslog": None,
        "loglevel": args.log_level.lower(),
        "post_worker_init": post_worker_init,
        "keepalive": 2,
        **extra,
    }


def serve_metrics(seldon_metrics, args: argparse.Namespace) -> None:
    from seldon_core import wrapper
    from seldon_core.gunicorn_utils import StandaloneApplication

    app = wrapper.get_metrics_microservice(seldon_metrics)
    StandaloneApplication(app, options=gunicorn_options(args, args.metrics_port, workers=1, timeout=60)).run()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s [%(process)d] %(name)s %(levelname)s: %(message)s"
    )
    set_seldon_environment(args)

    from seldon_core import wrapper
    from seldon_core.gunicorn_utils import UserModelApplication, worker_exit
    from seldon_core.metrics import SeldonMetrics

    enter_code_dir(args)  # after seldon_core's imports: a template's file never stands in for one of its modules
    user_object = load_user_object(args.user_class, args.model_dir)
    # One metrics store in a Manager process, shared by every gunicorn worker and the metrics app.
    seldon_metrics = SeldonMetrics(worker_id_func=os.getpid)

    metrics_process = multiprocessing.Process(
        target=serve_metrics, args=(seldon_metrics, args), name=f"{args.name}-metrics", daemon=True
    )
    metrics_process.start()

    app = wrapper.get_rest_microservice(user_object, seldon_metrics)
    add_puid_hook(app)
    options = gunicorn_options(
        args,
        args.http_port,
        workers=args.workers,
        threads=args.threads,
        timeout=args.timeout,
        worker_exit=partial(worker_exit, seldon_metrics=seldon_metrics),
    )
    logger.info("serving %s on http://%s:%d (metrics :%d, %d worker(s))",
                args.name, args.host, args.http_port, args.metrics_port, args.workers)
    try:
        UserModelApplication(app, user_object, False, None, args.name, options=options).run()
    finally:
        metrics_process.terminate()


if __name__ == "__main__":
    main()
