"""A published version served on the running embedded MDS, without restarting the other models.

Each version has a folder of its own in the MLServer's model repository (``<home>/models/<name>/<version>``,
what the server loads at every start); MLServer's repository API loads them (``POST
/v2/repository/models/<name>/load``) while every other model keeps answering, and each answers at
``/v2/models/<name>/versions/<version>/infer``. Callers of the model (the catalog entry) get one of them: the
first version served, until another is promoted. If a new version does not load, it is removed and the versions
served before answer as they did: nothing already published is touched.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from embedded_mds.catalog_writer import published_entry, published_record, upsert_entry
from embedded_mds.layout import HomeLayout, read_state, write_json
from embedded_mds.model_schema import classifier_outputs, feature
from embedded_mds.server_specs import MLSERVER, SINK
from mds_client import ModelSchema
from mds_client.errors import RequestError
from mds_client.schema import FeatureKind
from mds_client.transport import NO_RETRY, Timeout, Transport
from workbench.publish import template_serving
from workbench.publish.errors import PublishError
from workbench.publish.model_file import CheckedModel
from workbench.publish.versions import registry_url_or_none

RUNTIME = "embedded_mds.served.sklearn_runtime.PublishedSKLearnModel"
LOAD_TIMEOUT = Timeout(connect=3.0, read=120.0)
READY_WAIT_S = 60.0
_KINDS = {FeatureKind.NUMBER: "number", FeatureKind.INTEGER: "integer", FeatureKind.BOOLEAN: "boolean",
          FeatureKind.CATEGORY: "category", FeatureKind.TEXT: "text", FeatureKind.TENSOR: "tensor"}


@dataclass(frozen=True)
class ServingTarget:
    """Where a published version is served: the embedded MDS at ``home`` and its MLServer."""

    home: Path
    mlserver_url: str
    sink_url: str | None = None

    @property
    def layout(self) -> HomeLayout:
        return HomeLayout(self.home)


def embedded_target(home: Path | str | None = None) -> ServingTarget:
    """The running embedded MDS (``mds local up`` / ``make run``), or a ``PublishError`` saying to start it."""
    state = read_state(home)
    servers = {s.get("name"): s for s in (state or {}).get("servers", []) if isinstance(s, dict)}
    if MLSERVER not in servers:
        raise PublishError("The embedded MDS is not running, so there is no model server to publish to.",
                           hint="Start it with 'make run' or 'mds local up', then publish again.")
    layout = HomeLayout(Path(home) if home else Path(state.get("home", ".")))
    return ServingTarget(layout.home, servers[MLSERVER]["url"], servers.get(SINK, {}).get("url"))


def registry_url(home: Path | str | None, configured: str = "") -> str:
    """The registry to publish to: ``configured`` (``WORKBENCH_MLFLOW_URI``), else the embedded MDS's MLflow."""
    url = registry_url_or_none(home, configured)
    if url is None:
        raise PublishError("There is no model registry: the embedded MDS runs no MLflow server and "
                           "WORKBENCH_MLFLOW_URI is not set.",
                           hint="Start it with 'mds local up' (it needs .venvs/mlflow: 'make setup'), or set "
                                "WORKBENCH_MLFLOW_URI.")
    return url


def model_settings(name: str, version: str, schema: ModelSchema, checked: CheckedModel,
                   descriptions: dict[str, str] | None = None, units: dict[str, str] | None = None) -> dict[str, Any]:
    """``model-settings.json`` of a published version, its features written in the schema convention."""
    inputs = declared_inputs(schema, descriptions, units)
    if checked.is_classifier:
        names = [str(c) for c in checked.classes]
        outputs = classifier_outputs(list(checked.classes), names)
        if not checked.has_proba:
            outputs = outputs[:1]
    else:
        outputs = [{"name": "predict", "datatype": "FP64", "shape": [-1, 1], "parameters": {"kind": "value"}}]
    return {"name": name, "implementation": RUNTIME, "parameters": {"uri": "./model.joblib", "version": version},
            "inputs": inputs, "outputs": outputs}


