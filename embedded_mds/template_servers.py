"""Published Seldon templates as servers of the embedded MDS: one Seldon Core v1 microservice per version.

    <home>/seldon/<name>/<version>/               the version's files (the .py and what it loads), its working dir
    <home>/seldon/<name>/<version>.serving.json   how it is served: {"module", "class", "http", "metrics"}
    <home>/seldon/<name>/<version>.metadata.json  Seldon's MODEL_METADATA for it (see served.seldon_launcher)
    <home>/seldon/<name>/<version>.schema.json    its form: Seldon's ML prediction schema (the catalog's ``schema``)

A version's server is named ``<name>@<version>`` (its log ``logs/<name>@<version>.log``) and runs
``served.seldon_launcher --code-dir`` from .venvs/seldon on 127.0.0.1, on two ports of ``PORTS`` chosen when it
is published and kept while they stay free. ``start`` starts one and waits until ``/health/status`` answers;
``remember`` adds it to state.json, so that ``mds local down`` stops it and ``status`` lists it, and ``forget``
stops one; ``specs`` are what ``up`` starts for every version published in the home (optional servers: one
that does not start is a failure of its own, the others keep running).
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from embedded_mds import processes
from embedded_mds.errors import EmbeddedMDSError
from embedded_mds.layout import HomeLayout, read_state, seldon_python, write_json
from embedded_mds.server_specs import ServerSpec, server_env
from embedded_mds.startup import RunningServer, check_environment, wait_all

LAUNCHER = "embedded_mds.served.seldon_launcher"
READY_PATH = "/health/status"
PORTS = range(12000, 20000)
"""Where a version's ports are picked: below the ephemeral range and apart from the test layouts (20000-32000)."""
READY_WAIT_S = 60.0
SERVING, METADATA, SCHEMA = ".serving.json", ".metadata.json", ".schema.json"


def server_name(name: str, version: str) -> str:
    return f"{name}@{version}"


def version_dir(layout: HomeLayout, name: str, version: str) -> Path:
    return layout.seldon_dir(name) / version


def serving_path(layout: HomeLayout, name: str, version: str) -> Path:
    return layout.seldon_dir(name) / f"{version}{SERVING}"


def metadata_path(layout: HomeLayout, name: str, version: str) -> Path:
    return layout.seldon_dir(name) / f"{version}{METADATA}"


def schema_path(layout: HomeLayout, name: str, version: str) -> Path:
    return layout.seldon_dir(name) / f"{version}{SCHEMA}"


def version_order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (10**9, version)


def served_versions(layout: HomeLayout, name: str) -> list[str]:
    """The versions of template ``name`` published in this home (folder and serving file), oldest first."""
    folder = layout.seldon_dir(name)
    found = [p.name.removesuffix(SERVING) for p in folder.glob(f"*{SERVING}")] if folder.is_dir() else []
    return sorted((v for v in found if (folder / v).is_dir()), key=version_order)


def template_names(layout: HomeLayout) -> list[str]:
    """Every template with a version published in this home."""
    if not layout.seldon.is_dir():
        return []
    return sorted(p.name for p in layout.seldon.iterdir() if p.is_dir() and served_versions(layout, p.name))


def write_serving(layout: HomeLayout, name: str, version: str, *, module: str, class_name: str,
                  metadata: dict[str, Any], host: str = "127.0.0.1") -> dict[str, Any]:
    """How the version is served (on two free ports), written beside its folder."""
    http, metrics = free_ports(host, used_ports(layout))
    serving = {"module": module, "class": class_name, "http": http, "metrics": metrics}
    write_json(metadata_path(layout, name, version), metadata)
    write_json(serving_path(layout, name, version), serving)
    return serving


def read_serving(layout: HomeLayout, name: str, version: str) -> dict[str, Any]:
    return json.loads(serving_path(layout, name, version).read_text())


def remove_version(layout: HomeLayout, name: str, version: str) -> None:
    """The version's serving, metadata and schema files (its folder is the caller's to remove)."""
    for path in (serving_path, metadata_path, schema_path):
        path(layout, name, version).unlink(missing_ok=True)


def used_ports(layout: HomeLayout) -> set[int]:
    """The ports of every server state.json records and of every template version, running or not."""
    used = {int(port) for server in (read_state(layout.home) or {}).get("servers", []) if isinstance(server, dict)
            for port in (server.get("ports") or {}).values()}
    for name in template_names(layout):
        for version in served_versions(layout, name):
            serving = read_serving(layout, name, version)
            used |= {int(serving["http"]), int(serving["metrics"])}
    return used


