"""Discovery from a catalog YAML file (the default, and what the embedded MDS writes).

    models:
      - name: wine                  # unique id in the workbench (required)
        protocol: v2                # v2 | seldon | kserve-v1 (required)
        url: http://127.0.0.1:9500  # server base URL or ingress prefix (required, unless grpc_url alone reaches it)
        grpc_url: grpc://127.0.0.1:9501   # V2 only: the server's gRPC API (grpcs:// for TLS); without url, the
                                    # schema comes from gRPC's ModelMetadata, which carries no class names
        transport: grpc             # rest (default) | grpc: predictions and readiness over grpc_url
        model: wine                 # V2 model name (default: name)
        version: "1"
        description: One line of purpose.
        schema: schemas/wine.json   # Seldon ML prediction schema; paths relative to the catalog
        reference_data: reference/wine.csv
        sample_data: samples/wine.csv
        headers: {Seldon-Model: wine}
        explainer: {protocol: v2, url: ..., model: wine-explainer}
        drift: {protocol: v2, url: ..., model: wine-drift}
        card: {owner: ..., intended_use: ..., limitations: ..., training_data: ..., metrics: {...}}
        tags: [demo]
        log_name: wine-sdep         # the name its request logger reports, when not `name`
        logger: {url: http://127.0.0.1:9530}   # the request-log sink its calls are logged to
        registry: wine@champion     # the registered version it serves: NAME/VERSION, NAME@ALIAS or models:/...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from mds_client.errors import CatalogError
from mds_client.refs import PROTOCOLS, ModelRef
from mds_client.registry.links import registry_uri

_KNOWN_KEYS = {
    "name", "protocol", "url", "model", "version", "version_in_path", "namespace", "description", "schema",
    "reference_data", "sample_data", "headers", "explainer", "drift", "card", "tags", "log_name", "logger",
    "versions", "transport", "grpc_url", "registry",
}
TRANSPORTS = ("rest", "grpc")


def load_catalog(path: Path | str) -> list[ModelRef]:
    """Every model the catalog lists; a bad entry stops with a message naming it."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise CatalogError(f"The catalog file {path} does not exist.") from None
    except OSError as exc:
        raise CatalogError(f"Cannot read the catalog file {path}: {exc.strerror}.") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"The catalog file {path} is not UTF-8 text (byte {exc.start} is not); "
                           "save it as UTF-8.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CatalogError(f"The catalog file {path} is not valid YAML{where}.") from None
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("models", []), list):
        raise CatalogError(f"The catalog file {path} needs a top-level 'models:' list.")
    refs: list[ModelRef] = []
    seen: set[str] = set()
    for index, entry in enumerate(doc.get("models") or []):
        ref = parse_entry(entry, base=path.parent, where=f"{path}, entry {index + 1}")
        if ref.name in seen:
            raise CatalogError(f"{path}: the model name '{ref.name}' appears twice; names must be unique.")
        seen.add(ref.name)
        refs.append(ref)
    return refs


def parse_entry(entry: Any, *, base: Path, where: str, nested: bool = False) -> ModelRef:
    if not isinstance(entry, dict):
        raise CatalogError(f"{where}: each entry must be a mapping with name, protocol and url.")
    unknown = set(entry) - _KNOWN_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}.")
    name = str(entry.get("name") or entry.get("model") or "")
    if not name:
        raise CatalogError(f"{where}: 'name' is required.")
    where = f"{where} ('{name}')"
    protocol = str(entry.get("protocol") or "")
    if protocol not in PROTOCOLS:
        raise CatalogError(f"{where}: protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}.")
    url = str(entry.get("url") or "")
    parts = urlsplit(url)
    grpc_only = not url and protocol == "v2" and bool(entry.get("grpc_url"))  # a server reached over gRPC alone
    if not grpc_only and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise CatalogError(f"{where}: url must be an http(s) URL, not {url!r}.")
    headers = entry.get("headers") or {}
    if not isinstance(headers, dict):
        raise CatalogError(f"{where}: headers must be a mapping.")
    card = entry.get("card") or {}
    if not isinstance(card, dict):
        raise CatalogError(f"{where}: card must be a mapping.")
    logger = entry.get("logger") or {}
    if not isinstance(logger, dict):
        raise CatalogError(f"{where}: logger must be a mapping with a url, e.g. logger: {{url: http://...}}.")
    return ModelRef(
        name=name,
        protocol=protocol,  # type: ignore[arg-type]
        endpoint=url.rstrip("/"),
        model_name=str(entry.get("model") or ""),
        namespace=str(entry.get("namespace") or ""),
        version=str(entry.get("version") or ""),
        version_in_path=bool(entry.get("version_in_path", False)),
        headers={str(k): str(v) for k, v in headers.items()},
        source=f"catalog:{where.split(',')[0]}",
        description=str(entry.get("description") or ""),
        card=card,
        tags=tuple(str(t) for t in entry.get("tags") or ()),
        reference_data=_path(entry.get("reference_data"), base),
        sample_data=_path(entry.get("sample_data"), base),
        schema_path=_path(entry.get("schema"), base),
        explainer=_nested(entry.get("explainer"), base, where, f"{name}-explainer"),
        drift=_nested(entry.get("drift"), base, where, f"{name}-drift"),
        log_name=str(entry.get("log_name") or ""),
        logger_url=str(logger.get("url") or ""),
        versions=_versions(entry.get("versions"), where),
        version_urls=_version_urls(entry.get("versions"), where),
        registry=_registry(entry.get("registry"), where),
        **_grpc(entry, protocol, where),
    )


