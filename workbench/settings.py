"""Workbench settings: one pydantic-settings object, read once.

Every value comes from the environment (prefix ``WORKBENCH_``) or its default;
secrets (the login cookie key) come from the environment or
``.streamlit/secrets.toml``, never from code, except the demo key that is
used only with the demo users file.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workbench.paths import DEMO_USERS_FILE, SECRETS_FILE, default_home

# Only ever used together with the demo users file, whose passwords are public anyway.
DEMO_COOKIE_KEY = "mds-workbench-demo-cookie-key-not-secret-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKBENCH_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Embedded MDS home.")
    catalog: Path | None = Field(default=None, description="Catalog YAML; default <home>/catalog.yaml.")
    auth: Literal["on", "off"] = "on"
    database_url: str = ""
    users_file: Path = DEMO_USERS_FILE
    cookie_key: str = ""
    cookie_name: str = "mds_workbench_auth"
    cookie_expiry_days: float = 1.0
    connect_timeout: float = 3.0
    read_timeout: float = 30.0
    explain_budget_s: float = 20.0
    """Seconds an explanation may take before it stops with a plain message."""
    status_ttl: float = 30.0
    """Seconds a model's ready/not ready status is cached."""
    sink_header_seconds: float = 10.0
    """Seconds the request-log sink waits for a request's headers before answering 408 and closing."""
    sink_body_seconds: float = 30.0
    """Seconds the request-log sink waits for a request's body (after its headers) before closing."""
    env: Literal["development", "production"] = "development"
    """``production``: the app refuses to start with the demo users, the demo cookie key or login off."""
    login_free_failures: int = 3
    """Wrong passwords in a row answered at once; then each answer is slower (1, 2, 4... 8 s)."""
    login_lock_after: int = 10
    """Wrong passwords in a row that lock the account for ``login_lock_minutes``."""
    login_lock_minutes: float = 15.0
    analysts_see_all_feedback: bool = False
    """Whether analysts see other people's feedback (data scientists and admins always do)."""
    discovery: Literal["catalog", "repository", "kubernetes"] = "catalog"
    """Where the models come from: the catalog YAML, a V2 server's repository index, or Kubernetes."""
    repository_url: str = ""
    """Base URL of the MLServer / Triton whose ``/v2/repository/index`` lists the models."""
    kube_namespace: str = ""
    """Namespace to list Seldon resources in; empty means every namespace."""
    kube_ingress_url: str = ""
    """Ingress base URL for Seldon Core v1 ``SeldonDeployment``s (``<url>/seldon/<ns>/<name>``)."""
    kube_mesh_url: str = ""
    """Seldon Core v2 mesh URL for ``Model`` / ``Pipeline`` resources."""
    kube_grpc_url: str = ""
    """The cluster's gRPC ingress, ``grpc://host:port`` (``grpcs://`` for TLS): V2 models found in Kubernetes answer
    there over gRPC, routed as over REST (``Seldon-Model``; ``seldon``/``namespace``; KServe's host). A model's
    ``mds.workbench/grpc-url`` annotation wins; empty and no annotation: REST only."""
    prometheus_url: str = ""
    """Prometheus base URL for the Monitor page; empty means the embedded MDS's own, if it runs."""
    alertmanager_url: str = ""
    """Alertmanager base URL whose alerts the workbench shows and silences; empty means the embedded MDS's own,
    if it runs. Set it to read an organisation's own Alertmanager instead."""
    alert_webhook_token: str = ""
    """The shared token Alertmanager sends the workbench's webhook receiver (``Authorization: Bearer``); the
    receiver accepts nothing without one. The embedded MDS makes its own (``<home>/alerting/webhook-token``)."""
    health_window_seconds: float = Field(default=3600.0, gt=0)
    """Width of the windows model health is measured on for alerting (the embedded MDS uses 60 s for demos)."""
    mlflow_uri: str = ""
    """The MLflow tracking server whose Model Registry publishing writes to; empty means the embedded
    MDS's own, if it runs."""
    trace_url: str = ""
    """Jaeger / Tempo link per call, a template with ``{trace_id}``, e.g.
    ``http://jaeger:16686/trace/{trace_id}``; empty: the trace id is shown without a link."""

    @field_validator("trace_url")
    @classmethod
    def _trace_template(cls, value: str) -> str:
        value = value.strip()
        if value and (not value.startswith(("http://", "https://")) or "{trace_id}" not in value):
            raise ValueError("WORKBENCH_TRACE_URL must be an http(s) URL containing {trace_id}, "
                             "e.g. http://jaeger:16686/trace/{trace_id}")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if self.catalog is None:
            self.catalog = self.home / "catalog.yaml"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'workbench.db'}"
        if not self.cookie_key:
            self.cookie_key = _secret("cookie_key") or ""
        if not self.alert_webhook_token:
            self.alert_webhook_token = _secret("alert_webhook_token") or ""
        if not self.cookie_key and self.uses_demo_users:
            self.cookie_key = DEMO_COOKIE_KEY
        return self

    @property
    def catalog_path(self) -> Path:
        assert self.catalog is not None
        return self.catalog

    @property
    def auth_enabled(self) -> bool:
        return self.auth == "on"

    @property
    def uses_demo_users(self) -> bool:
        return Path(self.users_file).resolve() == DEMO_USERS_FILE.resolve()

    def production_problems(self) -> list[str]:
        """Why this configuration must not serve real users (empty outside ``WORKBENCH_ENV=production``)."""
        if self.env != "production":
            return []
        problems = []
        if not self.auth_enabled:
            problems.append("Login is off (WORKBENCH_AUTH=off). Turn it on.")
        if self.uses_demo_users or _is_demo_users_file(self.users_file):
            problems.append("The users are the demo users, whose passwords are public. Set WORKBENCH_USERS_FILE "
                            "to your own users file (see config/users.yaml for its shape).")
        if self.cookie_key == DEMO_COOKIE_KEY:
            problems.append("The login cookie key is the public demo key. Set WORKBENCH_COOKIE_KEY (32+ random "
                            "bytes) or cookie_key in .streamlit/secrets.toml.")
        elif len(self.cookie_key) < 32:
            problems.append("The login cookie key is missing or shorter than 32 characters. Set WORKBENCH_COOKIE_KEY "
                            "or cookie_key in .streamlit/secrets.toml.")
        return problems


def _is_demo_users_file(path: Path) -> bool:
    try:
        doc = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(doc, dict) and bool(doc.get("demo"))


def _secret(name: str) -> str | None:
    """A value from .streamlit/secrets.toml (top level or a [workbench] table)."""
    try:
        doc = tomllib.loads(SECRETS_FILE.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
    value = doc.get(name) or (doc.get("workbench") or {}).get(name)
    return str(value) if value else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
