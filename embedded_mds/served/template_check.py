"""Try a class written to Seldon Core's Python-wrapper template on its own reference rows (seldon-core env).

    python -m embedded_mds.served.template_check --dir DIR --module MODULE [--class CLASS] \
        --request REQUEST.json --result RESULT.json

The publishing service (``workbench.publish.template_model``) runs this in .venvs/seldon, with DIR (the .py and
the files it loads) as the working directory, before anything is published. The steps are those of seldon-core's
microservice, in its order: import MODULE from DIR, create the class with no arguments, read its
``init_metadata()`` (and Seldon's validation of it), call ``load()``, then answer REQUEST (the SeldonMessage the
workbench's codec writes for the reference rows) through seldon_core's own ``extract_request_parts_json``,
``client_predict`` and ``construct_response_json``. So ``predict`` gets what the wrapper would hand it: for
``data.ndarray`` a numpy array (mixed columns arrive as strings, as numpy makes them) and the request's
``names`` as ``features_names``. ``metadata()``, which seldon-core 1.18 does not serve, is read as well, so that
the workbench can serve it (Seldon's ``MODEL_METADATA``).

RESULT.json is ``{"ok": true, "class": ..., "candidates": [...], "response": {SeldonMessage},
"init_metadata": {...} | null, "metadata": {...} | null, "seconds": {...}}``, or ``{"ok": false, "what": ...,
"message": ..., "file": ..., "line": ..., "package": ...}`` where ``what`` is one of ``syntax``, ``package``
(an import the environment lacks), ``import``, ``shadowed`` (the file is named like a package the environment
has), ``no-class``, ``several-classes``, ``unknown-class``, ``init``, ``metadata``, ``load``, ``predict`` or
``answer`` (predict's result cannot be sent). Written to a file: the researcher's code may print anything.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from seldon_core.metadata import SeldonInvalidMetadataError, validate_model_metadata
from seldon_core.user_model import SeldonNotImplementedError, client_predict
from seldon_core.utils import construct_response_json, extract_request_parts_json


class Refused(Exception):
    """What is wrong with the template, as facts for the result file."""

    def __init__(self, what: str, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.facts = {"what": what, "message": message, **{k: v for k, v in facts.items() if v is not None}}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Try a Seldon Python-wrapper class on its reference rows.")
    parser.add_argument("--dir", required=True, help="the folder with the .py and the files it loads")
    parser.add_argument("--module", required=True, help="the module to import (the .py file's name)")
    parser.add_argument("--class", dest="class_name", default="", help="the class to serve, when there are several")
    parser.add_argument("--request", required=True, help="a SeldonMessage (JSON) holding the reference rows")
    parser.add_argument("--result", required=True, help="where to write the result (JSON)")
    return parser.parse_args(argv)


def where(error: BaseException, code_dir: Path) -> dict[str, Any]:
    """The file (relative to ``code_dir``) and line of the deepest frame of the researcher's own code."""
    found: dict[str, Any] = {}
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.is_absolute() and code_dir in path.parents:
            found = {"file": path.relative_to(code_dir).as_posix(), "line": frame.lineno}
    return found


