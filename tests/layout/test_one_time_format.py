"""Every time a page shows is written by ``workbench/time_text.py``: one order of day, month and clock.

Four formats had crept in ("2026-12-02 14:05" in History, "02 Dec 14:05" in Feedback review, "Dec 02" on
its chart, "02 Dec" on Monitor). This test reads the app's sources and fails on a ``strftime`` or an
f-string time format anywhere else, so a fifth cannot come back one page at a time.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([*REPO.glob("components/*.py"), *REPO.glob("pages/*.py"), *REPO.glob("workbench/ui/*.py"),
                  *REPO.glob("workbench/monitor/*.py"), *REPO.glob("workbench/feedback/*.py"),
                  REPO / "workbench" / "app.py"])
# Plotly tick formats: the same codes in the same order, chosen per zoom level (tested in test_chart_axes).
ALLOWED = {"components/chart_axes.py"}
TIME_FORMAT = re.compile(r"%[dbBYmHMS]")


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "strftime":
            if node.args and isinstance(node.args[0], ast.Constant):
                found.append(f"{node.lineno}: strftime({node.args[0].value!r})")
        elif isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr):
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            if TIME_FORMAT.search(spec):
                found.append(f"{node.lineno}: f-string format {spec!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"\{:%[dbYHm]", node.value):
            found.append(f"{node.lineno}: format string {node.value[:40]!r}")
    return found


def test_times_are_written_only_by_time_text():
    offenders = []
    for path in SOURCES:
        name = path.relative_to(REPO).as_posix()
        if name not in ALLOWED:
            offenders += [f"{name}:{line}" for line in _offences(path)]
    assert not offenders, "write times with workbench.time_text (when / whens):\n" + "\n".join(offenders)


def test_the_guard_sees_each_way_of_writing_a_time(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text('a = t.strftime("%Y-%m-%d")\nb = f"{t:%d %b}"\nc = "on {:%H:%M}".format(t)\n')
    assert len(_offences(sample)) == 3