def _grpc(entry: dict[str, Any], protocol: str, where: str) -> dict[str, str]:
    """``transport`` and ``grpc_url``: gRPC is the V2 protocol's (Seldon v1 and KServe V1 have no V2 gRPC API)."""
    # An entry with a grpc_url and no url can only be called over gRPC.
    transport = str(entry.get("transport") or ("grpc" if entry.get("grpc_url") and not entry.get("url") else "rest"))
    if transport not in TRANSPORTS:
        raise CatalogError(f"{where}: transport must be one of {', '.join(TRANSPORTS)}, not {transport!r}.")
    grpc_url = str(entry.get("grpc_url") or "")
    if grpc_url:
        scheme, sep, address = grpc_url.partition("://")
        host, _, port = (address if sep else grpc_url).rstrip("/").rpartition(":")
        if (sep and scheme not in ("grpc", "grpcs")) or not host or not port.isdigit():
            raise CatalogError(f"{where}: grpc_url must be grpc://host:port (grpcs:// for TLS), not {grpc_url!r}.")
        if protocol != "v2":
            raise CatalogError(f"{where}: grpc_url is for the V2 protocol; a {protocol} model has no V2 gRPC API.")
    if transport == "grpc" and not grpc_url:
        raise CatalogError(f"{where}: transport grpc needs grpc_url: grpc://host:port (the server's gRPC port).")
    if transport == "rest" and not entry.get("url"):
        raise CatalogError(f"{where}: transport rest needs url: the server's http(s) address (or drop transport to "
                           "call it over grpc_url).")
    return {"transport": transport, "grpc_url": grpc_url}


def _versions(value: Any, where: str) -> tuple[str, ...]:
    """``versions``: a list of version names (one server, the version in the path), or a mapping of each version to
    its own endpoint URL (a server per version)."""
    if value is None:
        return ()
    if isinstance(value, dict):
        return tuple(str(v) for v in value)
    if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v) for v in value):
        raise CatalogError(f"{where}: versions must be a list of version names, e.g. versions: ['1', '2'], "
                           "or a mapping of each version to its URL.")
    return tuple(str(v) for v in value)


def _version_urls(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    urls = {str(k): str(v) for k, v in value.items()}
    for version, url in urls.items():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CatalogError(f"{where}: version {version}'s url must be an http(s) URL, not {url!r}.")
    return urls


def _registry(value: Any, where: str) -> str:
    if value in (None, ""):
        return ""
    uri = registry_uri(str(value))
    if not uri:
        raise CatalogError(f"{where}: registry must name a registered version: NAME/VERSION, NAME@ALIAS or "
                           f"models:/NAME/VERSION, not {value!r}.")
    return uri


def _nested(entry: Any, base: Path, where: str, default_name: str) -> ModelRef | None:
    if not entry:
        return None
    if isinstance(entry, dict) and "name" not in entry:
        entry = {"name": entry.get("model") or default_name, **entry}
    return parse_entry(entry, base=base, where=f"{where} explainer/drift", nested=True)


def _path(value: Any, base: Path) -> Path | None:
    if not value:
        return None
    path = Path(str(value))
    return path if path.is_absolute() else (base / path)


class CatalogDiscovery:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def list_models(self) -> list[ModelRef]:
        return load_catalog(self.path)

    def describe(self) -> str:
        return f"catalog file {self.path}"
