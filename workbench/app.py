"""MDS Workbench: the Streamlit entry point (``streamlit run workbench/app.py``).

Builds the navigation from the pages the user's role may open, behind a login (users from
``WORKBENCH_USERS_FILE``, failures counted in the store, a signed cookie that survives reloads:
``workbench/ui/login.py``) unless ``WORKBENCH_AUTH=off``, which shows a banner on every page. A page
the role may not open answers "Not for your role" at its URL. ``WORKBENCH_ENV=production`` refuses
to start with the demo users or the demo cookie key.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import streamlit as st  # noqa: E402

from components.text import md, md_escape  # noqa: E402
from workbench.auth import (  # noqa: E402
    ANONYMOUS,
    DEMO_PASSWORDS,
    PAGE_ROLES,
    ROLE_NAMES,
    UsersFile,
    can_open,
    load_users,
    top_role,
)
from workbench.errors import UsersFileError  # noqa: E402
from workbench.navigation import PAGE_SPECS  # noqa: E402
from workbench.settings import get_settings  # noqa: E402
from workbench.ui import login, state  # noqa: E402

PAGES_DIR = REPO_ROOT / "pages"


@st.cache_resource(show_spinner=False)
def _warm_up() -> bool:
    """While someone types their password, import what the pages need and open the store."""

    def work() -> None:
        # Imported here on purpose: this thread loads what the pages need while the login page is already up.
        from workbench.ui import resources

        resources.engine()
        import components.prediction_view  # noqa: F401  (plotly)
        import workbench.catalog.service  # noqa: F401

    threading.Thread(target=work, name="workbench-warm-up", daemon=True).start()
    return True


def _users() -> UsersFile:
    return load_users(get_settings().users_file)


def login_page() -> None:
    _warm_up()
    st.title("MDS Workbench")
    st.write("Run the models of your Model Deployment Service: pick a model, fill a form, see the answer.")
    try:
        users = _users()
    except UsersFileError as exc:
        st.error(md_escape(exc))
        return
    if "auth.next" not in st.session_state:
        st.session_state["auth.next"] = st.query_params.to_dict()
    login.login_form(users, get_settings())
    if users.demo:
        rows_md = "\n".join(md("- {} / {}", u, p) for u, p in DEMO_PASSWORDS.items() if u in users.users)
        st.info("These are demo users of the local demo; change them before sharing this app.\n\n" + rows_md,
                icon=":material/info:")


def refused_page() -> None:
    """A page the role may not open, reached by URL: say so instead of landing somewhere else."""
    st.title("Not for your role")
    wanted = st.session_state.get("auth.refused", "")
    needed = ROLE_NAMES[PAGE_ROLES.get(wanted, "admin")]
    st.error(md("This page ({}) is for {} and up; you are signed in as {}.", wanted, needed,
                ROLE_NAMES[st.session_state.get("auth.role", "analyst")]), icon=":material/block:")
    st.page_link(st.session_state[state.PAGES]["models"], label="Go to the models", icon=":material/home:")


def build_pages(role: str) -> dict[str, st.Page]:
    pages = {}
    for key, filename, title, icon in PAGE_SPECS:
        path = PAGES_DIR / filename
        if path.exists() and can_open(role, key):
            pages[key] = st.Page(path, title=title, icon=icon, url_path=key, default=key == "models")
    return pages


def main() -> None:
    st.set_page_config(page_title="MDS Workbench", page_icon=":material/model_training:", layout="wide")
    settings = get_settings()
    problems = settings.production_problems()
    if problems:
        st.title("MDS Workbench cannot start")
        st.error(md("WORKBENCH_ENV=production, but:\n\n{}", "\n".join(problems)), icon=":material/gpp_bad:")
        st.stop()
    if settings.auth_enabled:
        if not st.session_state.get("authentication_status"):
            try:
                restored = login.restore_from_cookie(_users(), settings)
            except UsersFileError:
                restored = False  # the login page says why
            if not restored:
                # Every page's URL shows the login form, so a permalink survives the login.
                gates = [st.Page(login_page, title="Log in", icon=":material/login:", default=True)]
                gates += [st.Page(login_page, title="Log in", url_path=key) for key, *_ in PAGE_SPECS]
                st.navigation(gates, position="hidden").run()
                return
        role = top_role(st.session_state.get("roles"))
    else:
        st.session_state["username"] = ANONYMOUS
        role = "admin"
    st.session_state["auth.role"] = role
    pages = build_pages(role)
    st.session_state[state.PAGES] = pages
    with st.sidebar:
        if settings.auth_enabled:
            # the role on its own line: "(Data / scientist)" broke in two in the narrow sidebar
            st.caption(md("Signed in as **{}**  \nRole: {}", st.session_state.get("name") or state.username(),
                          ROLE_NAMES[role]))
            if st.button("Log out", key="auth.logout"):
                login.log_out(settings)
            login.keep_cookie(settings)
    if not settings.auth_enabled:
        st.warning("Login is turned off (WORKBENCH_AUTH=off): anyone who can open this page has full access.",
                   icon=":material/lock_open:")
    # Pages this role may not open stay reachable by URL, to say so (and not to land silently on Models).
    refused = [st.Page(_refusal(key), title=title, url_path=key, visibility="hidden")
               for key, _f, title, _i in PAGE_SPECS if key not in pages]
    navigation = st.navigation([*pages.values(), *refused])
    # A permalink opened before login: its page once logged in. switch_page only knows the pages this run
    # registered, so it comes after st.navigation (before it, the login run's pages were the only ones known).
    nxt = st.session_state.pop("auth.next", None)
    if nxt and nxt.get("prediction") and "history" in pages:
        st.switch_page(pages["history"], query_params=nxt)
    navigation.run()
    # After the page, not before: the first page paints without a second thread competing for the GIL.
    _warm_up()


def _refusal(key: str):  # type: ignore[no-untyped-def]
    def page() -> None:
        st.session_state["auth.refused"] = key
        refused_page()

    page.__name__ = f"refused_{key}"
    return page

main()
