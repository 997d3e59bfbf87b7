"""No open relay, more places: a URL in a pasted payload or curl command (payload check), ``Ce-*`` headers and
bodies naming a URL (request-log sink). The loopback ``listener`` must stay untouched."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from logsink.app import create_app
from mds_client import ModelRef
from mds_client.schema.sources import from_v2_metadata
from tests.app.helpers import dead_url
from workbench.payload_check.service import check_text

SCHEMA = from_v2_metadata({"inputs": [{"name": "x", "datatype": "FP64", "shape": [-1, 1]}]})


def test_the_payload_check_never_calls_a_pasted_url(listener):
    ref = ModelRef("m", "v2", dead_url())
    body = {"inputs": [{"name": "x", "datatype": "BYTES", "shape": [1, 1], "data": [listener.url + "/in-data"]}],
            "parameters": {"callback": listener.url + "/callback", "content_type": listener.url}}
    curl = f"curl -X POST {listener.url}/v2/models/m/infer -H 'Content-Type: application/json' -d '{json.dumps(body)}'"
    for text in (curl, json.dumps(body), f"![x]({listener.url}/img.png)"):
        checked = check_text(text, ref, SCHEMA)
        assert checked.report.findings is not None
    assert check_text(curl, ref, SCHEMA).url.startswith(listener.url)  # shown to the user, never called
    listener.assert_untouched()


def test_the_sink_never_calls_a_url_an_event_names(listener, engine, tmp_path):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(f"models:\n  - name: m\n    protocol: seldon\n    url: {dead_url()}\n")
    url = listener.url
    with TestClient(create_app(engine, catalog=catalog)) as sink:
        for service in ("m", url, f"{url}/svc"):
            headers = {"Ce-Id": "1", "Ce-Type": "io.seldon.serving.inference.request", "Ce-Source": url,
                       "Ce-Specversion": "1.0", "Ce-Requestid": f"r-{service}", "Ce-Inferenceservicename": service,
                       "Ce-Modelid": url, "Ce-Endpoint": url, "Ce-Namespace": url, "Ce-Dataschema": url + "/schema",
                       "Content-Type": "application/json"}
            body = {"data": {"names": ["u"], "ndarray": [[url + "/in-body"]]}, "meta": {"callback": url}}
            answer = sink.post("/", headers=headers, content=json.dumps(body))
            assert answer.status_code < 500, answer.text
            structured = {"specversion": "1.0", "id": "2", "type": "io.seldon.serving.inference.response",
                          "source": url, "dataschema": url, "requestid": f"r-{service}", "modelid": url,
                          "data": body}
            answer = sink.post("/", headers={"Content-Type": "application/cloudevents+json"},
                               content=json.dumps(structured))
            assert answer.status_code < 500, answer.text
    listener.assert_untouched()
