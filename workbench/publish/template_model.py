"""A Seldon template tried on its own reference rows where it will be served, before anything is published.

``check_template`` writes the template's files into a scratch folder and runs
``embedded_mds.served.template_check`` in the seldon-core environment (``.venvs/seldon``) with a time limit: the
class is imported, created, loaded and asked to answer the first ``CHECK_ROWS`` reference rows, sent as the
workbench sends them to a Seldon model (``SeldonCodec``, ``data.ndarray`` with ``names``). Its refusals become
``PublishError``s naming the file and line, the missing package or the class. From the answer it learns what the
model gives back (class probabilities and their names, a class, a value); ``served_metadata`` and
``prediction_schema`` turn that into what the microservice serves at ``/api/v1.0/metadata`` and the catalog's
schema of the form. The code runs with the server's rights: only the roles allowed to publish may hand it in.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from embedded_mds import processes
from embedded_mds.layout import seldon_python
from embedded_mds.server_specs import server_env
from mds_client.codecs import SeldonCodec
from mds_client.prediction import dump_json, looks_like_probabilities
from mds_client.schema import FeatureKind, ModelSchema, Output, from_reference
from workbench.publish.errors import PublishError
from workbench.publish.model_file import CHECK_ROWS
from workbench.publish.template_files import TemplateBundle

TEMPLATE_KIND = "seldon-template"
"""The registry tag ``mds.model_kind`` and the published record's ``kind`` of a Seldon template."""
CHECK_TIMEOUT_S = 120.0
"""Importing, loading and answering the reference rows must take less."""
ANSWER, PROBABILITIES = "prediction", "probabilities"
CHECKER = "embedded_mds.served.template_check"
PREDICT_HINT = ("predict gets X as Seldon's wrapper decodes it: a numpy array (mixed columns arrive as strings) "
                "with the column names in features_names.")
# Seldon's ML prediction schema types of our feature kinds (the reference rows fill in ranges and categories).
REQUEST_TYPES = {FeatureKind.NUMBER: ("REAL", "FLOAT"), FeatureKind.INTEGER: ("REAL", "INT"),
                 FeatureKind.CATEGORY: ("CATEGORICAL", "STRING"), FeatureKind.BOOLEAN: ("CATEGORICAL", "STRING")}


@dataclass(frozen=True)
class CheckedTemplate:
    """A template that answered its own reference rows in the model server's environment."""

    bundle: TemplateBundle
    class_name: str
    outputs: tuple[Output, ...]
    """What it answers, as the workbench reads it: class probabilities, a class or a value."""
    answers: tuple[Any, ...]
    """Its answer per checked row (the class, for probabilities the likeliest one)."""
    init_metadata: dict[str, Any] | None
    """What its ``init_metadata()`` returns (seldon-core serves it), None without one."""
    metadata: dict[str, Any] | None
    """What its ``metadata()`` returns (the workbench serves it), None without one."""
    seconds: dict[str, float]

    @property
    def kind(self) -> str:
        return f"{self.class_name} (Seldon template)"

    @property
    def class_names(self) -> tuple[str, ...]:
        return next((o.class_names for o in self.outputs if o.class_names), ())


def check_template(bundle: TemplateBundle, reference: pd.DataFrame, class_name: str = "", *,
                   python: Path | None = None, timeout: float = CHECK_TIMEOUT_S) -> CheckedTemplate:
    """Have the template answer the first ``CHECK_ROWS`` reference rows in the seldon-core environment."""
    if reference.empty:
        raise PublishError("The reference data has no rows.", hint="Give the rows the model was trained on "
                           "(a sample will do), with the columns it expects and no target column.")
    rows = reference.head(CHECK_ROWS)
    request = request_body(rows, from_reference(reference))
    with tempfile.TemporaryDirectory(prefix="mds-template-") as scratch:
        code = Path(scratch) / "code"
        write_files(code, bundle.files)
        (Path(scratch) / "request.json").write_bytes(dump_json(request))
        argv = [str(python or seldon_python()), "-m", CHECKER, "--dir", str(code), "--module", bundle.module,
                "--class", class_name, "--request", str(Path(scratch) / "request.json"),
                "--result", str(Path(scratch) / "result.json")]
        output = _run(argv, code, timeout, bundle)
        try:
            result = json.loads((Path(scratch) / "result.json").read_text())
        except (OSError, ValueError):
            tail = "\n".join(output.strip().splitlines()[-8:])
            raise PublishError(f"Checking {bundle.file} stopped before it finished:\n{tail}",
                               hint="Its code must not exit the process while it is imported or loaded.") from None
    if not result.get("ok"):
        raise refusal(result, bundle, class_name)
    response = result["response"]
    outputs = answer_outputs(response, len(rows), str(result["class"]))
    decoded = SeldonCodec().decode(response, ModelSchema(outputs=outputs), n_rows=len(rows))
    return CheckedTemplate(bundle, str(result["class"]), outputs, tuple(decoded.labels), result.get("init_metadata"),
                           result.get("metadata"), dict(result.get("seconds") or {}))


