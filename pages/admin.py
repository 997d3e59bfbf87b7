"""Admin: which catalog, store and users the workbench runs with (read-only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.table_view import render_facts, render_table
from components.text import md, md_escape
from workbench.auth import PAGE_ROLES, ROLE_NAMES, load_users
from workbench.catalog.discovery import describe_discovery
from workbench.catalog.service import catalogue_table
from workbench.errors import UsersFileError
from workbench.navigation import PAGE_SPECS
from workbench.ui import resources
from workbench.ui.admin_simulation import live_simulation_section
from workbench.ui.catalog import load_entries

st.title("See how the workbench is set up")
settings = resources.settings()
store_url = resources.engine().url.render_as_string(hide_password=True)
# Short names, so that the values (paths, URLs) get the width and wrap at their spaces, not inside a path.
facts = {
    "Models from": describe_discovery(settings, full_path=False),  # the whole path is the next row
    "Catalog file": str(settings.catalog_path),
    "Store": store_url,
    "Login": settings.auth,
    "Users file": str(settings.users_file),
    "Timeouts": f"connect {settings.connect_timeout:g} s, read {settings.read_timeout:g} s",
}
render_facts(facts)
st.caption("Set by environment variables: Models from by `WORKBENCH_DISCOVERY`, Catalog file by `WORKBENCH_CATALOG`, "
           "Store by `WORKBENCH_DATABASE_URL`, Login by `WORKBENCH_AUTH`, Users file by `WORKBENCH_USERS_FILE`, "
           "Timeouts by `WORKBENCH_CONNECT_TIMEOUT` and `WORKBENCH_READ_TIMEOUT` (seconds).")

st.subheader("Models in the catalog")
entries = load_entries()
if entries is not None:
    # The grid a person scans fits at 1024 px (a hyphenated name no longer breaks in a squeezed column);
    # why a model is down, its explainer and description open per row.
    render_table(catalogue_table(entries), key="admin.models", details=["reason", "explainer", "description"])

st.subheader("Users and roles")
try:
    users = load_users(settings.users_file)
except UsersFileError as exc:
    st.error(md_escape(exc))
else:
    if users.demo:
        st.warning("These are the demo users with public passwords. Use your own users file before sharing the app.")
    frame = pd.DataFrame([{"username": u.username, "name": u.name, "role": ROLE_NAMES[u.role]} for u in users.users.values()])
    render_table(frame, key="admin.users")
titles: dict[str, list[str]] = {}  # lowest role -> the pages' titles as the sidebar shows them
for page_key, _file, title, _icon in PAGE_SPECS:
    titles.setdefault(PAGE_ROLES.get(page_key, "admin"), []).append(title)
st.caption(md("Who opens which page: {}.", "; ".join(f"{ROLE_NAMES[r]}{' only' if r == 'admin' else ' and up'}: {', '.join(t)}"
                                                for r, t in titles.items())))

st.subheader("Simulated traffic")
live_simulation_section()
