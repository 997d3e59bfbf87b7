"""Every page x role x state (no data, one record, many records) in Chromium, saved as full-page screenshots.

The screenshots land in ``tests/artifacts/screenshots/<state>/<role>-<page>.png`` (or
``$WORKBENCH_SCREENSHOTS_DIR``) at 1400 px, and again at a laptop's 1024 px in ``<state>-1024/``; each test
asserts at both widths what a person would notice at once: a page that shows Streamlit's error box, a Python
traceback, no title, or a table past the edge.

One test a state and a role, so that pytest-xdist can share them out; each state is an app of its own on a store
seeded before it starts (a module fixture: built once a worker, torn down before the next). A role logs in once and
sees each page at 1400 px, then the same page with the window narrowed to 1024 px (Streamlit lays out again on a
resize, as when a person narrows the window): both widths for one login and one script run a page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import REPO, drawn, log_in, running_app, settle
from workbench.auth import can_open
from workbench.navigation import PAGE_SPECS

pytestmark = pytest.mark.e2e
OUT = Path(os.environ.get("WORKBENCH_SCREENSHOTS_DIR") or REPO / "tests" / "artifacts" / "screenshots")
ROLES = {"analyst": ("analyst-demo", "analyst"), "scientist": ("scientist-demo", "data_scientist"),
         "admin": ("admin-demo", "admin")}
WIDTHS = (1400, 1024)  # a common laptop window, and a small laptop: nothing a person needs may be cut off at either
# The analyst's predictions added to each state: none, one, then forty more (as the one walk added them).
SEEDS = {"empty": (), "one": (1,), "many": (1, 40)}


@pytest.fixture(scope="module", params=tuple(SEEDS))
def fresh_app(request, catalog_path, refs, tmp_path_factory):
    """``(state, url)``: the app on a store of its own holding the state's records."""
    state = request.param
    home = tmp_path_factory.mktemp(f"looks-{state}")
    db_url = f"sqlite:///{home / 'wb.db'}"
    for n in SEEDS[state]:
        _add_records(db_url, refs, n)
    with running_app(catalog_path, home) as url:
        yield state, url


@pytest.mark.parametrize("user", tuple(ROLES))
def test_every_page_looks_right(browser: Browser, fresh_app, user: str):
    state, url = fresh_app
    problems, shots = _walk(browser, url, state, user)
    assert not problems, "\n".join(problems)
    missing = [str(shot) for shot in shots if not shot.exists() or shot.stat().st_size < 5_000]
    assert shots and not missing, f"screenshots not written or blank: {missing}"


def _walk(browser: Browser, url: str, state: str, user: str) -> tuple[list[str], list[Path]]:
    """Every page ``user`` may open, by the navigation's links, at each of ``WIDTHS``: what is wrong on them and
    their screenshots."""
    problems: list[str] = []
    shots: list[Path] = []
    password, role = ROLES[user]
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 1000})
    page: Page = context.new_page()
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)  # 2 busy cores: a login rerun can take longer than 5 s
    page.goto(url)
    expect(page.get_by_text("These are demo users")).to_be_visible()
    settle(page)
    log_in(page, user, password)
    expect(page.get_by_role("heading", name="Find a model")).to_be_visible()
    for key, _file, title, _icon in PAGE_SPECS:
        if not can_open(role, key):
            continue
        try:
            page.get_by_role("link", name=title, exact=True).first.click(timeout=90_000)
            settle(page, timeout=90_000)  # 2 cores shared by several agents: a first chart render is slow
        except PlaywrightTimeout:
            problems.append(f"{state}/{user}/{key}: not opened or still running after 90 s")
        for width in WIDTHS:
            where = f"{_folder(state, width)}/{user}/{key}"
            page.set_viewport_size({"width": width, "height": 1000})
            drawn(page)  # charts draw after the script run, and lay out again at a new width
            target = OUT / _folder(state, width) / f"{user}-{key}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            _shoot_whole_page(page, width, target)
            shots.append(target)
            problems += [f"{where}: {wrong}" for wrong in _what_is_wrong(page)]
        page.set_viewport_size({"width": WIDTHS[0], "height": 1000})
    context.close()
    return problems, shots


def _folder(state: str, width: int) -> str:
    return state if width == WIDTHS[0] else f"{state}-{width}"


def _what_is_wrong(page: Page) -> list[str]:
    """What a person would notice at once on the page as it is now: an error box, a traceback, no title, a table
    (or the page) past the right edge."""
    wrong: list[str] = []
    text = page.locator("[data-testid='stMain']").inner_text()
    if page.locator("[data-testid='stException']").count() or "Traceback" in text:
        wrong.append("an exception on screen")
    if not page.locator("h1").count():
        wrong.append("no title")
    return wrong + _past_the_right_edge(page)


