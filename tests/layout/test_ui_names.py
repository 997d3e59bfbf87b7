"""One vocabulary for the UI: a page's controller is found from the page's name, and no widget shares a
name with a controller or a service module (``components/review_charts.py`` once stood beside
``workbench/ui/review_charts.py``, and ``workbench/ui/whatif.py`` beside ``workbench/explain/whatif.py``)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGES = {p.stem for p in (REPO / "pages").glob("*.py")}
FEATURES = {p.name for p in (REPO / "workbench").iterdir() if (p / "__init__.py").exists()} - {"ui"}
# Glue every page shares: cached resources, session state, the login, the model picker.
SHARED_GLUE = {"__init__", "resources", "state", "login", "model_picker"}


def stems(folder: str) -> set[str]:
    return {p.stem for p in (REPO / folder).rglob("*.py")} - {"__init__", "__main__"}


def test_every_controller_is_named_after_its_page_or_feature() -> None:
    owners = PAGES | FEATURES
    strays = sorted(stem for stem in stems("workbench/ui") - SHARED_GLUE
                    if not any(stem == owner or stem.startswith(owner + "_") for owner in owners))
    assert not strays, f"workbench/ui modules named after no page or feature: {strays}"


def test_every_page_has_its_controller_or_only_shared_glue() -> None:
    for page in PAGES:
        source = (REPO / "pages" / f"{page}.py").read_text()
        used = {line.split()[1] for line in source.splitlines() if line.startswith("from workbench.ui.")}
        foreign = {module for module in used if module.removeprefix("workbench.ui.") not in SHARED_GLUE
                   and not module.removeprefix("workbench.ui.").startswith((page, *FEATURES))}
        assert not foreign, f"pages/{page}.py takes controllers named after other pages: {foreign}"


def test_no_widget_shares_a_name_with_a_controller_or_a_service() -> None:
    services = {p.stem for p in (REPO / "workbench").rglob("*.py") if "ui" not in p.relative_to(REPO).parts}
    clash = stems("components") & (stems("workbench/ui") | services | stems("mds_client"))
    assert not clash, f"widgets named like a controller or a service module: {sorted(clash)}"


def test_no_two_ui_modules_share_a_name() -> None:
    ui = [p.stem for folder in ("pages", "workbench/ui", "components") for p in (REPO / folder).glob("*.py")
          if p.stem != "__init__"]
    twice = sorted({stem for stem in ui if ui.count(stem) > 1} - PAGES)  # a page and its controller share a name
    assert not twice, f"UI modules with one name in two folders: {twice}"
    assert not stems("components") & PAGES, "a widget named like a page"