def free_ports(host: str, taken: set[int]) -> tuple[int, int]:
    """Two free ports of ``PORTS`` (http, metrics) that nothing in ``taken`` uses."""
    rng = random.Random(time.time_ns())
    for _ in range(500):
        http = rng.randrange(PORTS.start, PORTS.stop - 1)
        pair = (http, http + 1)
        if not taken.intersection(pair) and all(processes.port_is_free(host, port) for port in pair):
            return pair
    raise EmbeddedMDSError(f"no two free ports for a template's server in {PORTS.start}-{PORTS.stop - 1} on {host}")


def version_spec(layout: HomeLayout, name: str, version: str, host: str = "127.0.0.1") -> ServerSpec:
    """The version's microservice: the seldon launcher in its folder, on its recorded ports."""
    serving = read_serving(layout, name, version)
    http, metrics = int(serving["http"]), int(serving["metrics"])
    argv = [str(seldon_python()), "-m", LAUNCHER, "--name", name, "--version", version,
            "--code-dir", str(version_dir(layout, name, version)), "--class", f"{serving['module']}.{serving['class']}",
            "--host", host, "--http-port", str(http), "--metrics-port", str(metrics),
            "--metadata-file", str(metadata_path(layout, name, version))]
    return ServerSpec(name=server_name(name, version), kind="seldon", argv=argv, host=host,
                      ports={"http": http, "metrics": metrics}, ready_paths=[READY_PATH], models=[name], core=False)


def specs(layout: HomeLayout, host: str, taken: set[int]) -> list[ServerSpec]:
    """What ``up`` starts for the templates published here: each version on its ports, or on new free ones (then
    recorded) when another server of this start or something else holds them."""
    found = []
    taken = set(taken)
    for name in template_names(layout):
        for version in served_versions(layout, name):
            serving = read_serving(layout, name, version)
            pair = (int(serving["http"]), int(serving["metrics"]))
            if taken.intersection(pair) or not all(processes.port_is_free(host, port) for port in pair):
                serving["http"], serving["metrics"] = free_ports(host, taken)
                write_json(serving_path(layout, name, version), serving)
            spec = version_spec(layout, name, version, host)
            taken |= set(spec.ports.values())
            found.append(spec)
    return found


def start(layout: HomeLayout, spec: ServerSpec, timeout: float = READY_WAIT_S) -> dict[str, Any]:
    """Start one version and wait until it answers ``/health/status``; its state.json record. A version that exits
    or is not ready in time is stopped and its ``ServerStartError`` (with its log's last lines) raised."""
    check_environment(spec)
    log = layout.log(spec.name)
    process = processes.start_process(spec.argv, log_path=log, env=server_env(), cwd=layout.home)
    running = RunningServer(spec, process, log, time.monotonic())
    error = wait_all([running], time.monotonic() + timeout).get(spec.name)
    if error is not None:
        running.stop()
        raise error
    return {"name": spec.name, "kind": spec.kind, "pid": process.pid, "pgid": process.pid, "url": spec.url,
            "ports": spec.ports, "models": spec.models, "ready_paths": spec.ready_paths,
            "log": layout.relative(log), "core": spec.core, "ready_seconds": running.ready_seconds}


def remember(layout: HomeLayout, record: dict[str, Any]) -> None:
    """Record a started version in state.json (in place of a record of the same name)."""
    state = read_state(layout.home) or {"version": 1, "home": str(layout.home), "servers": []}
    state["servers"] = [s for s in state.get("servers", []) if s.get("name") != record["name"]] + [record]
    write_json(layout.state, state)


def forget(layout: HomeLayout, name: str, version: str) -> None:
    """Stop the version's server, when state.json records one still running from this home, and drop its record."""
    state = read_state(layout.home)
    if not state:
        return
    wanted = server_name(name, version)
    for server in state.get("servers", []):
        if server.get("name") == wanted and str(layout.home) in processes.cmdline(int(server["pid"])):
            processes.stop_group(int(server.get("pgid", server["pid"])))
    state["servers"] = [s for s in state.get("servers", []) if s.get("name") != wanted]
    write_json(layout.state, state)
