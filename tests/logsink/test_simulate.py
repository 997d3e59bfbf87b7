"""``mds simulate`` against the real embedded MDS, into a real sink process; and the sink as an embedded server."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pandas as pd
import pytest

from mds_client import read_reference
from workbench.cli.logs import register
from workbench.store.traffic import log_summary, window_calls

from .conftest import start_sink, stop_sink


@pytest.fixture(scope="module")
def mds_sink(tmp_path_factory, catalog_path):
    running = start_sink(tmp_path_factory.mktemp("sim-sink"), catalog_path)
    yield running
    stop_sink(running)


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="mds")
    parser.add_argument("--catalog", default=None)
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def demo_models(refs) -> list:  # type: ignore[no-untyped-def]
    """One V2 and one Seldon v1 model with tabular reference data, whatever they are called."""
    chosen = {}
    for ref in refs.values():
        if "test" in ref.tags or ref.reference_data is None or ref.protocol in chosen:
            continue
        reference = read_reference(ref.reference_data)
        if reference.shape[1] > 64:  # an image model: its rows are tensors
            continue
        chosen[ref.protocol] = ref
    assert set(chosen) == {"v2", "seldon"}, f"the embedded MDS should serve both protocols: {list(refs)}"
    return list(chosen.values())


def test_simulate_sends_n_calls_and_all_are_stored(mds_sink, catalog_path, refs):
    for ref in demo_models(refs):
        before = log_summary(mds_sink.engine(), ref.name, include_workbench=False).total
        code = run_cli("--catalog", str(catalog_path), "simulate", ref.name, "--rows", "12", "--rate", "50",
                       "--sink", mds_sink.url, "--seed", "3")
        assert code == 0
        summary = log_summary(mds_sink.engine(), ref.name, include_workbench=False)
        assert summary.total - before == 12 and summary.per_source.get("simulate") == summary.total
        assert summary.known_model
        now = datetime.now(UTC)
        rows = window_calls(mds_sink.engine(), ref.name, now - timedelta(minutes=5), now + timedelta(minutes=1),
                            include_workbench=False)
        assert all(r.status == "ok" and r.inputs and r.label is not None for r in rows)


def test_backfill_with_drift_shifts_the_feature_from_the_last_day_on(mds_sink, catalog_path, refs):
    ref = next(r for r in demo_models(refs) if r.protocol == "v2")
    reference = read_reference(ref.reference_data)
    numeric = [c for c in reference.columns if pd.api.types.is_float_dtype(reference[c])]
    feature = numeric[0]
    code = run_cli("--catalog", str(catalog_path), "simulate", ref.name, "--rows", "60", "--rate", "200",
                   "--days", "3", "--drift", f"{feature}:3", "--sink", mds_sink.url, "--batch", "5")
    assert code == 0
    now = datetime.now(UTC)
    engine = mds_sink.engine()
    early = window_calls(engine, ref.name, now - timedelta(days=3, minutes=5), now - timedelta(days=1, minutes=1),
                         include_workbench=False)
    last = window_calls(engine, ref.name, now - timedelta(days=1), now - timedelta(minutes=2), include_workbench=False)
    assert len(early) == 40 and len(last) == 20, "times spread evenly over three days"
    std = float(reference[feature].std())
    shift = np.mean([c.inputs[feature] for c in last]) - np.mean([c.inputs[feature] for c in early])
    assert shift > 2 * std, f"{feature} should move by about 3 standard deviations, moved {shift / std:.2f}"
    other = next((c for c in numeric[1:]), None)
    if other is not None:
        moved = np.mean([c.inputs[other] for c in last]) - np.mean([c.inputs[other] for c in early])
        assert abs(moved) < 1.5 * float(reference[other].std())


def test_bad_drift_and_unknown_model_say_what_is_wrong(mds_sink, catalog_path, refs, capsys):
    ref = demo_models(refs)[0]
    assert run_cli("--catalog", str(catalog_path), "simulate", ref.name, "--rows", "1", "--rate", "1",
                   "--drift", "no-such-feature:2", "--sink", mds_sink.url) == 1
    assert "no-such-feature" in capsys.readouterr().err
    assert run_cli("--catalog", str(catalog_path), "simulate", "no-such-model", "--rows", "1", "--rate", "1") == 1
    assert "No model named 'no-such-model'" in capsys.readouterr().err


def test_logs_show_prints_totals_per_source(mds_sink, catalog_path, refs, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", mds_sink.database_url)
    ref = demo_models(refs)[0]
    assert run_cli("--catalog", str(catalog_path), "logs", "show", ref.name, "--json") == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["instances"] >= 12 and doc["per_source"]["simulate"] >= 12 and doc["first"] <= doc["last"]


def test_the_sink_runs_as_an_embedded_server(tmp_path):
    from embedded_mds.layout import HomeLayout, Prepared
    from embedded_mds.ports import LocalPorts
    from embedded_mds.server_specs import SINK, build_specs
    from embedded_mds.startup import start_all

    layout = HomeLayout(tmp_path)
    (tmp_path / "models").mkdir()
    ports = LocalPorts.free()
    specs = [s for s in build_specs(Prepared(layout, [], [], sink=True), ports) if s.name == SINK]
    assert specs and specs[0].ports == {"http": ports.sink_http}
    failures: dict[str, str] = {}
    running = start_all(layout, specs, 30, failures)
    try:
        assert not failures and [r.spec.name for r in running] == [SINK]
        assert httpx.get(f"{specs[0].url}/health", timeout=5).json() == {"status": "ok"}
    finally:
        for server in running:
            server.stop()
