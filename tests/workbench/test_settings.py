"""Settings: defaults under the MDS home, environment overrides, the demo cookie key rule."""

from __future__ import annotations

from pathlib import Path

from workbench.paths import REPO_ROOT
from workbench.settings import DEMO_COOKIE_KEY, Settings


def test_defaults(monkeypatch):
    for name in ("WORKBENCH_HOME", "WORKBENCH_CATALOG", "WORKBENCH_DATABASE_URL", "WORKBENCH_AUTH",
                 "WORKBENCH_USERS_FILE", "WORKBENCH_COOKIE_KEY"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert s.home == REPO_ROOT / ".mds"
    assert s.catalog_path == REPO_ROOT / ".mds" / "catalog.yaml"
    assert s.database_url == f"sqlite:///{REPO_ROOT / '.mds' / 'workbench.db'}"
    assert s.auth_enabled and s.uses_demo_users
    assert s.cookie_key == DEMO_COOKIE_KEY


def test_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_AUTH", "off")
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "postgresql+psycopg://u:p@db/wb")
    s = Settings()
    assert s.catalog_path == tmp_path / "catalog.yaml"
    assert not s.auth_enabled and s.database_url.startswith("postgresql")


def test_no_demo_key_for_real_users(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKBENCH_COOKIE_KEY", raising=False)
    users = tmp_path / "users.yaml"
    users.write_text("users: {}")
    monkeypatch.setenv("WORKBENCH_USERS_FILE", str(users))
    s = Settings()
    assert not s.uses_demo_users and s.cookie_key != DEMO_COOKIE_KEY
    monkeypatch.setenv("WORKBENCH_COOKIE_KEY", "k" * 40)
    assert Settings().cookie_key == "k" * 40
    assert isinstance(Settings().users_file, Path)