def request_body(rows: pd.DataFrame, schema: ModelSchema) -> dict[str, Any]:
    """The SeldonMessage the workbench sends a template for ``rows`` (its form's ``schema``): ``data.names`` and
    ``data.ndarray``, as the microservice's metadata tells the workbench's client (``served_metadata``)."""
    return SeldonCodec().encode(rows, replace(schema, messagetype="ndarray"))


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _run(argv: list[str], code: Path, timeout: float, bundle: TemplateBundle) -> str:
    """Run the check in its own process group (the template may start processes of its own); its output."""
    try:
        process = subprocess.Popen(argv, cwd=code, env=server_env(), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    except FileNotFoundError:
        raise PublishError(f"The model server's environment is missing ({argv[0]}), so {bundle.file} cannot be "
                           "checked.", hint="Make it with 'make setup' (requirements-seldon.txt), or set "
                                            "WORKBENCH_SELDON_PYTHON.") from None
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        processes.stop_group(process.pid)
        process.communicate()
        raise PublishError(f"{bundle.file} took more than {timeout:.0f} s to load and answer "
                           f"{CHECK_ROWS} reference rows, so it was stopped.",
                           hint="Make load() and predict faster, or publish fewer reference rows.") from None
    return output.decode(errors="replace")


def refusal(result: dict[str, Any], bundle: TemplateBundle, class_name: str) -> PublishError:
    """The check's refusal, in words: what is wrong, where (file and line), what to do."""
    what, message = str(result.get("what")), str(result.get("message"))
    at = f" ({result['file']}, line {result['line']})" if result.get("line") else ""
    owner = result.get("class") or "the class"
    candidates = ", ".join(result.get("candidates") or []) or "none"
    if what == "syntax":
        return PublishError(f"{result.get('file') or bundle.file} has a syntax error at line {result.get('line')}: "
                            f"{message.rstrip('.')}", hint="Fix the file and publish again.")
    if what == "package":
        return PublishError(f"{bundle.file} needs the package '{result.get('package')}', which the model server's "
                            f"environment does not have{at}.",
                            hint="Use what it has (numpy, pandas, scikit-learn, scipy, joblib), put the module among "
                                 "the template's files, or ask for the package in requirements-seldon.txt.")
    if what == "shadowed":
        return PublishError(f"{bundle.file} is named like the module '{result.get('package')}' the model server "
                            "already has, so it cannot be imported as the template.",
                            hint="Rename the file (e.g. to model.py).")
    if what == "no-class":
        return PublishError(f"{bundle.file} has no class with a predict method.",
                            hint="Seldon's template is a class with predict(self, X, features_names).")
    if what == "several-classes":
        return PublishError(f"{bundle.file} has several classes with a predict method: {candidates}.",
                            hint="Name the one to serve with --class (on the Publish page: Class).")
    if what == "unknown-class":
        return PublishError(f"{bundle.file} has no class '{class_name}' with a predict method (classes with "
                            f"predict: {candidates}).", hint="Check the name given with --class.")
    words = {"import": f"Importing {bundle.file} failed", "init": f"Creating {owner} failed",
             "metadata": f"{owner}'s metadata cannot be served", "load": f"{owner}.load() failed",
             "predict": f"{owner}.predict failed on its own reference rows",
             "answer": f"{owner}.predict answered something Seldon's wrapper cannot send"}
    hints = {"predict": PREDICT_HINT, "answer": "Return a numpy array or a list, one answer per row.",
             "metadata": "Return a dict in Seldon's metadata format (name, versions, platform, inputs, outputs)."}
    return PublishError(f"{words.get(what, f'{bundle.file} was refused')}: {message}{at}.",
                        hint=hints.get(what, "Fix the template and publish again."))


def answer_outputs(response: Any, n_rows: int, owner: str) -> tuple[Output, ...]:
    """What the answer to ``n_rows`` rows holds, as outputs the workbench reads; one answer per row is required."""
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(data, dict) or not ("ndarray" in data or "tensor" in data):
        sent = next((key for key in ("jsonData", "strData", "binData") if key in (response or {})), "nothing")
        raise PublishError(f"{owner}.predict answered {n_rows} reference rows with {sent}; the workbench needs an "
                           "array with one answer per row.", hint="Return a numpy array or a list from predict.")
    if "ndarray" in data:
        matrix = np.asarray(data["ndarray"])
    else:
        matrix = np.asarray(data["tensor"]["values"], dtype=float).reshape(data["tensor"]["shape"])
    if matrix.ndim == 0 or matrix.shape[0] != n_rows:
        raise PublishError(f"{owner}.predict answered {n_rows} reference rows with an array of shape "
                           f"{list(matrix.shape)}; one answer per row is needed.",
                           hint="Return one row of answers per row of X.")
    names = tuple(str(n) for n in data.get("names") or ())
    if matrix.ndim == 2 and matrix.shape[1] > 1:
        if matrix.dtype.kind in "fiu" and looks_like_probabilities(matrix.astype(float)):
            return (Output(PROBABILITIES, "proba", class_names=names),)
        return (Output(ANSWER, "tensor", shape=tuple(matrix.shape[1:])),)
    if matrix.dtype.kind == "f":
        return (Output(ANSWER, "value"),)
    seen = sorted({str(v) for v in matrix.reshape(-1).tolist()}) if matrix.dtype.kind in "US" else ()
    return (Output(ANSWER, "label", class_names=tuple(seen)),)


def served_metadata(name: str, version: str, columns: list[str], checked: CheckedTemplate) -> dict[str, Any]:
    """Seldon's ``MODEL_METADATA`` for the version's microservice: what the workbench needs to call it (ndarray
    with the reference's column names) and the class's ``metadata()``, for each key its ``init_metadata()`` leaves
    empty (seldon-core lets ``MODEL_METADATA`` win over ``init_metadata()``)."""
    outputs = [{"messagetype": "ndarray", "schema": {"names": list(checked.class_names),
                                                     "shape": [len(checked.class_names)]}}] \
        if any(o.kind == "proba" and o.class_names for o in checked.outputs) else []
    ours = {"name": name, "versions": [version], "platform": TEMPLATE_KIND,
            "inputs": [{"messagetype": "ndarray", "schema": {"names": columns, "shape": [len(columns)]}}],
            "outputs": outputs}
    merged = {**ours, **(checked.metadata or {})}
    own = checked.init_metadata or {}
    return {key: value for key, value in merged.items() if not own.get(key)}


def prediction_schema(schema: ModelSchema, checked: CheckedTemplate,
                      descriptions: dict[str, str] | None = None) -> dict[str, Any]:
    """Seldon's ML prediction schema of the form: each reference column's kind (its range and categories come from
    the reference rows in the catalog) and what the template answers."""
    descriptions = descriptions or {}
    requests = []
    for feature in schema.features:
        kind, data_type = REQUEST_TYPES.get(feature.kind, ("TEXT", "STRING"))
        request: dict[str, Any] = {"name": feature.name, "type": kind, "data_type": data_type}
        if feature.kind == FeatureKind.BOOLEAN:
            request["category_map"] = {"False": "False", "True": "True"}
        if descriptions.get(feature.name):
            request["description"] = descriptions[feature.name]
        requests.append(request)
    responses = []
    for output in checked.outputs:
        if output.kind == "proba":
            responses.append({"name": output.name, "type": "PROBA", "data_type": "FLOAT",
                              "schema": [{"name": n} for n in output.class_names]})
        elif output.kind == "label":
            responses.append({"name": output.name, "type": "CATEGORICAL",
                              **({"category_map": {n: n for n in output.class_names}} if output.class_names else {})})
        elif output.kind == "value":
            responses.append({"name": output.name, "type": "REAL", "data_type": "FLOAT"})
    return {"requests": requests, "responses": responses}

