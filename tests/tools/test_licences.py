"""tools/licences.py: the licence of each installed package, from metadata written the ways real packages write it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import licences

VENVS = Path(__file__).resolve().parents[2] / ".venvs"
APACHE_TEXT = "Apache License\n                           Version 2.0, January 2004\n" + "terms\n" * 50
BSL_TEXT = "Business Source License 1.1\n\nParameters\n\nLicensor: Seldon Technologies Ltd.\n"


def _dist(site: Path, name: str, version: str, headers: list[str], body: str = "",
          files: dict[str, str] | None = None) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    text = "\n".join(["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}", *headers])
    (info / "METADATA").write_text(text + ("\n\n" + body if body else "\n"))
    for path, content in (files or {}).items():
        (info / path).parent.mkdir(parents=True, exist_ok=True)
        (info / path).write_text(content)


@pytest.fixture
def venvs(tmp_path):
    app = tmp_path / "app" / "lib" / "python3.11" / "site-packages"
    serving = tmp_path / "seldon" / "lib" / "python3.11" / "site-packages"
    _dist(app, "expr", "1.0", ["License-Expression: Apache-2.0", "License: something else"])
    _dist(app, "short-field", "2.0", ["License: MIT", "Classifier: License :: OSI Approved :: BSD License"])
    # The whole text pasted into License (continuation lines are indented by 8 spaces), plus a classifier.
    long_field = "License: " + APACHE_TEXT.replace("\n", "\n       |")
    _dist(app, "pasted-text", "3.0", [long_field, "Classifier: License :: OSI Approved :: Apache Software License"])
    _dist(app, "text-only", "3.1", [long_field])
    _dist(app, "classifier-only", "4.0", ["Classifier: License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)"])
    _dist(app, "alibi-like", "0.9.6", ["License: Business Source License 1.1", "Classifier: License :: Other/Proprietary License"])
    _dist(app, "bsl-in-file", "1.0", ["Classifier: License :: Other/Proprietary License", "License-File: LICENSE"],
          files={"licenses/LICENSE": BSL_TEXT})
    _dist(app, "silent", "0.1", [])
    _dist(serving, "expr", "1.0", ["License-Expression: Apache-2.0"])
    _dist(serving, "expr", "1.1", ["License-Expression: Apache-2.0"])
    return tmp_path


def test_licence_comes_from_expression_then_field_then_classifiers_then_text(venvs):
    packages, found = licences.collect(venvs)
    assert found == ["app", "seldon"]  # mlserver absent: skipped, not an error
    got = {(p.name, p.version): (p.licence, p.bsl, p.environments) for p in packages}
    assert got[("expr", "1.0")] == ("Apache-2.0", False, ["app", "seldon"])
    assert got[("expr", "1.1")] == ("Apache-2.0", False, ["seldon"])
    assert got[("short-field", "2.0")][0] == "MIT"
    assert got[("pasted-text", "3.0")][0] == "Apache Software License"
    assert got[("text-only", "3.1")][0] == "Apache-2.0"
    assert got[("classifier-only", "4.0")][0] == "Mozilla Public License 2.0 (MPL 2.0)"
    assert got[("alibi-like", "0.9.6")][:2] == ("Business Source License 1.1", True)
    assert got[("bsl-in-file", "1.0")][1] is True
    assert got[("silent", "0.1")][:2] == ("not stated", False)


def test_markdown_lists_bsl_packages_first_and_every_package(venvs):
    text = licences.markdown(*licences.collect(venvs))
    bsl_part, everything = text.split("## Every package")
    assert "| alibi-like | 0.9.6 | Business Source License 1.1 | app |" in bsl_part
    assert "| bsl-in-file |" in bsl_part and "| expr |" not in bsl_part
    assert everything.count("\n| ") == 1 + 9  # header + one row per distinct (name, version)
    assert "| alibi-like | 0.9.6 | Business Source License 1.1 | app | **BSL** |" in everything


def test_no_environment_is_a_plain_error(tmp_path, capsys):
    assert licences.main(["--venvs", str(tmp_path)]) == 1
    assert "make setup" in capsys.readouterr().err


@pytest.mark.skipif(not (VENVS / "app").is_dir(), reason="the app environment is not built (make setup)")
def test_the_real_environments_flag_alibi_and_seldon_core_not_mlserver():
    packages, found = licences.collect(VENVS)
    by_name = {p.name.lower(): p for p in packages}
    assert by_name["alibi"].bsl and by_name["streamlit"].licence == "Apache-2.0"
    if "seldon" in found:
        assert by_name["seldon-core"].bsl
    if "mlserver" in found:
        assert not by_name["mlserver"].bsl and "Apache" in by_name["mlserver"].licence