OVERFLOW_JS = """() => {
  const out = [];
  const main = document.querySelector("[data-testid='stMain']");
  if (main && main.scrollWidth > main.clientWidth + 1) out.push(`the page is ${main.scrollWidth - main.clientWidth} px wider than the window`);
  document.querySelectorAll("[data-testid='stDataFrame']").forEach((table, i) => {
    const scroller = table.querySelector(".dvn-scroller");
    if (!scroller || scroller.clientWidth === 0) return;  // a table in a closed expander
    if (scroller.scrollWidth > scroller.clientWidth + 1) {
      const head = table.innerText.split("\\n")[0].slice(0, 40);
      out.push(`table ${i + 1} runs ${scroller.scrollWidth - scroller.clientWidth} px past the right edge (${head})`);
    }
  });
  document.querySelectorAll("[data-testid='stTable']").forEach((box, i) => {
    const table = box.querySelector("table");  // wider than its box: cut off or scrolled inside it
    if (!table || !box.clientWidth) return;
    const over = Math.round(table.getBoundingClientRect().right - box.getBoundingClientRect().right);
    if (over > 1) out.push(`static table ${i + 1} runs ${over} px past the right edge`);
  });
  return out;
}"""


def _past_the_right_edge(page: Page) -> list[str]:
    """Every table fits the page: its grid has nothing to scroll sideways, nor the page itself."""
    return page.evaluate(OVERFLOW_JS)


def _shoot_whole_page(page: Page, width: int, target: Path) -> None:
    """Streamlit scrolls inside its main block, so ``full_page`` alone stops at the window: grow the window
    to the content's height first (capped), shoot, and shrink it back."""
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\")?.scrollHeight || 1000")
    page.set_viewport_size({"width": width, "height": min(max(1000, int(height) + 40), 6000)})
    drawn(page)  # the charts re-lay out at the new size
    page.screenshot(path=str(target), full_page=True)
    page.set_viewport_size({"width": width, "height": 1000})


def _add_records(db_url: str, refs: dict, n: int) -> None:
    """Real predictions of the analyst (through the real servers) and feedback on some of them: right, unsure,
    and now and then wrong with the right answer and a comment, as people give it."""
    from mds_client import MDSClient
    from workbench.feedback.capture import record_feedback
    from workbench.predict import service as predict_service
    from workbench.store import open_store

    engine = open_store(db_url)
    client = MDSClient()
    # One row of each model in turn, as people switch between models, not 40 of one then 40 of the next.
    models = [(refs[n], client.schema(refs[n])) for n in ("tips", "wine", "wine-v1") if n in refs]
    frames = {ref.name: pd.read_csv(ref.reference_data).head(n).to_dict(orient="records") for ref, _ in models}
    for i in range(n):
        for ref, schema in models:
            if i >= len(frames[ref.name]):
                continue
            classes = list(schema.class_names)
            outcome = predict_service.predict(client, engine, ref, schema, frames[ref.name][i], user="analyst")
            if outcome.prediction_id is None or i % 3:
                continue
            answer = (outcome.result.label if outcome.result is not None else None) if classes else None
            if classes and answer in classes and i % 9 == 6:
                truth = next(c for c in classes if c != answer)
                record_feedback(engine, outcome.prediction_id, "analyst", "wrong", truth=truth, confidence=0.8,
                                comment="the customer told us otherwise", schema=schema)
            else:
                record_feedback(engine, outcome.prediction_id, "analyst", "correct" if i % 2 == 0 else "unsure",
                                schema=schema)
    _add_jobs(engine, client, refs, Path(db_url.split("///", 1)[1]).parent, 1 if n == 1 else 3)
    client.close()
    _spread_over_days(engine)


def _add_jobs(engine, client, refs: dict, home: Path, jobs: int) -> None:
    """The analyst's batch jobs, run to the end through the real servers: the first clean, the next with a
    rejected row (a word where the model wants a number), so Batch's job list and a job's page have content."""
    from workbench.batch.service import BatchService

    ref = refs["tips"]
    service = BatchService(engine, client, home)
    rows = pd.read_csv(ref.sample_data)
    number = next(c for c in rows.columns if pd.api.types.is_numeric_dtype(rows[c]))
    for k in range(jobs):
        frame = pd.concat([rows] * (k + 1), ignore_index=True)
        if k:
            frame[number] = frame[number].astype(object)
            frame.loc[k, number] = "about twenty"
        source = home / f"tips-week-{len(list(home.glob('tips-week-*.csv'))) + 1}.csv"  # one name per job
        frame.to_csv(source, index=False)
        job_id = service.start(user="analyst", ref=ref, schema=client.schema(ref), source=source)
        assert service.wait(job_id, 120).state == "done", service.get(job_id)


def _spread_over_days(engine, days: int = 6) -> None:
    """Seeded rows are made in seconds; people make them over days, in office hours. Give every prediction a
    time in the last ``days`` days (oldest first, as made) and its feedback a few minutes to hours later, so
    History, the review and the case pages look like real use, not one timestamp repeated."""
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, update

    from workbench.store.tables import Feedback
    from workbench.store.tables import PredictionRow as Prediction

    rng = random.Random(7)  # the same spread on every run: screenshots comparable from run to run
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as db:
        ids = list(db.scalars(select(Prediction.id).order_by(Prediction.id)))
        times = sorted(now - timedelta(days=days) + timedelta(days=rng.uniform(0, days - 0.1)) for _ in ids)
        times = [t.replace(hour=8 + (t.hour % 10)) for t in times]  # office hours, 08:00 to 17:59
        times = sorted(t if t <= now else t - timedelta(days=1) for t in times)  # never in the future
        for pid, when in zip(ids, times, strict=True):
            db.execute(update(Prediction).where(Prediction.id == pid).values(created=when))
            later = min(now, when + timedelta(minutes=rng.randint(2, 240)))
            db.execute(update(Feedback).where(Feedback.prediction_id == pid).values(created=later, updated=later))
