"""The catalogue: statuses checked concurrently; one server down never blanks the list."""

from __future__ import annotations

import socket
import time
from dataclasses import replace

from workbench.catalog.service import catalogue_table, check_models, schema_table


def _dead() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_all_demo_models_ready(client, refs):
    entries = check_models(client, [refs[n] for n in ("wine", "tips", "tip-amount", "digits", "wine-v1")])
    assert [e.ref.status for e in entries] == ["ready"] * 5
    assert [e.n_features for e in entries] == [13, 6, 6, 1, 13]
    table = catalogue_table(entries)
    assert list(table["model"]) == ["wine", "tips", "tip-amount", "digits", "wine-v1"]
    assert set(table["protocol"]) == {"V2", "Seldon v1"}


def test_one_server_down_keeps_the_rest(client, refs):
    down = replace(refs["tips"], endpoint=_dead())
    started = time.perf_counter()
    entries = check_models(client, [refs["wine"], down, refs["wine-v1"]])
    assert time.perf_counter() - started < 10
    assert [e.ref.status for e in entries] == ["ready", "not ready", "ready"]
    assert "not reachable" in entries[1].ref.status_reason
    # The dead model still shows its inputs from its reference data.
    assert entries[1].n_features == 6


def test_schema_table_reads_like_the_model(client, refs):
    table = schema_table(client.schema(refs["tips"]))
    row = table.set_index("feature").loc["day"]
    assert row["kind"] == "category" and row["allowed"] == "Thur, Fri, Sat, Sun"
    assert table.set_index("feature").loc["total_bill"]["unit"] == "$"
    digits = schema_table(client.schema(refs["digits"]))
    assert digits.iloc[0]["allowed"].startswith("shape 8x8")


def test_the_table_says_no_schema_rather_than_none():
    from mds_client import Feature, FeatureKind, ModelRef, ModelSchema
    from workbench.catalog.service import ModelEntry

    with_schema = ModelEntry(ModelRef(name="a", protocol="v2", endpoint="http://127.0.0.1:1"),
                             ModelSchema(features=(Feature("x", FeatureKind.NUMBER),)))
    without = ModelEntry(ModelRef(name="b", protocol="v2", endpoint="http://127.0.0.1:1"), None)
    table = catalogue_table([with_schema, without])
    assert table["inputs"].tolist() == ["1", "no schema"]
