"""``mds replay NAME --to VERSION``: the summary, the confusion table, JSON for scripts, and a plain message with
exit code 1 for an unknown model, an empty window and a version that does not answer (``orchard_versions``)."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.workbench.cli.cli_store import run_cli, store
from tests.workbench.replay.served_versions import grade_a, grade_b, log_calls
from workbench.cli import main

pytestmark = pytest.mark.server
__all__ = ["store"]

NAME = "replay-orchard-grade"


@pytest.fixture()
def catalog(tmp_path, orchard_versions):
    """The grade model as the catalog lists a published model: callers get version 1, versions 1-3 are served;
    and the same model listed without its versions (only the server can say which answer)."""
    url = orchard_versions.server.url
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [
        {"name": NAME, "protocol": "v2", "url": url, "version": "1", "version_in_path": True,
         "versions": ["1", "2", "3"]},
        {"name": "unlisted-versions", "protocol": "v2", "url": url, "model": NAME, "version": "1",
         "version_in_path": True},
    ]}))
    return path


def run(capsys, catalog, *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, catalog, "replay", *argv)


def test_the_summary_and_the_confusion_table(capsys, catalog, store, orchard_versions, client):
    known = orchard_versions.known
    log_calls(store, client, orchard_versions.grade, known.head(300))
    changed = int((grade_a(known.head(300)) != grade_b(known.head(300))).sum())
    code, out, err = run(capsys, catalog, NAME, "--to", "2", "--since", "1h", "--top", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{NAME}: 300 logged rows between ") and lines[0].endswith(f"replayed to {NAME}@2")
    assert lines[1].startswith("  300 answered, 0 failed, 0 skipped; ") and lines[1].endswith(" rows/s in all")
    assert lines[2] == f"  {changed} of 300 answers change ({changed / 300:.1%})"
    header = next(line for line in lines if line.startswith(f"logged \\ {NAME}@2"))
    assert header.split()[-3:] == ["juice", "premium", "standard"]
    standard = next(line for line in lines if line.startswith("standard "))
    assert int(standard.split()[2]) == changed  # standard -> premium
    assert "rainfall_mm  higher where answers change" in out
    biggest = lines.index("Biggest changes:")
    assert lines[biggest + 1].split()[:6] == ["REQUEST_ID", "ROW_INDEX", "TIME", "LOGGED", "REPLAYED", "P_TAKEN"]
    assert len([line for line in lines[biggest + 2:] if "standard" in line]) == 3
    assert "rows replayed" in err


def test_json_for_scripts(capsys, catalog, store, orchard_versions, client):
    traffic = orchard_versions.traffic.head(100)
    log_calls(store, client, orchard_versions.grade, traffic)
    code, out, _ = run(capsys, catalog, NAME, "--to", "2", "--limit", "60", "--json")
    assert code == 0
    doc = json.loads(out)
    fuji = int((traffic.tail(60)["variety"] == "fuji").sum())
    assert (doc["logged"], doc["limited"], doc["replayed"], doc["failed"]) == (60, True, 60, fuji)
    assert doc["target"] == f"{NAME}@2" and doc["kind"] == "class" and doc["moves"] is None
    assert sum(n for row in doc["confusion"].values() for n in row.values()) == 60 - fuji
    assert doc["failures"][0]["reason"] == "variety: 'fuji' is not one of bramley, cox, gala"


@pytest.mark.parametrize(("argv", "message"), [
    (["nope", "--to", "2"], "mds: No model named 'nope' in the catalog (models: replay-orchard-grade, "
                            "unlisted-versions)."),
    ([NAME, "--to", "9"], f"mds: Version 9 of '{NAME}' is not served (served: 1, 2, 3)."),
    (["unlisted-versions", "--to", "9"], "mds: unlisted-versions@9 is not answering at "),
    ([NAME, "--to", "2", "--since", "1h"], f"mds: Nothing to replay: no call to '{NAME}' was logged between "),
])
def test_what_cannot_be_replayed_is_said_plainly(capsys, catalog, store, argv, message):
    code, out, err = run(capsys, catalog, *argv)
    assert (code, out) == (1, "")
    assert err.startswith(message), err
    assert "Traceback" not in err


def test_an_empty_window_says_how_to_get_traffic(capsys, catalog, store):
    _, _, err = run(capsys, catalog, NAME, "--to", "2", "--since", "30m")
    assert err.rstrip().endswith("UTC. Send traffic to it, or widen --since (now 30m).")


def test_a_limit_must_be_positive(capsys, catalog):
    with pytest.raises(SystemExit) as stop:
        main(["--catalog", str(catalog), "replay", NAME, "--to", "2", "--limit", "0"])
    assert stop.value.code == 2 and "must be at least 1" in capsys.readouterr().err
