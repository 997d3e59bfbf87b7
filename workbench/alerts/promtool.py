"""Prometheus's own checker of rule files (``promtool``, Debian's ``prometheus`` package).

``check_rules`` refuses a rule document with promtool's reason (a setting is checked before it is saved);
``test_rules`` runs promtool's unit tests of rules on synthetic series. Both write temporary files: promtool
reads only files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from workbench.alerts.errors import RuleRefused

BINARY_ENV = "WORKBENCH_PROMTOOL_BINARY"
DEFAULT_BINARY = Path("/usr/bin/promtool")
TIMEOUT_SECONDS = 60.0


def promtool_binary() -> Path | None:
    """The promtool to run: ``WORKBENCH_PROMTOOL_BINARY``, Debian's, or one on the PATH; None if there is none."""
    configured = os.environ.get(BINARY_ENV)
    if configured:
        return Path(configured) if Path(configured).exists() else None
    if DEFAULT_BINARY.exists():
        return DEFAULT_BINARY
    found = shutil.which("promtool")
    return Path(found) if found else None


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = promtool_binary()
    if binary is None:
        raise RuleRefused("promtool is not installed, so this rule cannot be checked before it is saved. Install "
                          "Debian's prometheus package (apt-get install prometheus) or set WORKBENCH_PROMTOOL_BINARY.")
    return subprocess.run([str(binary), *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                          check=False)


def check_rules(groups: dict[str, Any]) -> None:
    """RuleRefused with promtool's reason when the rule file is not valid."""
    with tempfile.TemporaryDirectory(prefix="mds-rules-") as folder:
        path = Path(folder) / "rules.yml"
        path.write_text(yaml.safe_dump(groups, sort_keys=False))
        done = _run(["check", "rules", path.name], Path(folder))
    if done.returncode != 0:
        reason = _reason(done.stdout + done.stderr, path.name)
        raise RuleRefused(f"Prometheus would refuse this rule: {reason}")


def test_rules(groups: dict[str, Any], tests: dict[str, Any]) -> tuple[bool, str]:
    """Run promtool's unit tests (``tests``: a test file without ``rule_files``) on ``groups``; (passed, output)."""
    with tempfile.TemporaryDirectory(prefix="mds-rule-tests-") as folder:
        (Path(folder) / "rules.yml").write_text(yaml.safe_dump(groups, sort_keys=False))
        (Path(folder) / "tests.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], **tests},
                                                                sort_keys=False))
        done = _run(["test", "rules", "tests.yml"], Path(folder))
    return done.returncode == 0, done.stdout + done.stderr


def _reason(output: str, name: str) -> str:
    """promtool's complaint without its file-name noise ("Checking rules.yml", "FAILED:")."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    kept = [line.replace(f"{name}: ", "") for line in lines
            if not line.startswith(("Checking ", "FAILED", "SUCCESS")) and line != name]
    return " ".join(kept)[:600] or "promtool said it is invalid"
