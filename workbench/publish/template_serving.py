"""A published Seldon template's version served on the running embedded MDS, as a microservice of its own.

Each version's files go into ``<home>/seldon/<name>/<version>/`` and it runs as a Seldon Core v1 microservice on
ports of its own (``embedded_mds.template_servers``), recorded in state.json so that ``mds local down`` stops it
and ``up`` starts it again; no other model is restarted. Callers of the model (its catalog entry: protocol
``seldon``, ``url`` the version they get, ``versions`` each version's URL) get the first version served until
another is promoted. A version that does not become ready is stopped and removed, with the error its log names;
the versions served before keep answering. ``serving`` asks here for a template's served versions and promotion.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from embedded_mds import processes, template_servers
from embedded_mds.catalog_writer import published_record, template_entry, upsert_entry
from embedded_mds.errors import EmbeddedMDSError
from embedded_mds.layout import HomeLayout, write_json
from workbench.publish.errors import PublishError
from workbench.publish.template_model import TEMPLATE_KIND, CheckedTemplate, write_files

# The last line of a Python traceback: "RuntimeError: no GPU here", "ModuleNotFoundError: No module named 'x'".
RAISED = re.compile(r"^[\w.]*(Error|Exception|Exit)\b(:.*)?$")
LOG_LINES = 400


def is_template(layout: HomeLayout, name: str) -> bool:
    """``name`` was published here as a Seldon template."""
    return _record(layout, name).get("kind") == TEMPLATE_KIND


def served_versions(layout: HomeLayout, name: str) -> list[str]:
    return template_servers.served_versions(layout, name)


def check_name_free(layout: HomeLayout, name: str) -> None:
    """A template may be a new version of a template, never of a model served another way."""
    if layout.model_dir(name).exists():
        raise PublishError(f"'{name}' is served by the model server from a model file; a Seldon template cannot be "
                           "one of its versions.", hint="Publish the template under another name.")
    if layout.seldon_dir(name).exists() and not is_template(layout, name):
        raise PublishError(f"'{name}' is a Seldon model of the embedded MDS that was not published here.",
                           hint="Publish under another name.")


def serve(layout: HomeLayout, name: str, version: str, checked: CheckedTemplate, metadata: dict[str, Any], *,
          prediction_schema: dict[str, Any], reference: pd.DataFrame, card: dict[str, Any], published_by: str,
          default: str | None = None, sink_url: str | None = None) -> str:
    """Serve ``version`` beside the versions served before and put the model in the catalog; its prediction URL.

    ``default`` is the version callers get from now on (else: the one they got, or this one for a new model).
    """
    staged = layout.home / "publishing" / f"{name}.{version}.staged"
    shutil.rmtree(staged, ignore_errors=True)
    write_files(staged, checked.bundle.files)
    template_servers.forget(layout, name, version)  # a leftover of this version number (a registry started afresh)
    place = template_servers.version_dir(layout, name, version)
    shutil.rmtree(place, ignore_errors=True)
    place.parent.mkdir(parents=True, exist_ok=True)
    staged.rename(place)
    template_servers.write_serving(layout, name, version, module=checked.bundle.module,
                                   class_name=checked.class_name, metadata=metadata)
    write_json(template_servers.schema_path(layout, name, version), prediction_schema)
    try:
        spec = template_servers.version_spec(layout, name, version)
        record = template_servers.start(layout, spec)
    except EmbeddedMDSError as exc:
        shutil.rmtree(place, ignore_errors=True)
        template_servers.remove_version(layout, name, version)
        log = layout.log(template_servers.server_name(name, version))
        raise PublishError(f"Its microservice did not start: {_named_error(exc, place)}",
                           hint=f"Its log is {log}. The versions served before still answer.") from None
    template_servers.remember(layout, record)
    served = served_versions(layout, name)
    callers_get = default or str(_record(layout, name).get("version") or version)
    if callers_get not in served:
        callers_get = version
    layout.reference_csv(name).parent.mkdir(parents=True, exist_ok=True)
    reference.to_csv(layout.reference_csv(name), index=False)
    write_json(layout.card_json(name), card)
    _write_record(layout, name, callers_get, served, published_by=published_by)
    _catalog(layout, name, callers_get, sink_url)
    return f"{record['url']}/api/v1.0/predictions"


def promote(layout: HomeLayout, name: str, version: str, *, sink_url: str | None = None) -> None:
    """Callers of ``name`` now get ``version`` (already served); the catalog says so."""
    served = served_versions(layout, name)
    record = _record(layout, name)
    record.update(version=version, versions=served)
    write_json(published_record(layout, name), record)
    _catalog(layout, name, version, sink_url)


def urls(layout: HomeLayout, name: str) -> dict[str, str]:
    """Each served version's URL (its microservice), by version."""
    return {version: template_servers.version_spec(layout, name, version).url
            for version in served_versions(layout, name)}


def _catalog(layout: HomeLayout, name: str, version: str, sink_url: str | None) -> None:
    entry = template_entry(layout, name, version, urls(layout, name))
    if sink_url:
        entry.logger = {"url": sink_url}
    upsert_entry(layout.catalog, entry)


def _record(layout: HomeLayout, name: str) -> dict[str, Any]:
    try:
        record = json.loads(published_record(layout, name).read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(layout: HomeLayout, name: str, version: str, served: list[str], *, published_by: str) -> None:
    write_json(published_record(layout, name), {
        "name": name, "kind": TEMPLATE_KIND, "version": version, "versions": served, "published_by": published_by,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds")})


def _named_error(error: EmbeddedMDSError, code_dir: Path) -> str:
    """The error the server's log names: the exception raised in the template's own code when there is one (the
    lines after it may be the shutdown's noise), else the last exception it shows, else what went wrong."""
    log = getattr(error, "log", None)
    lines = [line.strip() for line in (processes.log_tail(log, LOG_LINES) if log else "").splitlines()]
    starts = [i for i, line in enumerate(lines) if line.startswith("==== ")]  # processes.start_process's marker
    lines = lines[starts[-1]:] if starts else lines
    raised, ours, in_code = [], [], False
    for line in lines:
        if line.startswith("File "):
            in_code = str(code_dir) in line
        elif RAISED.match(line):
            raised.append(line)
            if in_code:
                ours.append(line)
            in_code = False
    named = ours or raised
    reason = getattr(error, "reason", "") or str(error)
    return f"{named[-1]} ({reason})" if named else reason
