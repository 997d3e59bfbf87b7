"""Render the Kustomize trees under ``deploy/`` with the real ``kubectl kustomize``; find objects in them.

Without kubectl the manifest tests skip locally and fail under ``CI=true`` (CI must not go green by
skipping them), like the Postgres tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
OVERLAYS = ("demo", "production")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the manifest tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"manifest tests skipped: {reason}")


def render(path: Path) -> list[dict[str, Any]]:
    """The objects ``kubectl kustomize <path>`` prints, as dicts."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        _unavailable("kubectl is not installed (Debian: apt-get install kubectl)")
    done = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"kubectl kustomize {path} failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == kind]


def named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]
