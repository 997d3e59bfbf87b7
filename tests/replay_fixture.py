"""Versions of one model served side by side for the replay tests (the session fixture ``orchard_versions``), on
the publish tests' own MLServer (``publish_server``), trained here by ``tests/workbench/replay/served_versions.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from mds_client import ModelRef


@dataclass
class OrchardVersions:
    """The orchard grade (``grade``: versions 1, 2, 3) and yield (``yield_ref``: versions 1, 2) models, served.

    Version 1 answers ``traffic`` (every variety) as ``grade_a`` / ``yield_a``; version 2 answers its non-fuji
    rows as ``grade_b`` / ``yield_b`` and, trained without fuji, declares no fuji in its form. Grade version 3
    declares fuji but raises on it (its encoder refuses unknown categories): the model itself fails.
    """

    server: Any
    grade: ModelRef
    yield_ref: ModelRef
    traffic: pd.DataFrame

    @property
    def known(self) -> pd.DataFrame:
        """The rows version 2 can answer (not fuji)."""
        return self.traffic[self.traffic["variety"] != "fuji"]


@pytest.fixture(scope="session")
def orchard_versions(publish_server) -> OrchardVersions:
    # scikit-learn and the sink's app load here, not at every pytest start (about a second of imports)
    from tests.workbench.replay import served_versions as sv

    traffic = sv.orchard(600)
    known = traffic[traffic["variety"] != "fuji"]
    repository = publish_server.home / "models"
    grade = sv.serve_versions(repository, publish_server.url, "replay-orchard-grade", {
        "1": (traffic, sv.tree(traffic, sv.grade_a(traffic))), "2": (known, sv.tree(known, sv.grade_b(known))),
        "3": (traffic, sv.strict_tree(known, sv.grade_a(known)))})
    yield_ref = sv.serve_versions(repository, publish_server.url, "replay-orchard-yield", {
        "1": (traffic, sv.tree(traffic, sv.yield_a(traffic), regression=True)),
        "2": (known, sv.tree(known, sv.yield_b(known), regression=True))})
    return OrchardVersions(publish_server, grade, yield_ref, traffic)
