"""What every ``mds`` subcommand shares: finding models, the store, the user, a plain table."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from mds_client import MDSClient, ModelRef, split_version
from mds_client.discovery import RepositoryDiscovery, load_catalog
from mds_client.errors import CatalogError
from mds_client.refs import PROTOCOL_TITLES
from workbench.catalog.discovery import make_discovery
from workbench.catalog.service import with_registry
from workbench.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def add_transport_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--transport", choices=("rest", "grpc"), default=None,
                        help="call V2 models over REST or gRPC (their catalog grpc_url) instead of what the catalog "
                             "says (default: the catalog's transport, else rest)")


def list_refs(args: argparse.Namespace, client: MDSClient) -> list[ModelRef]:
    """The models of the chosen discovery: the catalog file, a V2 server's repository index, or Kubernetes; each over the
    transport ``--transport`` names, where the command has it."""
    if args.discovery == "repository":
        refs = RepositoryDiscovery(args.url, transport=client.transport).list_models()
    elif args.discovery == "kubernetes":
        settings = get_settings()
        kube = make_discovery(settings.model_copy(update={"discovery": "kubernetes"}))
        refs = with_registry(kube.list_models(), settings, client.transport)
    else:  # a model that names its registered version gets the registry's form and facts (catalog `registry:`)
        refs = with_registry(load_catalog(args.catalog), get_settings(), client.transport)
    transport = getattr(args, "transport", None)
    return [ref.over(transport) for ref in refs] if transport else refs


def find_model(refs: list[ModelRef], name: str, *, client: MDSClient | None = None) -> ModelRef:
    """The model called ``name``; ``NAME@2`` is its version 2 and ``NAME@champion`` the version an alias of the
    model registry names (then ``client``'s transport asks the registry)."""
    model, version = split_version(name)
    for ref in refs:
        if ref.name == model:
            return ref if not version else _at_version(ref, version, client)
    known = ", ".join(r.name for r in refs) or "none"
    raise CatalogError(f"No model named '{model}' in the catalog (models: {known}).")


def _at_version(ref: ModelRef, which: str, client: MDSClient | None) -> ModelRef:
    version = which if which.isdigit() else _alias_version(ref.name, which, client)
    if ref.versions and version not in ref.versions:
        raise CatalogError(f"Version {version} of '{ref.name}' is not served (served: {', '.join(ref.versions)}).",
                           hint=f"Call one of those as {ref.name}@VERSION.")
    if ref.protocol != "v2" and version not in ref.version_urls:
        raise CatalogError(f"'{ref.name}' is called with the {PROTOCOL_TITLES[ref.protocol]} protocol, which has no "
                           "versions in its paths, "
                           f"and the catalog gives no URL for its version {version}.", hint=f"Call it as '{ref.name}'.")
    return ref.at_version(version)


def _alias_version(name: str, alias: str, client: MDSClient | None) -> str:
    # the registry's client is part of publishing (the embedded MDS's state, MLflow's REST API): only aliases pay
    from workbench.publish.versions import find_registry

    registry = find_registry(None, get_settings().mlflow_uri, transport=client.transport if client else None)
    if registry is None:
        raise CatalogError(f"'{alias}' is not a version number, and there is no model registry to look up an alias.",
                           hint="Call a version by its number (NAME@2), or set WORKBENCH_MLFLOW_URI.")
    return registry.version(name, alias).version


def store_engine() -> Engine:
    """The workbench store named by the settings (migrated on first open)."""
    # The store brings SQLAlchemy (~0.25 s of imports): `mds --help` and the commands without it skip that.
    from workbench.store import open_store

    return open_store(get_settings().database_url)


def cli_user() -> str:
    return os.environ.get("WORKBENCH_USER") or os.environ.get("USER") or "cli"


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.upper().ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))
