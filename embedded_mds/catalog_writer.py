"""Write ``<home>/catalog.yaml``: the embedded MDS described like any other model catalog.

Format (other code parses it; paths are relative to the catalog file)::

    # written by the embedded MDS
    models:
      - name: wine                      # unique id in the workbench
        protocol: v2                    # v2 | seldon
        url: http://127.0.0.1:9500      # server base URL (seldon: the client appends /api/v1.0/...)
        grpc_url: grpc://127.0.0.1:9501 # MLServer's V2 gRPC API (mds predict ... --transport grpc)
        model: wine                     # V2 model name (v2 only)
        version: "1"
        description: One line of purpose.
        reference_data: reference/wine.csv
        sample_data: samples/wine.csv
        schema: schemas/wine-v1.json    # optional: Seldon ML prediction schema
        headers: {}
        explainer: {protocol: v2, url: http://127.0.0.1:9520, model: wine-explainer}   # optional
        # a Seldon v1 model's explainer: {name: wine-v1-explainer, protocol: seldon, url: http://127.0.0.1:9523}
        drift: {protocol: v2, url: http://127.0.0.1:9520, model: wine-drift}           # optional
        card: {owner: ..., intended_use: ..., limitations: ..., training_data: ..., metrics: {...}}
        tags: [demo, classification]
        logger: {url: http://127.0.0.1:9530}   # when the request-log sink runs: where its calls are logged
        versions: ["1", "2"]            # published: the versions served side by side, callers get `version`
        # a published Seldon template (a microservice per version): versions: {"1": http://127.0.0.1:12001, ...}

``drift`` names the V2 endpoint of an alibi-detect drift detector fitted on the entry's reference
data (POST a V2 batch to ``/v2/models/<model>/infer``; outputs ``is_drift``, ``distance``, ``p_val``,
``threshold``). Test-only models (``echo``, ``echo-v1``, ``wine-bare``) carry the tag ``test`` and appear only when
asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from embedded_mds.layout import HomeLayout
from embedded_mds.seldon_explainer import EXPLAINER as V1_EXPLAINER
from embedded_mds.server_specs import ALIBI, MLSERVER, SINK
from embedded_mds.template_servers import schema_path, server_name
from embedded_mds.triton import TRITON

HEADER = "# written by the embedded MDS\n"
CARD_KEYS = ("owner", "intended_use", "limitations", "training_data", "metrics")


@dataclass
class CatalogEntry:
    name: str
    protocol: str
    url: str
    model: str | None = None
    grpc_url: str | None = None
    version: str = "1"
    description: str = ""
    reference_data: str | None = None
    sample_data: str | None = None
    schema: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    explainer: dict[str, str] | None = None
    drift: dict[str, str] | None = None
    card: dict[str, Any] | None = None
    tags: list[str] = field(default_factory=list)
    logger: dict[str, str] | None = None
    version_in_path: bool | None = None
    versions: list[str] | dict[str, str] | None = None
    """A published model's versions served side by side; ``version`` is the one callers get. A mapping of each
    version to its own URL when each is a server of its own (a published Seldon template)."""

    def as_dict(self) -> dict[str, Any]:
        keys = ("name", "protocol", "url", "grpc_url", "model", "version", "description", "reference_data",
                "sample_data", "schema", "headers", "explainer", "drift", "card", "tags", "logger",
                "version_in_path", "versions")
        out: dict[str, Any] = {}
        for key in keys:
            value = getattr(self, key)
            if value is None:
                continue
            out[key] = value
        return out


def entry_from_card(layout: HomeLayout, name: str, *, protocol: str, url: str, model: str | None,
                    data_name: str | None = None) -> CatalogEntry:
    """An entry whose description, card and tags come from ``cards/<name>.json``."""
    card_path = layout.card_json(name)
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    data_name = data_name or name
    entry = CatalogEntry(
        name=name,
        protocol=protocol,
        url=url,
        model=model,
        description=card.get("description", ""),
        card={key: card[key] for key in CARD_KEYS if key in card} or None,
        tags=list(card.get("tags", [])),
    )
    if layout.reference_csv(data_name).exists():
        entry.reference_data = layout.relative(layout.reference_csv(data_name))
    if layout.sample_csv(data_name).exists():
        entry.sample_data = layout.relative(layout.sample_csv(data_name))
    if layout.schema_json(name).exists():
        entry.schema = layout.relative(layout.schema_json(name))
    return entry


def write_catalog(path: Path, entries: list[CatalogEntry]) -> None:
    _write(path, [entry.as_dict() for entry in entries])


def _write(path: Path, models: list[dict[str, Any]]) -> None:
    body = yaml.safe_dump({"models": models}, sort_keys=False, default_flow_style=False, allow_unicode=True,
                          width=120)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(HEADER + body)
    tmp.replace(path)


def catalog_entries(layout: HomeLayout, servers: list[dict[str, Any]], include_test_models: bool) -> list[CatalogEntry]:
    """The entries of the servers `up` recorded; the alibi server only adds wine's explainer and drift."""
    by_name = {server["name"]: server for server in servers}
    core = by_name[MLSERVER]
    alibi = by_name.get(ALIBI)
    entries: list[CatalogEntry] = []
    for model in ("wine", "tips", "tip-amount", "digits"):
        if model not in core["models"]:
            continue
        entry = entry_from_card(layout, model, protocol="v2", url=core["url"], model=model)
        if model == "wine" and alibi:
            if "wine-explainer" in alibi["models"]:
                entry.explainer = {"protocol": "v2", "url": alibi["url"], "model": "wine-explainer"}
            if "wine-drift" in alibi["models"]:
                entry.drift = {"protocol": "v2", "url": alibi["url"], "model": "wine-drift"}
        entries.append(entry)
    if "wine-v1" in by_name:
        v1 = entry_from_card(layout, "wine-v1", protocol="seldon", url=by_name["wine-v1"]["url"],
                             model=None, data_name="wine")
        if V1_EXPLAINER in by_name:  # a Seldon v1 explainer: POST {url}/api/v1.0/explain
            v1.explainer = {"name": V1_EXPLAINER, "protocol": "seldon", "url": by_name[V1_EXPLAINER]["url"]}
        entries.append(v1)
    entries += triton_entries(layout, by_name.get(TRITON))
    if include_test_models:
        if "echo" in core["models"]:
            entries.append(CatalogEntry(name="echo", protocol="v2", url=core["url"], model="echo",
                                        description="Returns every input unchanged (test only).", tags=["test"]))
        if "wine-bare" in core["models"]:
            bare = CatalogEntry(name="wine-bare", protocol="v2", url=core["url"], model="wine-bare",
                                description="The wine pipeline with no metadata declared (test only).", tags=["test"])
            if layout.reference_csv("wine").exists():
                bare.reference_data = layout.relative(layout.reference_csv("wine"))
            entries.append(bare)
        if "echo-v1" in by_name:
            entries.append(CatalogEntry(name="echo-v1", protocol="seldon", url=by_name["echo-v1"]["url"],
                                        description="Returns what Seldon decoded (test only).", tags=["test"]))
    entries += [published_entry(layout, name, core["url"], version, versions)
                for name, version, versions in published(layout) if name in core["models"]]
    for name, version, versions in published(layout):  # Seldon templates: a microservice per version
        urls = {v: by_name[server_name(name, v)]["url"] for v in versions if server_name(name, v) in by_name}
        if name not in core["models"] and version in urls:
            entries.append(template_entry(layout, name, version, urls))
    if SINK in by_name:
        for entry in entries:
            entry.logger = {"url": by_name[SINK]["url"]}
    grpc_port = (core.get("ports") or {}).get("grpc")
    if grpc_port:  # the V2 models MLServer serves also answer on its gRPC port; REST stays what they are called on
        for entry in entries:
            if entry.protocol == "v2" and entry.url == core["url"]:
                entry.grpc_url = f"grpc://{urlsplit(core['url']).hostname}:{grpc_port}"
    return entries


