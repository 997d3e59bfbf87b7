"""Users, roles and which pages each role sees. No Streamlit here.

Users live in a YAML file (``WORKBENCH_USERS_FILE``) with bcrypt password hashes
and a list of roles each. Roles are ordered: analyst < data_scientist < admin; a
page names the lowest role that may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from workbench.errors import UsersFileError

ROLES: tuple[str, ...] = ("analyst", "data_scientist", "admin")
ROLE_NAMES = {"analyst": "Analyst", "data_scientist": "Data scientist", "admin": "Admin"}
DEMO_PASSWORDS = {"analyst": "analyst-demo", "scientist": "scientist-demo", "admin": "admin-demo"}

# page key -> lowest role allowed
PAGE_ROLES: dict[str, str] = {
    "models": "analyst",
    "predict": "analyst",
    "compare": "analyst",
    "history": "analyst",
    "batch": "analyst",
    "explain": "analyst",
    # Analysts too: Predict's raw JSON editor is theirs already and sends to the same catalog model;
    # the page adds checks and advice, no new reach (nothing pasted is used as a URL).
    "payload_check": "analyst",
    "feedback_review": "data_scientist",
    "monitor": "data_scientist",
    # Alerts of every model, silences and rule settings: those who look after the models.
    "health": "data_scientist",
    # Loading a model file runs the code it names: only the roles that publish may upload one.
    "publish": "data_scientist",
    "admin": "admin",
}
# action -> lowest role allowed (what a page offers besides opening it)
ACTION_ROLES: dict[str, str] = {
    "predict": "analyst",
    "batch": "analyst",
    "feedback": "analyst",
    "withdraw own feedback": "analyst",
    "export own predictions": "analyst",
    "export labelled cases": "data_scientist",
    "see others' predictions": "data_scientist",
    "see others' feedback": "data_scientist",
    "promote a version": "data_scientist",
    "silence an alert": "data_scientist",
    "change alert rules": "data_scientist",
    "admin": "admin",
}
# the columns of the authorisation matrix: not signed in, then each role
VISITORS: tuple[str, ...] = ("anonymous", *ROLES)
# the user of every call when login is turned off on purpose (WORKBENCH_AUTH=off)
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class User:
    username: str
    name: str
    roles: tuple[str, ...]
    email: str = ""

    @property
    def role(self) -> str:
        return top_role(self.roles)


@dataclass(frozen=True)
class UsersFile:
    path: Path
    users: dict[str, User]
    hashes: dict[str, str]
    demo: bool

    def credentials(self) -> dict[str, Any]:
        """The ``credentials`` mapping streamlit-authenticator expects (a fresh copy: it mutates it)."""
        return {
            "usernames": {
                u.username: {
                    "name": u.name,
                    "email": u.email,
                    "password": self.hashes[u.username],
                    "roles": list(u.roles),
                    "failed_login_attempts": 0,
                    "logged_in": False,
                }
                for u in self.users.values()
            }
        }


def load_users(path: Path | str) -> UsersFile:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise UsersFileError(f"The users file {path} does not exist. Set WORKBENCH_USERS_FILE.") from None
    except (OSError, yaml.YAMLError) as exc:
        raise UsersFileError(f"The users file {path} cannot be read: {exc}") from None
    raw = doc.get("users") if isinstance(doc, dict) else None
    if not isinstance(raw, dict) or not raw:
        raise UsersFileError(f"The users file {path} needs a 'users:' mapping of username -> details.")
    users: dict[str, User] = {}
    hashes: dict[str, str] = {}
    for username, entry in raw.items():
        if not isinstance(entry, dict) or not str(entry.get("password", "")).startswith("$2"):
            raise UsersFileError(f"{path}: user '{username}' needs a bcrypt 'password' hash.")
        roles = tuple(str(r) for r in entry.get("roles") or ())
        unknown = [r for r in roles if r not in ROLES]
        if unknown or not roles:
            raise UsersFileError(f"{path}: user '{username}' needs roles from {', '.join(ROLES)}.")
        users[str(username)] = User(str(username), str(entry.get("name") or username), roles, str(entry.get("email") or ""))
        hashes[str(username)] = str(entry["password"])
    return UsersFile(path, users, hashes, bool(doc.get("demo", False)))


def check_password(users: UsersFile, username: str, password: str) -> bool:
    hashed = users.hashes.get(username)
    return bool(hashed) and bcrypt.checkpw(password.encode(), hashed.encode())


def top_role(roles: Any) -> str:
    """The highest known role in ``roles``; analyst when there is none."""
    found = [r for r in (roles or ()) if r in ROLES]
    return max(found, key=ROLES.index) if found else "analyst"


def can_open(role: str, page: str) -> bool:
    needed = PAGE_ROLES.get(page, "admin")
    return ROLES.index(role) >= ROLES.index(needed)


def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may do ``action`` (a key of ACTION_ROLES); anonymous visitors (None) may do nothing."""
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(ACTION_ROLES.get(action, "admin"))


def authorisation_matrix() -> list[tuple[str, dict[str, bool]]]:
    """Rows ``("page: models", {"anonymous": False, "analyst": True, ...})``, pages first, then actions.

    The "Who may do what" table of docs/user-guide.md is this matrix; ``tests/app/test_authorisation.py`` checks both.
    """
    rows = [(f"page: {page}", {v: v in ROLES and can_open(v, page) for v in VISITORS}) for page in PAGE_ROLES]
    rows += [(action, {v: can(v, action) for v in VISITORS}) for action in ACTION_ROLES]
    return rows


def pages_for(role: str) -> list[str]:
    return [page for page in PAGE_ROLES if can_open(role, page)]


def can_see_all_feedback(role: str | None, settings: Any) -> bool:
    """Data scientists and admins see everyone's feedback; analysts only their own unless the operator allows it."""
    return role in ("data_scientist", "admin") or bool(getattr(settings, "analysts_see_all_feedback", False))


def can_open_case(role: str | None, user: str, owner: str, settings: Any = None) -> bool:
    """Whether ``user`` may open a prediction made by ``owner``: their own; every case for data scientists
    and admins (the feedback review links to everyone's); analysts others' only if the operator allows it."""
    return user == owner or can(role, "see others' predictions") or can_see_all_feedback(role, settings)
