"""The app's payload check service against the real servers: refusals explained wherever the app shows them.

Predict and Compare show ``Outcome.error``; Batch shows each refused row's reason with the field
and what to try. The refusals are provoked for real (a Seldon v1 body sent to a V2 endpoint, a
model's features sent to another model).
"""

from __future__ import annotations

import dataclasses

import pytest

from mds_client import PayloadRejected, RequestError
from workbench.payload_check.service import REFUSED, check_text, explain_failure, explain_reason, with_advice
from workbench.predict import service as predict_service


def v1_body(schema):
    row = schema.example(None)
    return {"data": {"names": list(row), "ndarray": [list(row.values())]}}


@pytest.fixture(scope="module")
def tips(client, refs):
    ref = refs["tips"]
    return ref, client.schema(ref)


def test_a_v2_refusal_is_explained_with_what_to_try(client, tips):
    ref, schema = tips
    with pytest.raises(PayloadRejected) as caught:
        client.predict_body(ref, v1_body(schema), schema)
    text = explain_failure(caught.value, schema)
    assert text.startswith(f"Model '{ref.name}' refused the request (HTTP 422)")
    assert "What to try: The request has no 'inputs': is it a Seldon v1 payload sent to a V2 endpoint?" in text


def test_predict_raw_shows_the_explained_refusal(client, tips):
    ref, schema = tips
    outcome = predict_service.predict_raw(client, None, ref, schema, v1_body(schema), user="u")
    assert outcome.result is None and "What to try:" in (outcome.error or "")


def test_compare_explains_the_model_that_refused(client, refs, tips):
    ref, schema = tips
    other = next(r for r in refs.values() if r.protocol == "v2" and r.name != ref.name and r.kind != "pipeline"
                 and set(client.schema(r).table_columns()).isdisjoint(schema.table_columns()))
    # the same features sent to a model that has none of them: the server itself refuses
    wrong = dataclasses.replace(ref, name="wrong-endpoint", model_name=other.model_name or other.name)
    outcomes = predict_service.compare(client, None, [(ref, schema), (wrong, schema)], schema.example(None), user="u")
    assert outcomes[0].ok
    assert outcomes[1].error and "What to try:" in outcomes[1].error, outcomes[1].error


def test_a_batch_reason_gets_its_field_and_what_to_try(client, tips):
    ref, schema = tips
    try:
        client.predict_body(ref, v1_body(schema), schema)
    except RequestError as exc:
        reason = REFUSED + str(exc.body)
    _field, fix = explain_reason(reason, schema)
    assert fix.startswith("The request has no 'inputs'")
    assert explain_reason("total_bill: 'abc' is not a number", schema) == ("", "")


def test_check_text_never_raises_and_keeps_the_curl_url_for_display(tips):
    ref, schema = tips
    checked = check_text("curl http://10.0.0.1:1/x -d '[1'", ref, schema)
    assert checked.doc is None and not checked.report.accepted
    assert checked.report.findings[0].message.startswith("The payload is not valid JSON")
    assert check_text("[" * 5000, ref, schema).report.findings[0].message.startswith("The payload is nested 5000")


@pytest.mark.parametrize(("message", "advice", "expected"), [
    ("Model 'm' refused the request (6 were received)", "Send 13 values",
     "Model 'm' refused the request (6 were received). It is about x. What to try: Send 13 values."),
    ("Refused.", "Check the names.", "Refused. It is about x. What to try: Check the names."),
])
def test_the_explained_refusal_reads_as_sentences(message, advice, expected):
    assert with_advice(message, "x", advice) == expected
