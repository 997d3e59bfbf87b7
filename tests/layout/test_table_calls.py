"""Every table a page draws goes through ``components/table_view.py`` (``render_table`` / ``render_facts``).

That module holds the rules a person sees: empty columns out, long text wide, no "None", rows not cut, and
a table that fits the page at 1024 px (low-value columns in a row's detail view). A direct ``st.dataframe``
or ``st.table`` elsewhere skips them, so this test reads every page, component, controller and the app entry
and fails on one.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([*REPO.glob("components/*.py"), *REPO.glob("pages/*.py"), *REPO.glob("workbench/ui/*.py"),
                  REPO / "workbench" / "app.py"])
TABLE_CALLS = {"dataframe", "table", "data_editor"}
ALLOWED = {
    "components/table_view.py": TABLE_CALLS,
    # An input, not a table to read: the 8x8 digit's cells are ticked to draw ink.
    "components/image_field.py": {"data_editor"},
    # An input too: the description and unit of each of a model's inputs, typed before it is published.
    "components/publish_form.py": {"data_editor"},
}


def _table_calls(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, node.func.attr) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in TABLE_CALLS and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "st"]


def test_tables_are_drawn_only_through_components_tables():
    offenders = []
    for path in SOURCES:
        name = path.relative_to(REPO).as_posix()
        allowed = ALLOWED.get(name, set())
        offenders += [f"{name}:{line}: st.{call}" for line, call in _table_calls(path) if call not in allowed]
    assert not offenders, "draw tables with components.table_view.render_table:\n" + "\n".join(offenders)


def test_the_check_sees_a_direct_call(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text("import streamlit as st\nst.dataframe([1])\nst.columns(2)\n", encoding="utf-8")
    assert _table_calls(sample) == [(2, "dataframe")]
