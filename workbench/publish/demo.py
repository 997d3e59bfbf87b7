"""The demo models go through the same door as a researcher's model: at the embedded MDS's first start
each is registered in the model registry as version 1 by the publisher ``demo``, checked on its own
reference rows like any other. They are served already, so nothing is loaded again; Models then shows
their versions like any published model's, and every ``make run`` exercises the registry.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd

from embedded_mds.demo_artifacts import DEMO_MODELS
from embedded_mds.layout import HomeLayout
from mds_client import MDSError
from mds_client.registry import MlflowRegistry
from mds_client.schema import from_reference
from workbench.publish.model_file import check_model
from workbench.publish.service import PublishRequest, register

PUBLISHER = "demo"
REGISTRY_WAIT_S = 120.0


def register_demo_models(home: Path, registry: MlflowRegistry, names: tuple[str, ...] = DEMO_MODELS) -> dict[str, str]:
    """Register each served model of ``names`` that the registry does not know yet; what happened, by name."""
    layout = HomeLayout(home)
    outcome: dict[str, str] = {}
    for name in names:
        model, reference = layout.model_dir(name) / "model.joblib", layout.reference_csv(name)
        if not model.exists() or not reference.exists():
            outcome[name] = "not served here"
            continue
        try:
            if registry.model(name) is not None:
                outcome[name] = "registered already"
                continue
            rows = pd.read_csv(reference)
            card_path = layout.card_json(name)
            card = json.loads(card_path.read_text()) if card_path.exists() else {}
            data = model.read_bytes()
            request = PublishRequest(name, data, model.name, rows, description=str(card.get("description", "")),
                                     card={k: v for k, v in card.items() if k != "description"})
            version = register(request, check_model(data, name, rows), from_reference(rows), registry, PUBLISHER)
            outcome[name] = f"version {version.version}"
        except (MDSError, OSError, ValueError) as exc:
            outcome[name] = f"not registered: {exc}"
    return outcome


def register_in_background(home: Path, registry_url: str) -> threading.Thread:
    """``register_demo_models`` on a daemon thread once the registry answers (``make run`` does not wait)."""

    def work() -> None:
        registry = MlflowRegistry(registry_url)
        try:
            registry.wait_ready(REGISTRY_WAIT_S)
            register_demo_models(home, registry)
        except MDSError:
            pass  # the registry is optional: Models shows no versions, publishing says why when someone tries
        finally:
            registry.close()

    thread = threading.Thread(target=work, name="register-demo-models", daemon=True)
    thread.start()
    return thread