def declared_inputs(schema: ModelSchema, descriptions: dict[str, str] | None = None,
                    units: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The ``inputs`` of model-settings.json: ``schema``'s features in the schema convention, with their words."""
    descriptions, units = descriptions or {}, units or {}
    inputs = []
    for f in schema.features:
        facts: dict[str, Any] = {}
        if f.kind in (FeatureKind.NUMBER, FeatureKind.INTEGER) and f.minimum is not None:
            facts = {"min": f.minimum, "max": f.maximum, "bounds": "observed"}
        if f.kind == FeatureKind.CATEGORY:
            facts["categories"] = list(f.categories)
        if units.get(f.name):
            facts["unit"] = units[f.name]
        if f.default is not None:
            facts["default"] = f.default
        if not f.required:
            facts["required"] = False
        inputs.append(feature(f.name, f.wire_datatype, _KINDS.get(f.kind, "text"),
                              descriptions.get(f.name, ""), shape=[-1, *f.shape] if f.is_tensor else None, **facts))
    return inputs


def check_name_free(target: ServingTarget, name: str) -> None:
    """A name the embedded MDS serves already is taken unless it was published (then this is a new version)."""
    layout = target.layout
    if layout.model_dir(name).exists() and not published_record(layout, name).exists():
        raise PublishError(f"'{name}' is a model of the embedded MDS that was not published here.",
                           hint="Choose another name with --name.")
    if template_serving.is_template(layout, name):
        raise PublishError(f"'{name}' is a Seldon template, served as a microservice per version; a model file "
                           "cannot be one of its versions.", hint="Publish the model file under another name.")


def serve(target: ServingTarget, name: str, version: str, files: dict[str, bytes], settings: dict[str, Any], *,
          default: str | None, reference: pd.DataFrame | None, card: dict[str, Any], published_by: str,
          transport: Transport, samples: pd.DataFrame | None = None) -> str:
    """Serve ``version`` of ``name`` beside the versions already served; return its V2 endpoint.

    ``files`` are the version folder's files by relative path (``model-settings.json`` is written from
    ``settings``). Callers get ``default`` (None: the version they got before, or this one if it is the first).
    ``reference`` (None: none given, the model keeps the rows it had) and ``samples`` become the catalog's
    ``reference_data`` and ``sample_data``.
    If this version does not load, it is removed and the versions served before answer as they did.
    """
    layout = target.layout
    folder = layout.model_dir(name)
    _adopt_flat_layout(folder)
    # Staged copies live outside the model repository: MLServer (and the next `up`) loads every folder under
    # it, and a half-written copy with the same model name and version would stop the server from starting.
    staged = layout.home / "publishing" / f"{name}.{version}.staged"
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    for relative, data in files.items():
        (staged / relative).parent.mkdir(parents=True, exist_ok=True)
        (staged / relative).write_bytes(data)
    write_json(staged / "model-settings.json", settings)
    place = folder / version
    shutil.rmtree(place, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    staged.rename(place)
    try:
        _load(target, name, transport)
    except PublishError:
        shutil.rmtree(place, ignore_errors=True)
        if any(folder.iterdir()):
            # the versions served before: their own state is MLServer's to report; the message raised names this one
            with contextlib.suppress(PublishError):
                _load(target, name, transport)
        else:
            folder.rmdir()
        raise
    served = served_versions(layout, name)
    record = read_record(layout, name)
    callers_get = default or str(record.get("version") or version)
    if callers_get not in served:
        callers_get = version
    _record(layout, name, callers_get, served, reference=reference, card=card, published_by=published_by,
            samples=samples)
    _catalog(target, name, callers_get, served)
    return f"{target.mlserver_url}/v2/models/{name}/versions/{version}/infer"


def promote(target: ServingTarget, name: str, version: str) -> None:
    """Callers of ``name`` now get ``version`` (already served); the catalog says so."""
    layout = target.layout
    served = check_served(target, name, version)
    if template_serving.is_template(layout, name):  # each version its own microservice
        template_serving.promote(layout, name, version, sink_url=target.sink_url)
        return
    record = read_record(layout, name)
    record.update(version=version, versions=served)
    write_json(published_record(layout, name), record)
    _catalog(target, name, version, served)


def check_served(target: ServingTarget, name: str, version: str) -> list[str]:
    """Every served version of ``name``; a ``PublishError`` naming them when ``version`` is not one."""
    served = served_versions(target.layout, name) or template_serving.served_versions(target.layout, name)
    if version not in served:
        raise PublishError(f"Version {version} of '{name}' is not served here (served: {', '.join(served) or 'none'}).",
                           hint="Publish it first, or pick a served version.")
    return served


def served_versions(layout: HomeLayout, name: str) -> list[str]:
    """The versions of ``name`` in the model repository (one folder each), oldest first."""
    folder = layout.model_dir(name)
    found = [p.parent.name for p in folder.glob("*/model-settings.json")] if folder.is_dir() else []
    return sorted(found, key=lambda v: (int(v), "") if v.isdigit() else (10**9, v))


def read_record(layout: HomeLayout, name: str) -> dict[str, Any]:
    path = published_record(layout, name)
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _adopt_flat_layout(folder: Path) -> None:
    """A model published before versions were served side by side kept its files in the model's folder itself:
    move them into the folder of their version."""
    settings_path = folder / "model-settings.json"
    if not settings_path.is_file():
        return
    settings = json.loads(settings_path.read_text())
    version = str((settings.get("parameters") or {}).get("version") or "1")
    place = folder / version
    place.mkdir()
    for item in list(folder.iterdir()):
        if item != place:
            item.rename(place / item.name)


def _catalog(target: ServingTarget, name: str, version: str, served: list[str]) -> None:
    entry = published_entry(target.layout, name, target.mlserver_url, version, served)
    if target.sink_url:
        entry.logger = {"url": target.sink_url}
    upsert_entry(target.layout.catalog, entry)


def _load(target: ServingTarget, name: str, transport: Transport) -> None:
    base = f"{target.mlserver_url}/v2/repository/models/{name}"
    try:
        transport.send("POST", f"{base}/load", body=b"{}", retry=NO_RETRY, timeout=LOAD_TIMEOUT, model=name)
    except RequestError as exc:
        raise PublishError(f"The model server could not load '{name}': {exc.message}",
                           hint="Its log is in the MDS home's logs/mlserver.log.") from None
    deadline = time.monotonic() + READY_WAIT_S
    while True:
        try:
            transport.send("GET", f"{target.mlserver_url}/v2/models/{name}/ready", retry=NO_RETRY, model=name)
            return
        except RequestError as exc:
            if time.monotonic() > deadline:
                raise PublishError(f"'{name}' was loaded but is not ready after {READY_WAIT_S:.0f} s: "
                                   f"{exc.message}") from None
            time.sleep(0.2)


def _record(layout: HomeLayout, name: str, version: str, served: list[str], *, reference: pd.DataFrame | None,
            card: dict[str, Any], published_by: str, samples: pd.DataFrame | None = None) -> None:
    for rows, path in ((reference, layout.reference_csv(name)), (samples, layout.sample_csv(name))):
        if rows is not None and not rows.empty:
            path.parent.mkdir(parents=True, exist_ok=True)
            rows.to_csv(path, index=False)
    write_json(layout.card_json(name), card)
    write_json(published_record(layout, name), {"name": name, "version": version, "versions": served,
                                                "published_by": published_by,
                                                "published_at": datetime.now(UTC).isoformat(timespec="seconds")})
