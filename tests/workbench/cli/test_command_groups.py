"""`mds COMMAND` loads only the module of its command; --help and anything unclear load them all."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

from workbench.cli import COMMANDS, GROUPS, build_parser, groups_for, main


@pytest.mark.parametrize("group", GROUPS)
def test_each_group_registers_exactly_the_commands_mapped_to_it(group):
    sub = argparse.ArgumentParser(prog="mds").add_subparsers(dest="command")
    importlib.import_module(f"workbench.cli.{group}").register(sub)
    assert set(sub.choices) == {command for command, owner in COMMANDS.items() if owner == group}


def test_the_whole_parser_has_every_command():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(COMMANDS)


@pytest.mark.parametrize(("argv", "groups"), [
    (["predict", "m", "--input", "x.csv"], ("models",)),
    (["--catalog", "c.yaml", "predict", "m"], ("models",)),
    (["--catalog=c.yaml", "alerts", "list"], ("alerts",)),
    (["--cat", "c.yaml", "promote", "m", "2"], ("publish",)),
    (["--discovery", "kubernetes", "--url", "http://h", "simulate"], ("logs",)),
    (["--help"], GROUPS),
    (["-h", "predict"], GROUPS),
    (["prdict", "m"], GROUPS),
    (["--bogus", "predict"], GROUPS),
    ([], GROUPS),
])
def test_groups_for_finds_the_command_after_the_top_level_options(argv, groups):
    assert groups_for(argv) == groups


def test_a_usage_error_still_names_the_command_and_what_it_needs(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["predict", "wine"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "usage: mds predict" in err and "--input" in err


def test_an_unknown_command_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["prdict"])
    err = capsys.readouterr().err
    assert "invalid choice: 'prdict'" in err and "alerts" in err and "segments" in err


def test_predict_does_not_import_the_other_commands_modules():
    code = ("import sys; from workbench.cli import build_parser, groups_for; argv = ['predict', 'm', '--input', 'x'];"
            "build_parser(groups_for(argv)).parse_args(argv);"
            "print(sorted(m for m in sys.modules if m.startswith(('workbench.alerts', 'workbench.store', 'sqlalchemy',"
            "'mds_client.payload_check', 'workbench.explain', 'workbench.replay', 'logsink'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