def said(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def import_module(name: str, code_dir: Path) -> Any:
    try:
        module = importlib.import_module(name)
    except SyntaxError as error:
        path = Path(error.filename or f"{name}.py")
        file = path.relative_to(code_dir).as_posix() if code_dir in path.parents else path.name
        raise Refused("syntax", f"{error.msg}", file=file, line=error.lineno) from None
    except ModuleNotFoundError as error:
        package = (error.name or "").split(".")[0]
        raise Refused("package", said(error), package=package, **where(error, code_dir)) from None
    except Exception as error:  # the module's own code failed while it was imported
        raise Refused("import", said(error), **where(error, code_dir)) from None
    file = Path(getattr(module, "__file__", "") or "")
    if code_dir not in file.resolve().parents:
        raise Refused("shadowed", f"'{name}' is already a module of the model server ({file})", package=name)
    return module


def find_class(module: Any, wanted: str) -> tuple[type, list[str]]:
    """The class to serve, and every class of the module with a ``predict`` method."""
    candidates = sorted(name for name, value in vars(module).items()
                        if isinstance(value, type) and value.__module__ == module.__name__
                        and callable(getattr(value, "predict", None)))
    if wanted:
        found = getattr(module, wanted, None)
        if not isinstance(found, type) or not callable(getattr(found, "predict", None)):
            raise Refused("unknown-class", f"no class '{wanted}' with a predict method", candidates=candidates)
        return found, candidates
    if not candidates:
        raise Refused("no-class", "no class with a predict method", candidates=candidates)
    if len(candidates) > 1:
        raise Refused("several-classes", "several classes with a predict method", candidates=candidates)
    return getattr(module, candidates[0]), candidates


def declared(user: Any, method: str, code_dir: Path) -> dict[str, Any] | None:
    """What ``user.<method>()`` returns (None when it has no such method), checked as Seldon checks metadata."""
    if not callable(getattr(user, method, None)):
        return None
    try:
        found = getattr(user, method)()
    except SeldonNotImplementedError:
        return None
    except Exception as error:  # the class's own code: its message is what to show
        raise Refused("metadata", f"{method}() raised {said(error)}", **where(error, code_dir)) from None
    if not isinstance(found, dict):
        raise Refused("metadata", f"{method}() returned a {type(found).__name__}, not a dict")
    try:
        validate_model_metadata(dict(found))
    except SeldonInvalidMetadataError as error:
        first = str(error).splitlines()[0] if str(error) else "invalid"
        raise Refused("metadata", f"{method}() does not pass Seldon's metadata validation: {first}") from None
    return found


def answer(user: Any, request: dict[str, Any], code_dir: Path) -> dict[str, Any]:
    """The SeldonMessage the microservice would send back for ``request`` (seldon_methods.predict, no metrics)."""
    features, meta, datadef, _ = extract_request_parts_json(request)
    names = datadef["names"] if datadef and "names" in datadef else []
    try:
        response = client_predict(user, features, names, meta=meta)
    except Exception as error:  # the class's own code failed on its rows
        raise Refused("predict", said(error), **where(error, code_dir)) from None
    try:
        message = construct_response_json(user, False, request, response.data, meta, None, response.tags)
        json.dumps(message)  # what Flask's jsonify must do with it
    except Exception as error:  # seldon's own refusal of what predict returned (a set, an object...)
        raise Refused("answer", said(error), **where(error, code_dir)) from None
    return message


def check(code_dir: Path, module_name: str, class_name: str, request: dict[str, Any]) -> dict[str, Any]:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    module = import_module(module_name, code_dir)
    user_class, candidates = find_class(module, class_name)
    seconds["import"] = round(time.perf_counter() - started, 3)
    try:
        return {"ok": True, "class": user_class.__name__, "candidates": candidates,
                **try_class(user_class, request, code_dir, seconds)}
    except Refused as refused:
        refused.facts["class"] = user_class.__name__
        raise


def try_class(user_class: type, request: dict[str, Any], code_dir: Path, seconds: dict[str, float]) -> dict[str, Any]:
    """Create, load and ask the class as the microservice does; its metadata, its answer and the time each took."""
    try:
        user = user_class()
    except Exception as error:  # the class's constructor
        raise Refused("init", said(error), **where(error, code_dir)) from None
    init_metadata = declared(user, "init_metadata", code_dir)  # the microservice reads it before load()
    started = time.perf_counter()
    if callable(getattr(user, "load", None)):
        try:
            user.load()
        except NotImplementedError:
            pass  # seldon-core skips a load() that is not implemented
        except Exception as error:  # the class's own loading
            raise Refused("load", said(error), **where(error, code_dir)) from None
    seconds["load"] = round(time.perf_counter() - started, 3)
    metadata = declared(user, "metadata", code_dir)
    started = time.perf_counter()
    response = answer(user, request, code_dir)
    seconds["predict"] = round(time.perf_counter() - started, 3)
    return {"response": response, "init_metadata": init_metadata, "metadata": metadata, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    code_dir = Path(args.dir).resolve()
    request = json.loads(Path(args.request).read_text())
    result_path = Path(args.result).resolve()
    os.chdir(code_dir)  # what the microservice's working directory will be: relative paths load the same
    sys.path.insert(0, str(code_dir))
    try:
        result = check(code_dir, args.module, args.class_name, request)
    except Refused as refused:
        result = {"ok": False, **refused.facts}
    result_path.write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
