"""The Models page with WORKBENCH_DISCOVERY=repository: models come from MLServer's repository index."""

from __future__ import annotations

import pytest

from mds_client import load_catalog
from tests.app.helpers import unescape


@pytest.fixture
def repository_env(monkeypatch, app_env, refs, tmp_path):
    monkeypatch.setenv("WORKBENCH_DISCOVERY", "repository")
    monkeypatch.setenv("WORKBENCH_REPOSITORY_URL", refs["wine"].endpoint)
    # a catalog with nothing in it: whatever the page lists came from the repository index
    empty = tmp_path / "empty-catalog.yaml"
    empty.write_text("models: []\n")
    monkeypatch.setenv("WORKBENCH_CATALOG", str(empty))
    return refs["wine"].endpoint


def test_models_page_lists_the_repository_index(repository_env, no_auth):
    at = no_auth("models")
    assert not at.exception
    text = unescape(" ".join(c.value for c in at.caption))
    assert f"repository index of {repository_env}" in text
    markdown = unescape(" ".join(m.value for m in at.markdown))  # names are markdown-escaped
    for name in ("wine", "tips"):
        assert name in markdown
    assert "wine-v1" not in markdown  # the seldon v1 microservice is not on that server


def test_models_page_explains_a_missing_url(app_env, no_auth, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DISCOVERY", "repository")
    at = no_auth("models")
    assert not at.exception
    assert any("WORKBENCH_REPOSITORY_URL" in unescape(e.value) for e in at.error)


def test_catalog_path_is_unchanged_by_default(app_env, no_auth, catalog_path):
    at = no_auth("models")
    assert not at.exception
    assert any(f"From the catalog file {catalog_path}" in unescape(c.value) for c in at.caption)
    markdown = unescape(" ".join(m.value for m in at.markdown))  # names are markdown-escaped
    assert all(ref.name in markdown for ref in load_catalog(catalog_path))
