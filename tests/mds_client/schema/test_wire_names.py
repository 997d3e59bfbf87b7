"""Wire names come from the server: every schema source x every server kind, against real servers.

Servers: MLServer's sklearn runtime with declared outputs (``wine``), the same pipeline with nothing
declared (``wine-bare``), a seldon-core microservice (``wine-v1``). Sources: a catalog Seldon ML
prediction schema whose PROBA response is named ``delayed`` (the name MLServer refused, "delayed
was received"), V2 metadata, Seldon v1 metadata, reference data. A catalog schema may rename and
describe; the V2 request names only outputs the serving model itself declares, or none.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from mds_client.schema.sources import from_reference, from_seldon_metadata, from_v2_metadata, resolve

SERVERS = ["wine", "wine-bare", "wine-v1"]
SOURCES = ["catalog", "v2-metadata", "v1-metadata", "reference"]
CLASSES = ["cultivar_1", "cultivar_2", "cultivar_3"]


@pytest.fixture(scope="module")
def docs(client, refs):
    """The metadata each server publishes about itself."""
    return {name: client.metadata(refs[name]) for name in SERVERS}


@pytest.fixture(scope="module")
def delayed_schema(tmp_path_factory, refs):
    columns = list(pd.read_csv(refs["wine"].reference_data).columns)
    doc = {"requests": [{"name": c, "type": "REAL"} for c in columns],
           "responses": [{"name": "delayed", "type": "PROBA", "schema": [{"name": c} for c in CLASSES]}]}
    path = tmp_path_factory.mktemp("schemas") / "delayed.json"
    path.write_text(json.dumps(doc))
    return path


def schema_for(source, server, client, refs, docs, delayed_schema):
    ref = replace(refs[server], reference_data=refs["wine"].reference_data)
    own = from_v2_metadata(docs[server]).outputs if ref.protocol == "v2" else ()
    if source == "catalog":
        return client.schema(replace(ref, schema_path=delayed_schema, reference_data=None))
    if source == "v2-metadata":
        if ref.protocol == "v2":
            return client.schema(replace(ref, schema_path=None, reference_data=None))  # its own metadata
        return resolve([from_v2_metadata(docs["wine"])], server_outputs=())  # V2 facts about a v1 model
    if source == "v1-metadata":
        if ref.protocol == "seldon":
            return client.schema(replace(ref, schema_path=None, reference_data=None))
        return resolve([from_seldon_metadata(docs["wine-v1"])], server_outputs=own)
    return resolve([from_reference(pd.read_csv(ref.reference_data))], server_outputs=own)


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("source", SOURCES)
def test_every_schema_source_scores_on_every_server_kind(client, refs, docs, delayed_schema, source, server):
    schema = schema_for(source, server, client, refs, docs, delayed_schema)
    frame = pd.read_csv(refs["wine"].reference_data).head(5)
    prediction = client.predict(refs[server], frame, schema)
    assert prediction.n_rows == 5
    if refs[server].protocol == "v2":
        declared = {o["name"] for o in docs[server].get("outputs") or []}
        asked = {o["name"] for o in prediction.request.get("outputs") or []}
        assert asked <= declared, f"asked the server for {asked - declared}, which it never declared"
        assert prediction.served_by == server
    expected = _expected_labels(client, refs, frame)
    assert [str(label) for label in prediction.labels] in (expected, [str(CLASSES.index(x)) for x in expected])


def _expected_labels(client, refs, frame):
    truth = client.predict(refs["wine"], frame, client.schema(refs["wine"]))
    return [str(label) for label in truth.labels]


def test_a_proba_response_maps_onto_the_servers_probability_output(client, refs, delayed_schema):
    schema = client.schema(replace(refs["wine"], schema_path=delayed_schema))
    delayed = schema.output("proba")
    assert (delayed.name, delayed.wire_name) == ("delayed", "predict_proba")
    frame = pd.read_csv(refs["wine"].reference_data).head(3)
    prediction = client.predict(refs["wine"], frame, schema)
    assert prediction.request["outputs"] == [{"name": "predict_proba"}]
    assert list(prediction.probabilities.columns) == CLASSES
    assert np.allclose(prediction.probabilities.sum(axis=1), 1.0)


def test_a_server_that_declares_nothing_is_asked_for_nothing(client, refs, delayed_schema):
    schema = client.schema(replace(refs["wine-bare"], schema_path=delayed_schema))
    assert schema.wire_outputs == ()
    prediction = client.predict(refs["wine-bare"], pd.read_csv(refs["wine"].reference_data).head(3), schema)
    assert "outputs" not in prediction.request
    assert set(prediction.labels) <= set(CLASSES)  # the server's `predict` codes, named by the catalog schema
