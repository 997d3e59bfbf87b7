"""MDS Workbench: the Streamlit entry point (``streamlit run workbench/app.py``).

Builds the navigation from the pages the user's role may open, behind a login
(streamlit-authenticator, users from ``WORKBENCH_USERS_FILE``) unless
``WORKBENCH_AUTH=off``, which shows a banner on every page.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import streamlit as st  # noqa: E402

from workbench.auth import ANONYMOUS, DEMO_PASSWORDS, ROLE_NAMES, can_open, load_users, top_role  # noqa: E402
from workbench.errors import UsersFileError  # noqa: E402
from workbench.navigation import PAGE_SPECS  # noqa: E402
from workbench.settings import get_settings  # noqa: E402
from workbench.ui import state  # noqa: E402

PAGES_DIR = REPO_ROOT / "pages"


def _authenticator():  # type: ignore[no-untyped-def]
    import streamlit_authenticator as stauth

    settings = get_settings()
    users = load_users(settings.users_file)
    authenticator = stauth.Authenticate(
        users.credentials(), settings.cookie_name, settings.cookie_key, settings.cookie_expiry_days,
        auto_hash=False, login_sleep_time=0.0,
    )
    return authenticator, users


@st.cache_resource(show_spinner=False)
def _warm_up() -> bool:
    """While someone types their password, import what the pages need and open the store."""

    def work() -> None:
        from workbench.ui import resources

        resources.engine()
        import components.prediction_view  # noqa: F401  (plotly)
        import workbench.catalog.service  # noqa: F401

    threading.Thread(target=work, name="workbench-warm-up", daemon=True).start()
    return True


def login_page() -> None:
    _warm_up()
    st.title("MDS Workbench")
    st.write("Run the models of your Model Deployment Service: pick a model, fill a form, see the answer.")
    try:
        authenticator, users = _authenticator()
    except UsersFileError as exc:
        st.error(str(exc))
        return
    if "auth.next" not in st.session_state:
        st.session_state["auth.next"] = st.query_params.to_dict()
    authenticator.login(location="main", fields={"Form name": "Log in", "Username": "Username",
                                                  "Password": "Password", "Login": "Log in"})
    if st.session_state.get("authentication_status"):
        st.rerun()
    if st.session_state.get("authentication_status") is False:
        st.error("Wrong username or password.")
    if users.demo:
        rows = "\n".join(f"- `{u}` / `{p}`" for u, p in DEMO_PASSWORDS.items() if u in users.users)
        st.info(f"These are demo users of the local demo; change them before sharing this app.\n\n{rows}",
                icon=":material/info:")


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
    if settings.auth_enabled:
        if not st.session_state.get("authentication_status"):
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
            st.caption(f"Signed in as **{st.session_state.get('name') or state.username()}** ({ROLE_NAMES[role]})")
            try:
                authenticator, _ = _authenticator()
                authenticator.logout("Log out", location="sidebar", key="auth.logout")
            except UsersFileError as exc:
                st.error(str(exc))
    if not settings.auth_enabled:
        st.warning("Login is turned off (WORKBENCH_AUTH=off): anyone who can open this page has full access.",
                   icon=":material/lock_open:")
    nxt = st.session_state.pop("auth.next", None)
    if nxt and nxt.get("prediction") and "history" in pages:
        st.switch_page(pages["history"], query_params=nxt)
    st.navigation(list(pages.values())).run()
    # After the page, not before: the first page paints without a second thread competing for the GIL.
    _warm_up()


main()
