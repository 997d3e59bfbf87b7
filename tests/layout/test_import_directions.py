"""The allowed import directions of README "Layout", read from the source with ``ast``.

    mds_client  ->  nothing of the app
    embedded_mds, logsink (servers beside the app)  ->  mds_client, the store; never pages, widgets or Streamlit
    workbench services (everything but app.py and ui/)  ->  mds_client, other services; never components or pages
    components  ->  mds_client, workbench types; never the store, threads, the network, nor a service's functions
                    (they are handed its results, or a callable from their controller for what the user asks)
    pages  ->  anything

Each rule is a table row: a glob of modules and the top-level names they must not import. The
``violations`` function is tested on a planted violation too, so a rule that cannot fail would show.
``from a.b import c`` counts as importing ``a.b`` and ``a.b.c``, so ``from workbench.predict import service``
is caught like ``import workbench.predict.service``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Service modules a widget must not import: it draws their results (plain types, in modules without
# computing) and gets a callable from its controller for what the user asks inside it.
WIDGET_SERVICES = (
    "workbench.predict.service",  # calls and logs predictions; Result and Outcome are in workbench.predict.results
    "workbench.predict.snippets",  # writes code; the payload inspector takes CallSnippets (predict.results)
    "workbench.predict.image_input",  # reads pictures; the form takes read_picture from workbench.ui.predict_form
    "workbench.catalog.service",  # checks models over the network; the model card takes a ModelCard
    "workbench.feedback.capture",  # writes feedback to the store; FeedbackItem is in workbench.records
    "workbench.batch.service",  # runs batch jobs
    "workbench.explain.service",  # calls explainers and caches explanations in the store
    "workbench.payload_check.service",  # checks payloads against a model
)

RULES: list[tuple[str, str, tuple[str, ...]]] = [
    ("the library knows no app", "mds_client/**/*.py", ("workbench", "components", "pages")),
    ("services never import widgets or pages", "workbench/**/*.py", ("components", "pages")),
    ("the embedded MDS is a server, not a page", "embedded_mds/**/*.py",
     ("components", "pages", "workbench.ui", "workbench.app", "streamlit")),
    ("the request-log sink is a server, not a page", "logsink/**/*.py",
     ("components", "pages", "workbench.ui", "workbench.app", "streamlit", "embedded_mds")),
    ("widgets only draw", "components/*.py",
     ("workbench.store", "workbench.ui", "sqlalchemy", "threading", "requests", "httpx", "mds_client.transport.sessions")),
    ("widgets take plain data, never a service's functions", "components/*.py", WIDGET_SERVICES),
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
            names += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names if alias.name != "*"]
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def violations(path: str, source: str, banned: tuple[str, ...]) -> list[str]:
    found: dict[int, str] = {}  # one report per import statement, naming the first banned module it reaches
    for line, name in imported_names(source):
        if any(name == b or name.startswith(b + ".") for b in banned):
            found.setdefault(line, name)
    return [f"{path}:{line} imports {name}" for line, name in sorted(found.items())]


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
    ("from workbench.predict.service import random_values\n", WIDGET_SERVICES),
    ("from workbench.predict import service as predict_service\n", WIDGET_SERVICES),
    ("def f():\n    from workbench.catalog.service import schema_table\n", WIDGET_SERVICES),
])
def test_a_planted_violation_is_found(source: str, banned: tuple[str, ...]) -> None:
    assert violations("planted.py", source, banned)


def test_allowed_imports_pass() -> None:
    assert not violations("ok.py", "import mds_client\nfrom workbenchx import y\n", ("workbench",))
    assert not violations("ok.py", "if TYPE_CHECKING:\n    from workbench.store import X\n", ("workbench.store",))
    assert not violations("ok.py", "from workbench.predict.results import Result\nfrom workbench.records import FeedbackItem\n"
                          "from workbench.predict import results\n", WIDGET_SERVICES)
