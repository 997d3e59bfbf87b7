"""mds_client and the workbench services import without Streamlit (STYLE.md habit 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULES = [
    "mds_client",
    "workbench.settings",
    "workbench.auth",
    "workbench.store",
    "workbench.catalog_service",
    "workbench.discovery_factory",
    "workbench.snippets",
    "workbench.predict_service",
    "workbench.image_input",
    "workbench.navigation",
]


def test_services_import_without_streamlit():
    code = (
        "import sys\n"
        "sys.modules['streamlit'] = None\n"
        f"for name in {MODULES!r}:\n"
        "    __import__(name)\n"
        "assert sys.modules['streamlit'] is None\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_heavy_libraries_stay_unloaded():
    code = (
        "import sys\n"
        f"for name in {MODULES!r}:\n"
        "    __import__(name)\n"
        "print(sorted(m for m in ('alibi', 'alibi_detect', 'sklearn', 'streamlit', 'plotly') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
