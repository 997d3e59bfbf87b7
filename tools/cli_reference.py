"""The ``mds`` command's reference, docs/cli.md, generated from its argparse parsers.

Each subcommand gets its help line, its usage and a table of its arguments, read from
``workbench.cli.build_parser()``, so the page says what the parsers accept and nothing else:

    .venvs/app/bin/python tools/cli_reference.py           # rewrite docs/cli.md
    .venvs/app/bin/python tools/cli_reference.py --check   # exit 1 if docs/cli.md is out of date

``tests/layout/test_docs.py`` fails when the committed page differs from ``render()``.
argparse has no public API for walking its parsers; ``_actions`` and ``_choices_actions`` are what
its own ``--help`` reads.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from workbench.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "cli.md"
# Usage lines are wrapped at a fixed width, not the terminal's, so the page is the same on every machine.
USAGE_WIDTH = 100
HEADER = """\
# The `mds` command

The reference of every `mds` subcommand and argument, generated from the command's own parsers by
`tools/cli_reference.py`; do not edit it by hand. For what the commands are for, with examples, see the
[user guide](user-guide.md#the-mds-command).

```bash
.venvs/app/bin/python tools/cli_reference.py           # rewrite this page after changing a parser
.venvs/app/bin/python tools/cli_reference.py --check   # exit 1 if this page is out of date
```

Every command also takes `-h` / `--help`. Exit codes: 0 ok, 1 the MDS or the input said no (the message
is on stderr), 2 a usage error.
"""


def render() -> str:
    """docs/cli.md as Markdown: the top-level parser, then each subcommand in the order `--help` lists them."""
    parser = build_parser()
    parts = [HEADER, _section(parser, None, level=2)]
    parts += _subcommands(parser, level=2)
    return "\n".join(parts).rstrip("\n") + "\n"


def subcommand_names() -> set[str]:
    """Every command path the parsers accept, e.g. ``{"models", "logs", "logs serve", ...}``."""
    names: set[str] = set()

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for name, child in _children(parser):
            names.add(f"{prefix}{name}")
            walk(child, f"{prefix}{name} ")

    walk(build_parser(), "")
    return names


def _children(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    return [(name, child) for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name, child in action.choices.items()]


def _help_lines(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Subcommand name -> the one line its parent's `--help` shows for it."""
    return {choice.dest: choice.help or "" for action in parser._actions
            if isinstance(action, argparse._SubParsersAction) for choice in action._choices_actions}


def _subcommands(parser: argparse.ArgumentParser, level: int) -> list[str]:
    lines = _help_lines(parser)
    parts = []
    for name, child in _children(parser):
        parts.append(_section(child, lines.get(name, ""), level=level))
        parts += _subcommands(child, level + 1)
    return parts


def _section(parser: argparse.ArgumentParser, help_line: str | None, level: int) -> str:
    out = [f"{'#' * level} `{parser.prog}`", ""]
    for text in (help_line, parser.description):
        if text:
            out += [_sentence(text), ""]
    out += ["```text", _usage(parser), "```", ""]
    rows = [_row(parser, action) for action in parser._actions if _documented(action)]
    if rows:
        out += ["| argument | meaning | default |", "|---|---|---|", *rows, ""]
    children = [name for name, _child in _children(parser)]
    if children:
        out += ["Subcommands: " + ", ".join(f"`{name}`" for name in children) + ".", ""]
    return "\n".join(out)


def _usage(parser: argparse.ArgumentParser) -> str:
    formatter = functools.partial(argparse.HelpFormatter, width=USAGE_WIDTH)
    text = formatter(prog=parser.prog)
    text.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return text.format_help().strip()


def _documented(action: argparse.Action) -> bool:
    return not isinstance(action, argparse._HelpAction | argparse._SubParsersAction) and action.help != argparse.SUPPRESS


def _row(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    invocation = argparse.HelpFormatter(parser.prog)._format_action_invocation(action)
    meaning = argparse.HelpFormatter(parser.prog)._expand_help(action) if action.help else ""
    if action.choices is not None and not action.option_strings and not meaning:
        meaning = "one of " + ", ".join(f"`{choice}`" for choice in action.choices)
    default = action.default
    unset = default is None or default is False or default in ("", []) or default == argparse.SUPPRESS
    shown = "" if unset else f"`{default}`"
    return f"| `{_cell(invocation)}` | {_cell(_escaped(meaning))} | {_cell(shown)} |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _escaped(text: str) -> str:
    """Help text as literal Markdown: ``<SQLAlchemy URL>`` is no HTML tag, ``inference-log-*`` no emphasis."""
    for char in "\\*<>[]":
        text = text.replace(char, "\\" + char)
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not DOC.exists() or DOC.read_text() != text:
            print(f"{DOC.relative_to(REPO)} is out of date: run tools/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
