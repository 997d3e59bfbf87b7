"""The licence of every package the workbench installs or serves, from the installed metadata.

Reads each environment's ``site-packages`` with ``importlib.metadata`` (no import of the packages,
no network) and prints one Markdown table: package, version, licence, which environments hold it,
and a flag on Business Source License packages (Seldon Core and Alibi moved to BSL 1.1 in January
2024; MLServer stays Apache-2.0), so that a platform team knows what production use needs.

    .venvs/app/bin/python tools/licences.py > docs/licences.md

The licence comes from ``License-Expression`` (PEP 639), else a short ``License`` field, else the
``License ::`` classifiers, else the first line of a full licence text.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ENVIRONMENTS = ("app", "mlserver", "seldon", "triton")
ROLE = {
    "app": "the Streamlit app and the `mds` command (the container image)",
    "mlserver": "the embedded MDS's MLServer and its Alibi runtimes (`make run` only)",
    "seldon": "the embedded MDS's Seldon Core v1 microservice (`make run` only)",
    "triton": "the embedded MDS's NVIDIA Triton (the `tritonserver` nvidia-pytriton bundles; `make run` only)",
}
BSL = re.compile(r"business source licen[cs]e|\bBUSL\b|\bBSL[- ]?1", re.I)
# First lines of full licence texts that name their licence (for packages that paste the text
# into the License field and give no classifier).
_TEXT_NAMES = (
    (re.compile(r"apache license", re.I), "Apache-2.0"),
    (re.compile(r"\bMIT\b", re.I), "MIT"),
    (re.compile(r"BSD 3-clause", re.I), "BSD-3-Clause"),
    (re.compile(r"BSD 2-clause", re.I), "BSD-2-Clause"),
    (re.compile(r"mozilla public license", re.I), "MPL-2.0"),
    (BSL, "BUSL-1.1"),
)
_SHORT = 64  # a License field longer than this (or on several lines) is the licence text itself


@dataclass
class Package:
    name: str
    version: str
    licence: str
    bsl: bool
    environments: list[str] = field(default_factory=list)


def site_packages(venv: Path) -> Path | None:
    """The ``site-packages`` folder of a virtual environment, if it has one."""
    found = sorted(venv.glob("lib/python3*/site-packages"))
    return found[-1] if found else None


def _from_classifiers(classifiers: list[str]) -> str:
    names = [c.split("::")[-1].strip() for c in classifiers if c.startswith("License ::")]
    names = [n for n in names if n != "Other/Proprietary License"] or names
    return " OR ".join(names)


def _licence_texts(dist: metadata.Distribution) -> str:
    texts = []
    for name in dist.metadata.get_all("License-File") or ():
        for candidate in (f"licenses/{name}", name):
            text = dist.read_text(candidate)
            if text:
                texts.append(text[:4000])
                break
    return "\n".join(texts)


def licence_of(dist: metadata.Distribution) -> tuple[str, bool]:
    """``(licence, is_bsl)`` for one installed distribution."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    field_text = (meta.get("License") or "").strip()
    classifiers = meta.get_all("Classifier") or []
    if expression:
        licence = expression
    elif field_text and len(field_text) <= _SHORT and "\n" not in field_text:
        licence = field_text
    elif _from_classifiers(classifiers):
        licence = _from_classifiers(classifiers)
    else:
        first = field_text.splitlines()[0] if field_text else ""
        licence = next((name for pattern, name in _TEXT_NAMES if pattern.search(first)), "")
        licence = licence or ("see its licence text" if field_text else "not stated")
    evidence = " ".join((expression, field_text[:4000], " ".join(classifiers)))
    bsl = bool(BSL.search(evidence) or BSL.search(licence)) or (
        "Other/Proprietary" in " ".join(classifiers) and bool(BSL.search(_licence_texts(dist))))
    return licence, bsl


def collect(venvs: Path, environments: tuple[str, ...] = ENVIRONMENTS) -> tuple[list[Package], list[str]]:
    """Every distinct (name, version) across the environments, and the environments found."""
    packages: dict[tuple[str, str], Package] = {}
    found: list[str] = []
    for env in environments:
        where = site_packages(venvs / env)
        if where is None:
            continue
        found.append(env)
        for dist in metadata.distributions(path=[str(where)]):
            name = dist.metadata["Name"]
            if not name:
                continue
            key = (re.sub(r"[-_.]+", "-", name).lower(), dist.version)
            if key not in packages:
                licence, bsl = licence_of(dist)
                packages[key] = Package(name, dist.version, licence, bsl)
            if env not in packages[key].environments:
                packages[key].environments.append(env)
    return sorted(packages.values(), key=lambda p: (p.name.lower(), p.version)), found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(packages: list[Package], environments: list[str]) -> str:
    """The report: environments, the BSL packages first, then every package."""
    lines = ["# Licences of what the workbench installs and serves", "",
             "Generated by `.venvs/app/bin/python tools/licences.py > docs/licences.md` from the installed "
             "packages' metadata. Environments:", ""]
    lines += [f"- `{env}`: {ROLE.get(env, env)}" for env in environments]
    bsl = [p for p in packages if p.bsl]
    lines += ["", "## Business Source License packages", ""]
    if bsl:
        lines += ["Seldon Core and Alibi moved to the Business Source License 1.1 in January 2024 (MLServer stays "
                  "Apache-2.0). The BSL is not an open-source licence: read the licence text shipped with each "
                  "package, and ask Seldon about a commercial licence before using these in production.", "",
                  "| package | version | licence | environments |", "|---|---|---|---|"]
        lines += [f"| {p.name} | {p.version} | {_cell(p.licence)} | {', '.join(p.environments)} |" for p in bsl]
    else:
        lines.append("None found.")
    lines += ["", f"## Every package ({len(packages)})", "",
              "| package | version | licence | environments | BSL |", "|---|---|---|---|---|"]
    lines += [f"| {p.name} | {p.version} | {_cell(p.licence)} | {', '.join(p.environments)} | {'**BSL**' if p.bsl else ''} |"
              for p in packages]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venvs", type=Path, default=Path(__file__).resolve().parents[1] / ".venvs",
                        help="folder holding the app, mlserver, seldon and triton environments (default: .venvs)")
    args = parser.parse_args(argv)
    packages, found = collect(args.venvs)
    if not found:
        print(f"No environments under {args.venvs} (expected {', '.join(ENVIRONMENTS)}); run `make setup` first.",
              file=sys.stderr)
        return 1
    sys.stdout.write(markdown(packages, found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
