"""The README and docs/ tell the truth about the code they describe.

- README.md is a front door: at most 10 KB, with the two commands CI and the hook grep for.
- Every relative link and image in README.md and docs/*.md points at a file (and a heading, for #anchors).
- docs/cli.md is exactly what ``tools/cli_reference.render()`` writes from the parsers.
- Every command in a ``bash`` / ``sh`` block is checked: ``mds ... --help`` and ``tools/*.py --check`` are run
  (they only read); any other ``mds`` line must name subcommands and options the parser has, a script or a
  pytest path must exist, a ``make`` target must be in the Makefile. Nothing slow runs: no make, servers,
  kubectl or docker.
- README's "Architecture" drawing is read with the grammar below and checked against the imports (``ast``).

The drawing's grammar, one line at a time: a line starting at column 0 with a node name is that node's
line; a ``▼`` line between two node lines is an arrow from the upper to the lower; ``──> A, B`` (on a node's
line or an indented line under it) are arrows from the current node; ``╳ A, B`` names what it must never
import, ``╳ nothing of ours`` every other node. ``name/`` and ``name.py`` words on a node's lines must exist
in its folder. An arrow means "imports": each drawn arrow must be an import somewhere, every import between
nodes must follow the arrows (directly or through other nodes) and none may be a ``╳``.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import cli_reference
from workbench.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOC_PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
MAX_README_BYTES = 10_240
VENV_BIN = REPO / ".venvs" / "app" / "bin"

# The drawing's nodes: name as drawn -> (folder its name/ and name.py words live in, module prefixes).
# A module belongs to the node with its longest matching prefix; "workbench services" is the rest of workbench.
NODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pages/": ("pages", ("pages",)),
    "components/": ("components", ("components",)),
    "workbench.ui": ("workbench", ("workbench.ui", "workbench.app")),
    "workbench services": ("workbench", ("workbench",)),
    "workbench.store": ("workbench", ("workbench.store",)),
    "workbench base": ("workbench", ("workbench.settings", "workbench.paths", "workbench.errors", "workbench.records")),
    "mds_client/": ("mds_client", ("mds_client",)),
    "logsink/": ("logsink", ("logsink",)),
    "embedded_mds/": ("embedded_mds", ("embedded_mds",)),
}
# Folders the drawing names that hold no imported code.
FOLDERS = {"deploy/": "deploy", "bench/": "bench", "tools/": "tools", "tests/": "tests"}
# Top-level folders that must be Python packages (an __init__.py); pages/, bench/, deploy/, tools/, tests/ need not be.
PACKAGES = ("mds_client", "workbench", "components", "logsink", "embedded_mds")

NAME = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(n) for n in sorted([*NODES, *FOLDERS], key=len, reverse=True))
                  + r")(?![\w])")
FOLDER_WORD = re.compile(r"(?<![\w./-])([A-Za-z_][\w]*)/(?![\w])")
FILE_WORD = re.compile(r"(?<![\w./-])([A-Za-z_][\w]*\.py)\b")
ARROW, DOWN, NEVER = "──>", "▼", "╳"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.S | re.M)


# --- README.md -------------------------------------------------------------------------------------------

def test_readme_is_a_front_door() -> None:
    size = len(README.read_bytes())
    assert size <= MAX_README_BYTES, f"README.md is {size:,} bytes; move detail into docs/ (limit {MAX_README_BYTES:,})"
    text = README.read_text()
    for command in ("make run", "make test", "make check"):
        assert command in text, f"README.md must show `{command}`"


def test_every_docs_page_says_what_it_is_for() -> None:
    for page in DOC_PAGES[1:]:
        lines = [line for line in page.read_text().splitlines() if line.strip()]
        assert lines[0].startswith("# ") and not lines[1].startswith(("#", "|", "```", "-")), (
            f"{page.name} must start with a title and one sentence saying what it is for")


# --- links -----------------------------------------------------------------------------------------------

def _prose(text: str) -> str:
    """The page without its fenced blocks, where brackets and parentheses are code, not links."""
    return FENCE.sub("", text)


def _slugs(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+\s+(.*)$", _prose(page.read_text()), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _links() -> Iterator[tuple[Path, str]]:
    for page in DOC_PAGES:
        for target in LINK.findall(_prose(page.read_text())):
            if not re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                yield page, target


@pytest.mark.parametrize(("page", "target"), list(_links()),
                         ids=[f"{p.name}->{t}" for p, t in _links()])
def test_relative_link_points_at_a_file(page: Path, target: str) -> None:
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    assert file.exists(), f"{page.relative_to(REPO)} links to {target}, which does not exist"
    if anchor and file.suffix == ".md":
        assert anchor in _slugs(file), f"{page.relative_to(REPO)} links to #{anchor}, not a heading of {file.name}"


def test_the_pages_have_links() -> None:
    assert len(list(_links())) > 20  # the collector found the links at all


# --- the generated CLI reference -------------------------------------------------------------------------

def test_cli_reference_is_generated_from_the_parsers() -> None:
    assert (REPO / "docs" / "cli.md").read_text() == cli_reference.render(), (
        "docs/cli.md is out of date: run .venvs/app/bin/python tools/cli_reference.py")


# --- the commands the docs show --------------------------------------------------------------------------

def _commands() -> list[tuple[str, str]]:
    """(page, command line) of every line in a bash / sh block, continuation lines joined, comments kept."""
    found = []
    for page in DOC_PAGES:
        for lang, body in FENCE.findall(page.read_text()):
            if lang not in ("bash", "sh", "shell"):
                continue
            for line in body.replace("\\\n", " ").splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    found.append((page.relative_to(REPO).as_posix(), line.strip()))
    return found


def _words(line: str) -> list[str]:
    """The command's words: comments, leading VAR=value and the brackets of optional parts left out."""
    words = [w.strip("[]") for w in shlex.split(line, comments=True)]
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):
        words.pop(0)
    return [w for w in words if w and w != "|"]


