"""The rendered overlays, once per session (see ``manifests.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from .manifests import DEPLOY, OVERLAYS, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Objects per overlay name, plus ``base``."""
    out = {name: render(DEPLOY / "overlays" / name) for name in OVERLAYS}
    out["base"] = render(DEPLOY / "base")
    return out

