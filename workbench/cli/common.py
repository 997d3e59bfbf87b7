"""What every ``mds`` subcommand shares: finding models, the store, the user, a plain table."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from mds_client import MDSClient, ModelRef
from mds_client.discovery import RepositoryDiscovery, load_catalog
from mds_client.errors import CatalogError
from workbench.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def list_refs(args: argparse.Namespace, client: MDSClient) -> list[ModelRef]:
    """The models of the chosen discovery: the catalog file, or a V2 server's repository index."""
    if args.discovery == "repository":
        return RepositoryDiscovery(args.url, transport=client.transport).list_models()
    return load_catalog(args.catalog)


def find_model(refs: list[ModelRef], name: str) -> ModelRef:
    for ref in refs:
        if ref.name == name:
            return ref
    known = ", ".join(r.name for r in refs) or "none"
    raise CatalogError(f"No model named '{name}' in the catalog (models: {known}).")


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
