"""Admin: which catalog, store and users the workbench runs with (read-only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.tables import render_facts, render_table
from components.text import md, md_escape
from workbench.auth import PAGE_ROLES, ROLE_NAMES, load_users
from workbench.catalog.discovery import describe_discovery
from workbench.catalog.service import catalogue_table
from workbench.errors import UsersFileError
from workbench.navigation import PAGE_SPECS
from workbench.ui import resources
from workbench.ui.catalog import load_entries
from workbench.ui.live_simulation import live_simulation_section

st.title("See how the workbench is set up")
settings = resources.settings()
store_url = resources.engine().url.render_as_string(hide_password=True)
facts = {
    "Models from (WORKBENCH_DISCOVERY)": describe_discovery(settings),
    "Catalog file (WORKBENCH_CATALOG)": str(settings.catalog_path),
    "Store (WORKBENCH_DATABASE_URL)": store_url,
    "Login (WORKBENCH_AUTH)": settings.auth,
    "Users file (WORKBENCH_USERS_FILE)": str(settings.users_file),
    "Timeouts": f"connect {settings.connect_timeout:g} s, read {settings.read_timeout:g} s",
}
render_facts(facts)  # long paths wrap instead of being cut

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