def triton_entries(layout: HomeLayout, triton: dict[str, Any] | None) -> list[CatalogEntry]:
    """The models the Triton server loaded, each at its REST URL with its gRPC API beside it; the schema file (as for
    any catalog entry) says what Triton's metadata cannot: descriptions and class names."""
    if not triton:
        return []
    grpc = f"grpc://{urlsplit(triton['url']).hostname}:{triton['ports']['grpc']}"
    entries = []
    for model in triton["models"]:
        entry = entry_from_card(layout, model, protocol="v2", url=triton["url"], model=model)
        entry.grpc_url = grpc
        entries.append(entry)
    return entries


def published_record(layout: HomeLayout, name: str) -> Path:
    """Where ``mds publish`` records the version of ``name`` it serves from this home."""
    return layout.home / "published" / f"{name}.json"


def published(layout: HomeLayout) -> list[tuple[str, str, list[str]]]:
    """(name, the version callers get, every version served) of each model published to this home, by name."""
    found = []
    for path in sorted(published_record(layout, "*").parent.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # a record being written or broken: the model is served, its entry waits for the next write
        if isinstance(record, dict) and record.get("name") and record.get("version"):
            versions = [str(v) for v in record.get("versions") or [record["version"]]]
            found.append((str(record["name"]), str(record["version"]), versions))
    return found


def published_entry(layout: HomeLayout, name: str, url: str, version: str,
                    versions: list[str] | None = None) -> CatalogEntry:
    """A published model's entry: callers get ``version`` (by its path); every version in ``versions`` answers."""
    entry = entry_from_card(layout, name, protocol="v2", url=url, model=name)
    entry.version, entry.version_in_path = version, True
    entry.versions = sorted(set(versions or [version]), key=_version_order)
    return entry


def template_entry(layout: HomeLayout, name: str, version: str, urls: dict[str, str]) -> CatalogEntry:
    """A published Seldon template's entry: callers get ``version`` at its own microservice's URL; ``versions`` maps
    every served version to its URL."""
    entry = entry_from_card(layout, name, protocol="seldon", url=urls[version], model=None)
    if schema_path(layout, name, version).exists():  # the form of the version callers get
        entry.schema = layout.relative(schema_path(layout, name, version))
    entry.version = version
    entry.versions = {v: urls[v] for v in sorted(urls, key=_version_order)}
    return entry


def _version_order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (10**9, version)


def upsert_entry(path: Path, entry: CatalogEntry) -> None:
    """Put ``entry`` in the catalog at ``path`` in place of the entry of the same name (or last)."""
    doc = yaml.safe_load(path.read_text()) if path.exists() else None
    models = [m for m in (doc or {}).get("models", []) if isinstance(m, dict)]
    row = entry.as_dict()
    names = [m.get("name") for m in models]
    if entry.name in names:
        models[names.index(entry.name)] = row
    else:
        models.append(row)
    _write(path, models)