def _program(words: list[str]) -> str:
    return Path(words[0]).name if words else ""


def _is_safe(words: list[str]) -> bool:
    """Commands that only read and finish in a second or two: run for real."""
    program = _program(words)
    if program == "mds":
        return words[-1] in ("-h", "--help")
    return program.startswith("python") and len(words) == 3 and re.fullmatch(r"tools/\w+\.py", words[1]) is not None \
        and words[2] == "--check"


COMMANDS = _commands()
SAFE = [(page, line) for page, line in COMMANDS if _is_safe(_words(line))]


def test_the_docs_show_commands() -> None:
    assert len(COMMANDS) > 30 and len(SAFE) >= 2, (len(COMMANDS), SAFE)


@pytest.mark.parametrize(("page", "line"), SAFE, ids=[line for _page, line in SAFE])
def test_a_safe_command_runs(page: str, line: str) -> None:
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    words = _words(line)
    if _program(words).startswith("python"):
        words[0] = sys.executable
    done = subprocess.run(words, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{page}: `{line}` exited {done.returncode}:\n{done.stderr[-2000:]}"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {name: child for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name, child in action.choices.items()}


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {option: action for action in parser._actions for option in action.option_strings}


def mds_problems(words: list[str]) -> list[str]:
    """What an ``mds`` command line names that the parser does not have (empty: it matches)."""
    parser, rest = build_parser(), words[1:]
    while rest and rest[0].startswith("-"):  # options of `mds` itself come before the subcommand
        action = _options(parser).get(rest[0].split("=")[0])
        if action is None:
            return [f"`mds` has no option {rest[0]}"]
        if isinstance(action, argparse._HelpAction):
            return []
        rest = rest[1 if action.nargs == 0 or "=" in rest[0] else 2:]
    while _subparsers(parser):
        children = _subparsers(parser)
        if not rest or rest[0] not in children:
            return [f"`{parser.prog}` has no subcommand {rest[0] if rest else '(none given)'}; it has {sorted(children)}"]
        parser, rest = children[rest[0]], rest[1:]
    if any(action.nargs == argparse.REMAINDER for action in parser._actions):
        return []  # the rest is handed on unparsed (mds local ... --base-port N)
    known = _options(parser)
    return [f"`{parser.prog}` has no option {word}" for word in rest
            if word.startswith("--") and word.split("=")[0] not in known]


def _makefile_targets() -> set[str]:
    return set(re.findall(r"^([\w.-]+)\s*:(?!=)", (REPO / "Makefile").read_text(), re.M))


@pytest.mark.parametrize(("page", "line"), COMMANDS, ids=[line for _page, line in COMMANDS])
def test_a_command_names_what_exists(page: str, line: str) -> None:
    words = _words(line)
    program = _program(words)
    if program == "mds":
        problems = mds_problems(words)
    elif program.startswith("python") and words[1:3] == ["-m", "pytest"]:
        problems = [f"no {w}" for w in words[3:] if not w.startswith("-") and not (REPO / w.split("::")[0]).exists()]
    elif program.startswith("python") and len(words) > 1 and words[1].endswith(".py"):
        problems = [] if (REPO / words[1]).is_file() else [f"no script {words[1]}"]
    elif program == "make":
        problems = [f"the Makefile has no target {w}" for w in words[1:] if "=" not in w and not w.startswith("-")
                    and w not in _makefile_targets()]
    else:
        problems = []  # kubectl, docker, printf: not ours to check here
    assert not problems, f"{page}: `{line}`: " + "; ".join(problems)


@pytest.mark.parametrize(("line", "expected"), [
    ("mds models --json", []),
    ("mds --discovery repository --url http://h models", []),
    ("mds logs serve --port 9530", []),
    ("mds local up --base-port 9600", []),
    ("mds modles", ["has no subcommand modles"]),
    ("mds logs tail wine", ["has no subcommand tail"]),
    ("mds check tips --payloads x.json", ["has no option --payloads"]),
    ("mds --catalogue c.yaml models", ["has no option --catalogue"]),
])
def test_a_renamed_command_or_option_is_found(line: str, expected: list[str]) -> None:
    problems = mds_problems(_words(line))
    assert len(problems) == len(expected) and all(e in p for e, p in zip(expected, problems, strict=True)), problems


# --- the architecture drawing ----------------------------------------------------------------------------

def architecture_drawing() -> list[str]:
    text = README.read_text()
    section = text[text.index("## Architecture"):]
    section = section[:section.find("\n## ", 1)] if "\n## " in section[1:] else section
    blocks = FENCE.findall(section)
    assert blocks, "README's Architecture section has no fenced drawing"
    return blocks[0][1].splitlines()


def parse_drawing(lines: list[str]) -> tuple[set[tuple[str, str]], set[tuple[str, str]], dict[str, set[str]]]:
    """(arrows, never, words): drawn imports, forbidden imports, and the folder/file words per node."""
    arrows: set[tuple[str, str]] = set()
    never: set[tuple[str, str]] = set()
    words: dict[str, set[str]] = {}
    current, going_down = None, False
    for line in lines:
        names = [(m.start(), m.group(1)) for m in NAME.finditer(line)]
        if names and names[0][0] == 0:
            if going_down and current:
                arrows.add((current, names[0][1]))
            current, going_down = names[0][1], False
        elif DOWN in line:
            going_down = True
        if current is None:
            continue
        if ARROW in line:
            at = line.index(ARROW)
            arrows |= {(current, name) for start, name in names if start > at}
        if NEVER in line:
            at = line.index(NEVER)
            forbidden = [name for start, name in names if start > at]
            if "nothing of ours" in line:
                forbidden = [name for name in NODES if name != current]
            never |= {(current, name) for name in forbidden}
        spans = [(start, start + len(name)) for start, name in names]
        for match in [*FOLDER_WORD.finditer(line), *FILE_WORD.finditer(line)]:
            if not any(a <= match.start() < b for a, b in spans):
                words.setdefault(current, set()).add(match.group(0))
    return arrows, never, words


def _node_of(module: str) -> str | None:
    best, length = None, 0
    for node, (_folder, prefixes) in NODES.items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = node, len(prefix)
    return best


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative ones resolved; TYPE_CHECKING left out."""
    module = ".".join(path.relative_to(REPO).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    package = package.removesuffix(".__init__")
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(block.test) for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])


def actual_imports() -> dict[tuple[str, str], list[str]]:
    """(from node, to node) -> where: every import from one drawn node into another."""
    found: dict[tuple[str, str], list[str]] = {}
    folders = {NODES[n][0] for n in NODES}
    for folder in sorted(folders):
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = path.relative_to(REPO)
            source = _node_of(".".join(relative.with_suffix("").parts))
            for line, module in _imports(path):
                target = _node_of(module)
                if source and target and target != source:
                    found.setdefault((source, target), []).append(f"{relative}:{line} imports {module}")
    return found


def _reachable(arrows: set[tuple[str, str]], start: str) -> set[str]:
    """Every node an import may reach from ``start`` by following the arrows."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        here = todo.pop()
        for a, b in arrows:
            if a == here and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


DRAWING = parse_drawing(architecture_drawing())


def test_the_drawing_names_every_node() -> None:
    named = {m.group(1) for line in architecture_drawing() for m in NAME.finditer(line)}
    assert named == set(NODES) | set(FOLDERS), f"drawn but not in NODES/FOLDERS, or the reverse: {named ^ (set(NODES) | set(FOLDERS))}"


@pytest.mark.parametrize("folder", sorted({f for f, _ in NODES.values()} | set(FOLDERS.values())))
def test_a_drawn_folder_exists(folder: str) -> None:
    assert (REPO / folder).is_dir(), f"the drawing names {folder}/, which does not exist"
    if folder in PACKAGES:
        assert (REPO / folder / "__init__.py").is_file(), f"{folder}/ has no __init__.py"


@pytest.mark.parametrize("node", sorted(DRAWING[2]))
def test_the_words_under_a_node_exist(node: str) -> None:
    root = REPO / NODES.get(node, (FOLDERS.get(node, ""), ()))[0]
    for word in sorted(DRAWING[2][node]):
        path = root / word
        assert path.exists(), f"the drawing names {word} under {node}: no {path.relative_to(REPO)}"
        if word.endswith("/") and root.name in PACKAGES:
            assert (path / "__init__.py").is_file(), f"{path.relative_to(REPO)} has no __init__.py"


def test_the_drawing_has_no_cycle() -> None:
    arrows = DRAWING[0]
    assert arrows, "no arrows read from the drawing"
    cycles = [node for node in NODES if node in _reachable(arrows, node)]
    assert not cycles, f"the drawing's arrows go round through {cycles}"


def test_every_drawn_arrow_is_an_import() -> None:
    found = actual_imports()
    missing = sorted(arrow for arrow in DRAWING[0] if arrow not in found)
    assert not missing, f"drawn but nothing imports along them: {missing}"


def against_the_drawing(arrows: set[tuple[str, str]], never: set[tuple[str, str]],
                        found: dict[tuple[str, str], list[str]]) -> list[str]:
    """Each import between nodes that is a ``╳`` or that no chain of arrows leads along."""
    against = []
    for (source, target), where in sorted(found.items()):
        if (source, target) in never:
            against.append(f"{source} must never import {target}: {where[:3]}")
        elif target not in _reachable(arrows, source):
            against.append(f"no arrow leads from {source} to {target}: {where[:3]}")
    return against


def test_no_import_goes_against_the_drawing() -> None:
    arrows, never, _words = DRAWING
    against = against_the_drawing(arrows, never, actual_imports())
    assert not against, "\n".join(against)


def test_the_drawing_check_can_fail() -> None:
    """The parser on a small planted drawing: arrows, a vertical step, never, nothing of ours, words."""
    arrows, never, words = parse_drawing([
        "pages/        thin",
        "  │ ──> components/",
        "  ▼",
        "mds_client/   client.py codecs/",
        "  ╳ nothing of ours",
        "components/   widgets",
        "  ╳ workbench.store",
    ])
    assert arrows == {("pages/", "components/"), ("pages/", "mds_client/")}
    assert ("mds_client/", "workbench services") in never and ("components/", "workbench.store") in never
    assert words == {"mds_client/": {"client.py", "codecs/"}}
    assert _node_of("workbench.store.engine") == "workbench.store" and _node_of("workbench.cli") == "workbench services"
    assert _node_of("streamlit") is None
    planted = {("pages/", "mds_client/"): ["p.py:1"], ("mds_client/", "pages/"): ["m.py:1"],
               ("components/", "workbench.store"): ["c.py:1"], ("components/", "pages/"): ["c.py:2"]}
    assert [line.split(":")[0] for line in against_the_drawing(arrows, never, planted)] == [
        "no arrow leads from components/ to pages/", "components/ must never import workbench.store",
        "mds_client/ must never import pages/"]
