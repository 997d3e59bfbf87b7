"""Where things are by default: the repository, the MDS home, its catalog, the demo users.

The one home for default paths, so that the settings, the ``mds`` command and the embedded MDS agree.
It imports nothing of the app: the embedded MDS's launchers read it before any dependency loads.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
HOME_ENV = "WORKBENCH_HOME"
CATALOG_ENV = "WORKBENCH_CATALOG"
DEMO_USERS_FILE = REPO_ROOT / "config" / "users.yaml"
SECRETS_FILE = REPO_ROOT / ".streamlit" / "secrets.toml"
PAGES_DIR = REPO_ROOT / "pages"


def default_home() -> Path:
    """``$WORKBENCH_HOME``, else ``<repo>/.mds``."""
    return Path(os.environ.get(HOME_ENV) or REPO_ROOT / ".mds")


def default_catalog(home: Path | None = None) -> Path:
    """``$WORKBENCH_CATALOG``, else the embedded MDS's ``<home>/catalog.yaml``."""
    env = os.environ.get(CATALOG_ENV)
    return Path(env) if env else (home or default_home()) / "catalog.yaml"
