"""An MLflow tracking server's Model Registry over its REST API: no MLflow package needed here.

The registry is where a published model's versions live: its files (uploaded through the server's
artifact proxy, ``--serve-artifacts``), the run that registered it (who, when, metrics), its signature
and input example, and the aliases (``champion``) that name one version. Calls go through the
``Transport`` of every other call (pooled, timed out, retried when idempotent); a registry that is down
or answers garbage is a ``RegistryError`` naming it (``registry.errors``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from mds_client.errors import ModelNotFound, PayloadRejected, RequestError
from mds_client.registry.errors import RegistryError, RegistryNotFound, mlflow_error
from mds_client.registry.records import ModelVersion, RegisteredModel, Run
from mds_client.transport import NO_RETRY, Timeout, Transport

REGISTRY_TIMEOUT = Timeout(connect=3.0, read=30.0)
EXPERIMENT = "mds-publish"
"""The experiment that holds the runs ``mds publish`` registers versions from."""
API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
MAX_HOPS = 5
"""How many ``models:/`` references a version's location may go through before it is a loop."""


class MlflowRegistry:
    """The Model Registry of the MLflow tracking server at ``url``."""

    def __init__(self, url: str, *, transport: Transport | None = None) -> None:
        self.url = url.rstrip("/")
        self._own = transport is None
        self.transport = transport or Transport(timeout=REGISTRY_TIMEOUT)

    def close(self) -> None:
        if self._own:
            self.transport.close()

    # -- the wire ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, *,
              query: dict[str, Any] | None = None, what: str = "") -> dict[str, Any]:
        url = f"{self.url}{path}" + (f"?{urlencode(query)}" if query else "")
        idempotent = method == "GET"
        try:
            answer = self.transport.send(method, url, body=orjson.dumps(body) if body is not None else None,
                                         idempotent=idempotent, retry=None if idempotent else NO_RETRY)
        except RequestError as exc:
            code, said = mlflow_error(exc)
            if isinstance(exc, ModelNotFound) or code == "RESOURCE_DOES_NOT_EXIST" or (
                    code == "INVALID_PARAMETER_VALUE" and "not found" in said):
                raise RegistryNotFound(f"The model registry has no {what or path}: {said}") from None
            if isinstance(exc, PayloadRejected):
                raise RegistryError(f"The model registry refused {what or path}: {said}",
                                    hint="Check the name, version or alias asked for.") from None
            raise RegistryError(f"The model registry at {self.url} failed ({what or path}): {exc.message}") from None
        if not answer.content:
            return {}
        try:
            doc = orjson.loads(answer.content)
        except orjson.JSONDecodeError:
            raise RegistryError(f"The model registry at {self.url} answered {what or path} with something that is "
                                "not JSON: is that URL an MLflow tracking server?") from None
        if not isinstance(doc, dict):
            raise RegistryError(f"The model registry at {self.url} answered {what or path} with a JSON "
                                f"{type(doc).__name__}, not an object.")
        return doc

    def health(self) -> None:
        """Raise ``RegistryError`` unless the server answers its health check."""
        try:
            self.transport.send("GET", f"{self.url}/health", retry=NO_RETRY)
        except RequestError as exc:
            raise RegistryError(f"The model registry at {self.url} is not answering: {exc.message}") from None

    def wait_ready(self, timeout_s: float, poll_s: float = 0.5) -> None:
        """Wait until the health check answers (a registry that is starting); ``RegistryError`` after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.health()
                return
            except RegistryError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(poll_s)

    # -- reading ----------------------------------------------------------------------------------

    def models(self) -> list[RegisteredModel]:
        """Every registered model, by name."""
        found: list[RegisteredModel] = []
        token = ""
        while True:
            query = {"max_results": 100, **({"page_token": token} if token else {})}
            doc = self._call("GET", f"{API}/registered-models/search", query=query, what="list of models")
            found += [RegisteredModel.from_mlflow(m) for m in doc.get("registered_models", [])]
            token = str(doc.get("next_page_token") or "")
            if not token:
                return sorted(found, key=lambda m: m.name)

    def model(self, name: str) -> RegisteredModel | None:
        """The registered model ``name``, or None when there is none."""
        try:
            doc = self._call("GET", f"{API}/registered-models/get", query={"name": name}, what=f"model '{name}'")
        except RegistryNotFound:
            return None
        return RegisteredModel.from_mlflow(doc.get("registered_model", {}))

    def versions(self, name: str) -> list[ModelVersion]:
        """Every version of ``name``, newest first, each with its aliases."""
        model = self.model(name)
        if model is None:
            raise RegistryNotFound(f"No model named '{name}' is registered.")
        doc = self._call("GET", f"{API}/model-versions/search",
                         query={"filter": f"name='{_quoted(name)}'", "max_results": 1000},
                         what=f"versions of '{name}'")
        by_version: dict[str, list[str]] = {}
        for alias, version in model.aliases.items():
            by_version.setdefault(version, []).append(alias)
        versions = [ModelVersion.from_mlflow(v) for v in doc.get("model_versions", [])]
        versions = [_with_aliases(v, tuple(sorted(by_version.get(v.version, [])))) for v in versions]
        return sorted(versions, key=lambda v: int(v.version) if v.version.isdigit() else 0, reverse=True)

    def version(self, name: str, which: str) -> ModelVersion:
        """Version ``which`` of ``name``: a number ("2") or an alias ("champion", "@champion")."""
        which = which.lstrip("@")
        if which.isdigit():
            doc = self._call("GET", f"{API}/model-versions/get", query={"name": name, "version": which},
                             what=f"version {which} of '{name}'")
        else:
            doc = self._call("GET", f"{API}/registered-models/alias", query={"name": name, "alias": which},
                             what=f"alias '{which}' of '{name}'")
        return ModelVersion.from_mlflow(doc.get("model_version", {}))

    def versions_of_run(self, run_id: str) -> list[ModelVersion]:
        """The versions registered from the run ``run_id`` (a model logged in a run and registered), newest first."""
        return self._search_versions(f"run_id='{_quoted(run_id)}'", f"versions of run {run_id}")

    def versions_from(self, source: str) -> list[ModelVersion]:
        """The versions registered from ``source`` (MLflow 3 registers a logged model as ``models:/m-<id>``), newest
        first; the filter needs MLflow's ``source_path`` (MLflow 2.x and 3.x servers have it)."""
        return self._search_versions(f"source_path='{_quoted(source)}'", f"versions registered from {source}")

    def _search_versions(self, filter_: str, what: str) -> list[ModelVersion]:
        doc = self._call("GET", f"{API}/model-versions/search", query={"filter": filter_}, what=what)
        found = [ModelVersion.from_mlflow(v) for v in doc.get("model_versions", [])]
        return sorted(found, key=lambda v: int(v.version) if v.version.isdigit() else 0, reverse=True)

    def run(self, run_id: str) -> Run:
        doc = self._call("GET", f"{API}/runs/get", query={"run_id": run_id}, what=f"run {run_id}")
        return Run.from_mlflow(doc.get("run", {}))

    def download(self, run: Run, path: str) -> bytes:
        """The bytes of the artifact ``path`` of ``run``."""
        url = f"{self.url}{ARTIFACTS}/{quote(run.artifact_path)}/{quote(path)}"
        try:
            return self.transport.send("GET", url).content
        except RequestError as exc:
            raise RegistryError(f"The model registry could not send {path} of run {run.run_id}: {exc.message}") \
                from None

    def download_at(self, location: str, path: str) -> bytes:
        """The bytes of ``path`` inside ``location``, an artifact-store URI this server proxies
        (``mlflow-artifacts:/...``, as ``artifact_location`` gives); another store (s3://...) is a ``RegistryError``."""
        scheme, _, rest = location.partition(":/")
        if scheme != "mlflow-artifacts":
            raise RegistryError(f"The model's files are at {location}, which the workbench does not read "
                                "(it reads what the registry's server proxies: mlflow-artifacts:/).")
        url = f"{self.url}{ARTIFACTS}/{quote(rest.strip('/'))}/{quote(path)}"
        try:
            return self.transport.send("GET", url).content
        except RequestError as exc:
            raise RegistryError(f"The model registry could not send {path} of {location}: {exc.message}") from None

    def files(self, run: Run, path: str = "") -> dict[str, int]:
        """The files directly in the artifact folder ``path`` of ``run``, by name, with their sizes in bytes."""
        doc = self._call("GET", f"{API}/artifacts/list", query={"run_id": run.run_id, **({"path": path} if path else {})},
                         what=f"the files under '{path}' of run {run.run_id}")
        return {str(f["path"]).rsplit("/", 1)[-1]: _size(f.get("file_size")) for f in doc.get("files", [])
                if isinstance(f, dict) and f.get("path") and not f.get("is_dir")}

    def tree(self, run: Run, path: str) -> dict[str, int]:
        """Every file under the artifact folder ``path`` of ``run``, subfolders included, by its path relative to
        ``path``, with its size in bytes."""
        found: dict[str, int] = {}
        folders = [path.strip("/")]
        while folders:
            folder = folders.pop()
            doc = self._call("GET", f"{API}/artifacts/list", query={"run_id": run.run_id, "path": folder},
                             what=f"the files under '{folder}' of run {run.run_id}")
            for entry in doc.get("files", []):
                if not isinstance(entry, dict) or not entry.get("path"):
                    continue
                full = str(entry["path"]).strip("/")
                if entry.get("is_dir"):
                    folders.append(full)
                else:
                    found[full[len(path.strip("/")) + 1:]] = _size(entry.get("file_size"))
        return found

    def artifact_location(self, name: str, version: str) -> str:
        """Where the artifact store keeps the files of version ``version`` of ``name``: the registry's download URI
        with ``runs:/`` and ``models:/`` resolved (``mlflow-artifacts:/1/<run>/artifacts/model``, ``s3://...``)."""
        doc = self._call("GET", f"{API}/model-versions/get-download-uri", query={"name": name, "version": version},
                         what=f"the location of version {version} of '{name}'")
        return self._resolve(str(doc.get("artifact_uri") or ""), f"version {version} of '{name}'")

    def _resolve(self, uri: str, what: str, hops: int = 0) -> str:
        """``uri`` as the artifact store's own URI; registry URIs (``runs:/``, ``models:/``) are followed."""
        if hops > MAX_HOPS:
            raise RegistryError(f"The location of {what} goes round in circles ({uri}).")
        scheme, _, rest = uri.partition(":/")
        rest = rest.strip("/")
        if scheme == "runs":
            run_id, _, path = rest.partition("/")
            base = self.run(run_id).artifact_uri.rstrip("/")
            return f"{base}/{path}" if path else base
        if scheme == "models" and rest.startswith("m-") and "/" not in rest:  # an MLflow 3 logged model
            doc = self._call("GET", f"{API}/logged-models/{quote(rest)}", what=f"logged model {rest}")
            return self._resolve(str(doc.get("model", {}).get("info", {}).get("artifact_uri") or ""), what, hops + 1)
        if scheme == "models":  # models:/NAME/VERSION or models:/NAME@ALIAS
            name, _, which = rest.rpartition("@") if "@" in rest else rest.rpartition("/")
            found = self.version(name, which).version
            doc = self._call("GET", f"{API}/model-versions/get-download-uri", query={"name": name, "version": found},
                             what=f"the location of version {found} of '{name}'")
            return self._resolve(str(doc.get("artifact_uri") or ""), what, hops + 1)
        if not uri:
            raise RegistryError(f"The model registry gives no location for {what}.")
        return uri

    # -- writing ----------------------------------------------------------------------------------

    def create_model(self, name: str, description: str = "") -> RegisteredModel:
        """Register ``name`` (or return it as it is when it exists already)."""
        found = self.model(name)
        if found is not None:
            return found
        doc = self._call("POST", f"{API}/registered-models/create", {"name": name, "description": description},
                         what=f"registration of '{name}'")
        return RegisteredModel.from_mlflow(doc.get("registered_model", {}))

    def experiment_id(self, name: str = EXPERIMENT) -> str:
        try:
            doc = self._call("GET", f"{API}/experiments/get-by-name", query={"experiment_name": name},
                             what=f"experiment '{name}'")
            return str(doc["experiment"]["experiment_id"])
        except RegistryNotFound:
            doc = self._call("POST", f"{API}/experiments/create", {"name": name}, what=f"experiment '{name}'")
            return str(doc["experiment_id"])

    def start_run(self, *, user: str, name: str, experiment: str = EXPERIMENT) -> Run:
        """A new run (who registers, and a folder for the version's files)."""
        body = {"experiment_id": self.experiment_id(experiment), "run_name": name, "user_id": user,
                "start_time": _now_ms(), "tags": [{"key": "mlflow.user", "value": user}]}
        doc = self._call("POST", f"{API}/runs/create", body, what="a new run")
        return Run.from_mlflow(doc.get("run", {}))

    def upload(self, run: Run, path: str, data: bytes) -> None:
        """Store ``data`` as the artifact ``path`` of ``run`` (through the server's artifact proxy)."""
        url = f"{self.url}{ARTIFACTS}/{quote(run.artifact_path)}/{quote(path)}"
        try:
            self.transport.send("PUT", url, body=data, headers={"Content-Type": "application/octet-stream"},
                                idempotent=True)  # a PUT of the same bytes to the same path: safe to resend
        except RequestError as exc:
            raise RegistryError(f"The model registry did not take {path} ({len(data):,} bytes): {exc.message}") \
                from None

    def log(self, run: Run, *, metrics: dict[str, float] | None = None, params: dict[str, str] | None = None,
            tags: dict[str, str] | None = None) -> None:
        stamp = _now_ms()
        body = {"run_id": run.run_id,
                "metrics": [{"key": k, "value": float(v), "timestamp": stamp, "step": 0}
                            for k, v in (metrics or {}).items()],
                "params": [{"key": k, "value": str(v)} for k, v in (params or {}).items()],
                "tags": [{"key": k, "value": str(v)} for k, v in (tags or {}).items()]}
        self._call("POST", f"{API}/runs/log-batch", body, what=f"metrics of run {run.run_id}")

    def finish_run(self, run: Run, status: str = "FINISHED") -> None:
        self._call("POST", f"{API}/runs/update", {"run_id": run.run_id, "status": status, "end_time": _now_ms()},
                   what=f"end of run {run.run_id}")

    def create_version(self, name: str, run: Run, *, path: str = "model", description: str = "",
                       tags: dict[str, str] | None = None) -> ModelVersion:
        """A new version of ``name`` from the files under ``path`` of ``run``."""
        body = {"name": name, "source": f"runs:/{run.run_id}/{path}", "run_id": run.run_id,
                "description": description, "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}
        doc = self._call("POST", f"{API}/model-versions/create", body, what=f"a new version of '{name}'")
        return ModelVersion.from_mlflow(doc.get("model_version", {}))

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._call("POST", f"{API}/registered-models/alias", {"name": name, "alias": alias.lstrip("@"),
                                                               "version": version},
                   what=f"alias '{alias}' of '{name}'")


def _size(value: Any) -> int:
    """A file size as MLflow sends it (a number, or a string of one); -1 when it sends none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _now_ms() -> int:
    return int(time.time() * 1000)


def _quoted(name: str) -> str:
    return name.replace("'", "\\'")


def _with_aliases(version: ModelVersion, aliases: tuple[str, ...]) -> ModelVersion:
    """Search answers carry no aliases (``model-versions/get`` does): take them from the registered model."""
    return version if version.aliases or not aliases else replace(version, aliases=aliases)
