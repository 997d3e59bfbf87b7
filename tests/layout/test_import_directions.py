"""The allowed import directions of README "Layout", read from the source with ``ast``.

    mds_client  ->  nothing of the app
    embedded_mds, logsink (servers beside the app)  ->  mds_client, the store; never pages, widgets or Streamlit
    workbench services (everything but app.py and ui/)  ->  mds_client, other services; never components or pages
    components  ->  mds_client, workbench types; never the store, threads or the network
    pages  ->  anything

Each rule is a table row: a glob of modules and the top-level names they must not import. The
``violations`` function is tested on a planted violation too, so a rule that cannot fail would show.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

RULES: list[tuple[str, str, tuple[str, ...]]] = [
    ("the library knows no app", "mds_client/**/*.py", ("workbench", "components", "pages")),
    ("services never import widgets or pages", "workbench/**/*.py", ("components", "pages")),
    ("the embedded MDS is a server, not a page", "embedded_mds/**/*.py",
     ("components", "pages", "workbench.ui", "workbench.app", "streamlit")),
    ("the request-log sink is a server, not a page", "logsink/**/*.py",
     ("components", "pages", "workbench.ui", "workbench.app", "streamlit", "embedded_mds")),
    ("widgets only draw", "components/*.py",
     ("workbench.store", "workbench.ui", "sqlalchemy", "threading", "requests", "httpx", "mds_client.transport.sessions")),
]
# The Streamlit glue may use widgets; everything else under workbench/ is a service.
GLUE = ("workbench/app.py", "workbench/ui/")


def imported_names(source: str) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in ``source``, at any depth (inside functions too).

    Imports under ``if TYPE_CHECKING:`` are left out: they name types for the checker and never run.
    """
    tree = ast.parse(source)
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                   for stmt in block.body for n in ast.walk(stmt)}
    names = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.lineno, node.module))
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def violations(path: str, source: str, banned: tuple[str, ...]) -> list[str]:
    return [f"{path}:{line} imports {name}" for line, name in imported_names(source)
            if any(name == b or name.startswith(b + ".") for b in banned)]


@pytest.mark.parametrize(("rule", "pattern", "banned"), RULES, ids=[r[0] for r in RULES])
def test_import_direction(rule: str, pattern: str, banned: tuple[str, ...]) -> None:
    found = []
    files = sorted(REPO.glob(pattern))
    assert files, f"no files match {pattern}"
    for path in files:
        relative = path.relative_to(REPO).as_posix()
        if pattern.startswith("workbench/") and relative.startswith(GLUE):
            continue
        found += violations(relative, path.read_text(), banned)
    assert not found, f"{rule}:\n" + "\n".join(found)


@pytest.mark.parametrize(("source", "banned"), [
    ("from workbench.store import open_store\n", ("workbench",)),
    ("def f():\n    import components.model_card\n", ("components",)),
    ("import sqlalchemy.orm as orm\n", ("sqlalchemy",)),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nimport threading\n", ("threading",)),
])
def test_a_planted_violation_is_found(source: str, banned: tuple[str, ...]) -> None:
    assert violations("planted.py", source, banned)


def test_allowed_imports_pass() -> None:
    assert not violations("ok.py", "import mds_client\nfrom workbenchx import y\n", ("workbench",))
    assert not violations("ok.py", "if TYPE_CHECKING:\n    from workbench.store import X\n", ("workbench.store",))
