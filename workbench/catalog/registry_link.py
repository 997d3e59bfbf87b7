"""Discovered models that serve a registered version, joined with what the model registry says of it.

A catalog entry's ``registry`` key, or a Kubernetes modelUri/storageUri in the registry (``models:/NAME/VERSION``,
``models:/NAME@ALIAS``, a registered run's files), links a served model to its version in the registry. Each such ref
gets ``registered`` (who registered the version, when, its run's metrics, its description, its signature's inputs
with the input example's values as defaults) and, when the discovery gave none, the registry's description. The
model still lists when the registry is down or missing: its facts then carry only a note saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from mds_client import ModelRef
from mds_client.registry import MlflowRegistry, RegisteredFacts, RegistryError, read_facts
from workbench.time_text import when


def link_registry(refs: list[ModelRef], registry: Callable[[], MlflowRegistry | None]) -> list[ModelRef]:
    """``refs`` with ``registered`` filled for those linked to a registered version. ``registry`` is asked for only
    when one is linked (None: no registry is configured)."""
    linked = [r for r in refs if r.registry]
    if not linked:
        return refs
    found = registry()
    down = "" if found is not None else \
        "no model registry is configured (WORKBENCH_MLFLOW_URI, or the embedded MDS's MLflow server)"
    if found is not None:
        try:
            found.health()
        except RegistryError as exc:
            down = f"the model registry is not answering ({exc.message})"
    facts: dict[str, RegisteredFacts] = {}
    for uri in dict.fromkeys(r.registry for r in linked):  # one read per registered version, however many serve it
        facts[uri] = RegisteredFacts(name=uri, note=down) if found is None or down else read_facts(found, uri)
    return [_linked(r, facts[r.registry]) if r.registry else r for r in refs]


def _linked(ref: ModelRef, facts: RegisteredFacts) -> ModelRef:
    # The version is what people read ("version 3"); it reaches the wire only with version_in_path, which the
    # discovery set and which a version it names keeps meaning.
    return replace(ref, registered=facts, description=ref.description or facts.description,
                   version=ref.version or facts.version)


def registry_facts(facts: RegisteredFacts) -> dict[str, str]:
    """The card's facts of the registered version, each value short enough for the facts table to keep whole at
    1024 px: ``{"Registry": "version 3 (@champion) of orchard", "Registered": "by ana on 07 Dec 2026 20:10 UTC"}``;
    none when the registry could not say (``facts.note`` says why)."""
    if not facts.version:
        return {}
    aliases = f" ({', '.join('@' + a for a in facts.aliases)})" if facts.aliases else ""
    shown = {"Registry": f"version {facts.version}{aliases} of {facts.name}"}
    who = f"by {facts.registered_by}" if facts.registered_by else ""
    on = f"on {when(facts.created)} UTC" if facts.created is not None else ""
    if who or on:
        shown["Registered"] = f"{who} {on}".strip()
    return shown
