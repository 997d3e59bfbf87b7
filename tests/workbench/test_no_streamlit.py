"""mds_client and the workbench services import without Streamlit (STYLE.md habit 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Streamlit lives only in workbench/app.py and workbench/ui/; code under embedded/served runs inside the
# model servers' own environments (mlserver, seldon_core), which the app environment does not have.
EXCLUDED = ("workbench.app", "workbench.ui", "embedded_mds.served", "workbench.store.migrations")


def _modules() -> list[str]:
    names = []
    for package in ("mds_client", "workbench"):
        for path in sorted((REPO / package).rglob("*.py")):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            if not name.startswith(EXCLUDED) and not name.endswith("__main__"):
                names.append(name)
    return names


MODULES = _modules()


def test_services_import_without_streamlit():
    assert "workbench.feedback.outbox" in MODULES and "workbench.cli" in MODULES
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
