"""The authorisation matrix, tried: every page and every action as each role and as an anonymous visitor.

The "Who may do what" table of docs/user-guide.md is read and must equal ``workbench.auth.authorisation_matrix()``;
each cell is then tried through AppTest (the Chromium half, by URL, is in ``tests/e2e/test_sessions.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, PAGES, TIMEOUT, page_path
from tests.app.helpers import texts, unescape
from workbench.auth import ROLE_NAMES, VISITORS, authorisation_matrix, can, can_open
from workbench.feedback import metrics as fm
from workbench.feedback.capture import record_feedback
from workbench.store import log_prediction, open_store

PERMISSIONS_DOC = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"
USERS = {"analyst": "analyst", "data_scientist": "scientist", "admin": "admin"}
HEADER = {"anonymous": "anonymous", "analyst": "analyst", "data scientist": "data_scientist", "admin": "admin"}


def readme_matrix() -> list[tuple[str, dict[str, bool]]]:
    text = PERMISSIONS_DOC.read_text()
    section = text[text.index("## Who may do what"):]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != len(header):
            break
        rows.append((cells[0], {HEADER[h]: c == "yes" for h, c in zip(header[1:], cells[1:], strict=True)}))
    return rows


def test_readme_shows_the_matrix_the_code_enforces():
    assert readme_matrix() == authorisation_matrix()


def _engine(app_env):
    return open_store(f"sqlite:///{app_env / 'wb.db'}")


def test_anonymous_sees_only_the_login_form_on_every_page(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    for page in PAGES:
        with pytest.raises(ValueError):  # no page of the app is registered before login
            at.switch_page(page_path(page))


@pytest.mark.parametrize("role", list(USERS))
def test_pages_per_role(logged_in, role):
    at = logged_in(USERS[role])
    for page in PAGES:
        if can_open(role, page):
            at.switch_page(page_path(page)).run()
            assert not at.exception, (page, at.exception)
            assert at.title[0].value != "Not for your role"
        else:
            with pytest.raises(ValueError):
                at.switch_page(page_path(page))


def _predict(at: AppTest, catalog_path) -> tuple[AppTest, str]:
    """Predict with the first model whose form is ready; returns the page and the model's name."""
    from mds_client import load_catalog

    for ref in load_catalog(catalog_path):
        at.session_state["models.selected"] = ref.name
        at.switch_page(page_path("predict")).run()
        send = [b for b in at.button if b.key == "predict.send"]
        if send and not send[0].disabled:
            send[0].click().run()
            assert not at.exception, at.exception
            return at, ref.name
    raise AssertionError("no model with a form is ready")


@pytest.mark.parametrize("role", list(USERS))
def test_predict_feedback_withdraw_per_role(logged_in, app_env, catalog_path, role):
    at, _model = _predict(logged_in(USERS[role]), catalog_path)
    engine = _engine(app_env)
    assert any(m.label in ("Prediction", "Predicted value") for m in at.metric), texts(at)
    correct = next(b for b in at.button if b.key and b.key.startswith("predict.feedback.") and b.key.endswith(".correct"))
    correct.click().run()
    frame = fm.feedback_frame(engine)
    assert can(role, "feedback") and len(frame) == 1 and frame["user"].iloc[0] == USERS[role]
    withdraw = next(b for b in at.button if b.key and b.key.endswith(".withdraw"))
    withdraw.click().run()
    assert can(role, "withdraw own feedback") and fm.feedback_frame(engine).empty


@pytest.mark.parametrize("role", list(USERS))
def test_others_predictions_and_feedback_per_role(logged_in, app_env, role):
    """A case someone else predicted and judged: who may open it by its permalink (feedback review links)."""
    engine = _engine(app_env)
    pid = log_prediction(engine, user="someone-else", model="any-model", inputs={"x": 1},
                         outputs={"label": "a", "task": "classification"})
    record_feedback(engine, pid, "someone-else", "correct")
    at = logged_in(USERS[role])
    at.query_params["prediction"] = str(pid)
    at.switch_page(page_path("history")).run()
    assert not at.exception, at.exception
    refused = "was made by someone else" in texts(at)
    assert refused is not can(role, "see others' predictions"), texts(at)
    if can_open(role, "feedback_review"):
        at.switch_page(page_path("feedback_review")).run()
        downloads = [b.label for b in at.get("download_button")] if at.get("download_button") else []
        case_links = re.findall(r"prediction=(\d+)", str(at.dataframe[0].value.to_dict()) if at.dataframe else "")
        assert can(role, "see others' feedback") and str(pid) in case_links
        assert can(role, "export labelled cases") and any("labelled cases" in str(d) for d in downloads), downloads


@pytest.mark.parametrize("role", list(USERS))
def test_export_and_admin_per_role(logged_in, role):
    at = logged_in(USERS[role])
    at.switch_page(page_path("history")).run()
    assert not at.exception
    if can_open(role, "admin"):
        at.switch_page(page_path("admin")).run()
        assert can(role, "admin") and at.title[0].value == "See how the workbench is set up"
    else:
        assert not can(role, "admin")


def test_every_visitor_column_is_tried():
    assert set(VISITORS) == {"anonymous", *USERS}


def test_admin_names_pages_as_the_sidebar_does(logged_in):
    """Who opens which page, in the pages' titles (no 'feedback_review' keys), grouped by role."""
    at = logged_in("admin", "admin")
    assert not at.exception, at.exception
    caption = next(unescape(c.value) for c in at.caption if "Who opens which page" in c.value)
    assert "Feedback review" in caption and "feedback_review" not in caption
    assert "Data scientist and up: " in caption


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_sidebar_role_on_its_own_line_and_catalog_path_for_admins_only(logged_in, catalog_path, role):
    at = logged_in(USERS[role], "models")
    assert not at.exception, at.exception
    signed = next(c.value for c in at.sidebar.caption if "Signed in as" in c.value)
    assert unescape(signed).endswith(f"**  \nRole: {ROLE_NAMES[role]}")  # own line, not "(Data / scientist)"
    source = next(unescape(c.value) for c in at.caption if c.value.startswith("From the catalog file "))
    assert catalog_path.name in source
    assert (str(catalog_path.parent) in source) == (role == "admin")  # where the file sits is for admins
