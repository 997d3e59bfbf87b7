"""Check a payload: broken payloads get the check's exact advice, hostile ones a message, Send it hits the catalog model.

Payloads are built from the served model's own schema (its features, categories, protocol), so the
expected words follow the model rather than a hard-coded demo.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time

import pytest

from mds_client.payload_check import example_payload
from mds_client.schema.model import FeatureKind
from tests.app.helpers import metric_values, shown_tables
from workbench.store import open_store, recent_predictions

MODEL = "tips"
KEY = "payload_check.source.text"


def shown(value: str) -> str:
    """A Markdown-escaped message as the person reads it."""
    return re.sub(r"\\(.)", r"\1", value)


def lines(at) -> list[str]:
    return [shown(e.value) for e in (*at.error, *at.warning, *at.info, *at.success)]


@pytest.fixture(scope="module")
def model(client, refs):
    ref = refs[MODEL]
    schema = client.schema(ref)
    category = next(f for f in schema.features if f.categories)
    number = next(f for f in schema.features if f.kind == FeatureKind.NUMBER and f.name != category.name)
    good = example_payload(schema, ref.protocol)
    return {"ref": ref, "schema": schema, "category": category, "number": number, "good": good,
            "names": schema.table_columns(), "row": schema.example(None)}


def open_payload_check(logged_in, user="scientist"):
    at = logged_in(user)
    at.session_state["models.selected"] = MODEL
    at.switch_page("../pages/payload_check.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Check a payload"
    return at


def paste(at, text: str):
    at.text_area(key=KEY).set_value(text).run()
    assert not at.exception, at.exception
    return at


def with_input(good, name, **change):
    doc = json.loads(json.dumps(good))
    for spec in doc["inputs"]:
        if spec["name"] == name:
            spec.update(change)
    return doc


def labels_of(feature):
    return ", ".join(feature.label_of(c) for c in feature.categories[:8])


def test_a_right_payload_is_accepted_and_the_model_expectations_are_shown(logged_in, model):
    at = paste(open_payload_check(logged_in), json.dumps(model["good"]))
    assert f"{MODEL} will accept this payload as it is (V2 (Open Inference Protocol), 1 row)." in lines(at)
    assert any(set(model["names"]) <= set(d.iloc[:, 0]) for d in shown_tables(at)), "no schema table"
    codes = [c.value for c in at.code]
    assert any('"inputs"' in c for c in codes) and any('"jsonData"' in c or '"ndarray"' in c for c in codes)


def broken_cases(m):
    cat, num, names, row, good = m["category"], m["number"], m["names"], m["row"], m["good"]
    html = "<b>hello</b>"
    return [
        ("v1 to a V2 model", json.dumps({"data": {"names": names, "ndarray": [[row[n] for n in names]]}}),
         f"This is a Seldon v1 payload, but model '{MODEL}' speaks V2 (Open Inference Protocol): the server will refuse "
         "it. Send the corrected payload, in V2 (Open Inference Protocol) form."),
        ("bare records", json.dumps([row]),
         "This is a bare JSON table (one record per row), not a V2 (Open Inference Protocol) request: the server will "
         "refuse it. Send it as {\"inputs\": [{\"name\": ..., \"shape\": [n], \"datatype\": ..., \"data\": [...]}]} "
         "(the corrected payload)."),
        ("no request-level pd", json.dumps({"inputs": good["inputs"]}),
         f"{len(names)} inputs without the request-level content_type 'pd': MLServer cannot join them into one table "
         "for the model. Add \"parameters\": {\"content_type\": \"pd\"} at the top of the request. "
         "(at $.parameters.content_type)"),
        ("HTML string as a category", json.dumps(with_input(good, cat.name, data=[html])),
         f"row 1, {cat.name}: '{html}' is not one of {labels_of(cat)}. Send one of {labels_of(cat)}. "
         f"(at $.inputs[{names.index(cat.name)}].data[0])"),
        ("number as text", json.dumps(with_input(good, num.name, data=["12.5"])),
         f"{num.name}: '12.5' is text in a FP64 tensor. Send numbers unquoted, or use datatype BYTES with content_type "
         f"'str' for text. (at $.inputs[{names.index(num.name)}].data)"),
        ("ragged columns", json.dumps(with_input(good, num.name, data=[1.0] * 200, shape=[200])),
         f"Columns have different lengths: {num.name} has 200, the others 1. Give every input one value per row. "
         "(at $.inputs)"),
        ("missing feature", json.dumps({**good, "inputs": [s for s in good["inputs"] if s["name"] != num.name]}),
         f"{num.name}: the model needs this feature and the payload has none."),
        ("not JSON", "{\"inputs\": [", "The payload is not valid JSON"),
    ]


@pytest.mark.parametrize("case", range(8), ids=["v1-to-v2", "records", "no-pd", "html-category", "number-text",
                                                "ragged", "missing", "not-json"])
def test_broken_payloads_get_the_exact_advice(logged_in, model, case):
    name, text, advice = broken_cases(model)[case]
    at = paste(open_payload_check(logged_in), text)
    said = lines(at)
    assert any(line.startswith(advice) for line in said), (name, said)
    assert any(f"{MODEL} will not accept this payload as it is" in line for line in said), said
    assert not at.exception


@pytest.mark.parametrize("text,message", [
    ("[" * 10_000 + "]" * 10_000, "The payload is nested 10000 levels deep; the check reads at most 32."),
    ("42", "The payload is a JSON number, not an object."),
    ("\"just text\"", "The payload is a JSON string, not an object."),
], ids=["10000-levels", "number", "string"])
def test_hostile_payloads_get_a_message_fast(logged_in, text, message):
    at = open_payload_check(logged_in)
    started = time.perf_counter()
    paste(at, text)
    elapsed = time.perf_counter() - started
    assert any(line.startswith(message) for line in lines(at)), lines(at)
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_a_50_mb_upload_is_refused_unread_and_fast(logged_in):
    at = open_payload_check(logged_in)
    at.segmented_control(key="payload_check.source.how").set_value("Upload a file").run()
    big = ("[" + ",".join(["1.5"] * 12_500_000) + "]").encode()
    started = time.perf_counter()
    at.file_uploader(key="payload_check.source.upload").upload("big.json", big, "application/json").run()
    elapsed = time.perf_counter() - started
    assert not at.exception, at.exception
    said = lines(at)
    assert any(line.startswith("The payload is 50.0 MB; the check reads at most 8 MB.") for line in said), said
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_send_it_answers_with_the_corrected_payload_and_explains_a_refusal(logged_in, model, app_env):
    names, row = model["names"], model["row"]
    v1 = {"data": {"names": names, "ndarray": [[row[n] for n in names]] * 2}}  # a v1 payload for a V2 model
    at = paste(open_payload_check(logged_in), json.dumps(v1))
    at.radio(key="payload_check.send.choice").set_value("The corrected payload").run()
    at.button(key="payload_check.send.send").click().run()
    assert not at.exception, at.exception
    assert "Prediction" in metric_values(at) or "Predicted value" in metric_values(at)
    answers = [t for t in shown_tables(at) if {"row", "prediction"} <= set(t.columns)]
    assert len(answers) == 1 and list(answers[0]["row"]) == [1, 2]
    at.radio(key="payload_check.send.choice").set_value("My payload, as it is").run()
    at.button(key="payload_check.send.send").click().run()
    said = " ".join(shown(e.value) for e in at.error)
    assert f"Model '{MODEL}' refused the request (HTTP 422)" in said and "What to try:" in said, said
    assert "Seldon v1 payload sent to a V2 endpoint" in said
    logged = recent_predictions(open_store(f"sqlite:///{app_env / 'wb.db'}"), "scientist")
    assert [r.status for r in logged] == ["error", "ok"]


class Listener:
    """A loopback server that only counts the connections it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


def test_a_url_in_a_pasted_curl_command_is_never_called(logged_in, model):
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/v2/models/{MODEL}/infer"
        command = (f"curl -sS -X POST {url} -H 'Content-Type: application/json' "
                   f"-d '{json.dumps(model['good'])}'")
        at = paste(open_payload_check(logged_in), command)
        assert any("will accept this payload" in line for line in lines(at))
        assert any(f"{listener.port}" in shown(c.value) and "is not used" in shown(c.value) for c in at.caption)
        for choice in ("My payload, as it is", "The corrected payload"):
            at.radio(key="payload_check.send.choice").set_value(choice).run()
            at.button(key="payload_check.send.send").click().run()
            assert not at.exception and not at.error, [e.value for e in at.error]
            assert "Prediction" in metric_values(at) or "Predicted value" in metric_values(at)
        time.sleep(0.3)
        assert listener.hits == 0
    finally:
        listener.close()
