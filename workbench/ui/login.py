"""The login glue: the form, the slow-down and lock-out, the login cookie that survives reloads and new tabs.

Why not streamlit-authenticator's own ``login()``: it writes the cookie through a component that must
mount in the browser, and the app reran at once after a good password, so the component never ran
and every reload asked for the password again; it also counts failures in the session, where a new tab
resets them. Here the cookie setter stays on the page for the whole session (it has run once the page
settled), failures are counted in the store (``workbench.login``), and the cookie keeps its format.
"""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from components.text import md_escape
from workbench.auth import UsersFile
from workbench.login import LoginPolicy, attempt_login, issue_token, read_token
from workbench.settings import Settings
from workbench.ui import resources

TOKEN = "auth.token"
LOGGED_OUT = "auth.logged_out"


def policy(settings: Settings) -> LoginPolicy:
    return LoginPolicy(free_failures=settings.login_free_failures, lock_after=settings.login_lock_after,
                       lock_minutes=settings.login_lock_minutes)


def _sign_in(users: UsersFile, username: str) -> None:
    user = users.users[username]
    st.session_state.update({"authentication_status": True, "username": username, "name": user.name,
                             "roles": list(user.roles)})
    st.session_state.pop(LOGGED_OUT, None)


def restore_from_cookie(users: UsersFile, settings: Settings) -> bool:
    """Sign in from a valid login cookie (a reload, a new tab, a permalink); True when it did."""
    if st.session_state.get(LOGGED_OUT):
        return False  # the browser still sends the cookie until the page reloads
    username = read_token(st.context.cookies.get(settings.cookie_name), settings.cookie_key, users)
    if username is None:
        return False
    _sign_in(users, username)
    return True


def login_form(users: UsersFile, settings: Settings) -> None:
    """The form; on a good password the session is signed in and a cookie is queued for the browser."""
    if st.session_state.get(LOGGED_OUT):
        _write_cookie(settings.cookie_name, "", max_age=0)
    with st.form("auth.login"):
        st.subheader("Log in")
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Log in")
    if not submitted:
        return
    with st.spinner("Checking..."):
        outcome = attempt_login(resources.engine(), users, username, password, policy=policy(settings))
    if not outcome.ok:
        st.error(md_escape(outcome.message), icon=":material/lock:")
        return
    _sign_in(users, username.strip())
    st.session_state[TOKEN] = issue_token(username.strip(), settings.cookie_key, settings.cookie_expiry_days)
    st.rerun()


def keep_cookie(settings: Settings) -> None:
    """While signed in after a password login, keep the cookie setter on the page (it runs once mounted)."""
    token = st.session_state.get(TOKEN)
    if token and st.context.cookies.get(settings.cookie_name) != token:
        _write_cookie(settings.cookie_name, token, max_age=int(settings.cookie_expiry_days * 86400))


def log_out(settings: Settings) -> None:
    for name in ("authentication_status", "username", "name", "roles", TOKEN):
        st.session_state.pop(name, None)
    st.session_state[LOGGED_OUT] = True
    st.rerun()


def _write_cookie(name: str, value: str, *, max_age: int) -> None:
    # The app's own origin only, SameSite=Strict; JSON quoting keeps the token a string literal.
    secure = "; Secure" if st.context.url and st.context.url.startswith("https:") else ""
    cookie = f"{name}={value}; Path=/; Max-Age={max_age}; SameSite=Strict{secure}"
    components.html(f"<script>window.parent.document.cookie = {json.dumps(cookie)};</script>", height=0)
