"""Missing values against a real MLServer: a model that learnt from rows with gaps (a HistGradientBoosting
classifier) gets an emptied field as the protocol's missing value (NaN, null in JSON), never a 0; a field its
schema requires is refused with a reason and nothing is sent.

The model is trained here on mixed column types with string class names; nothing depends on the demo models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.hive_model import publish_hive
from workbench.predict import service as predict_service

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def published(publish_server, client):
    model, ref = publish_hive(publish_server, client)
    return model, ref, client.schema(ref)


def test_the_served_schema_says_which_field_may_be_unknown(published):
    _model, _ref, schema = published
    assert schema.feature("mite_count").missing_allowed
    assert not schema.feature("brood_temp_c").missing_allowed


def test_an_unknown_value_goes_as_missing_and_answers_as_the_model_does_in_process(published, client):
    model, ref, schema = published
    values = {"apiary": "meadow", "frames": 9, "brood_temp_c": 34.1, "mite_count": None}
    outcome = predict_service.predict(client, None, ref, schema, values, user="ada")
    assert outcome.error is None, outcome.error
    result = outcome.result
    sent = {i["name"]: i for i in result.request["inputs"]}  # the request as it went on the wire
    assert (sent["mite_count"]["datatype"], list(sent["mite_count"]["data"])) == ("FP64", [None])  # NaN is null
    expected = model.predict(pd.DataFrame([{**values, "mite_count": np.nan}]))[0]
    assert result.label == expected
    # and the wire's missing value is not a 0 in disguise: a 0 mite count answers differently here
    zero = predict_service.predict(client, None, ref, schema, {**values, "mite_count": 0.0}, user="ada").result
    proba_nan = model.predict_proba(pd.DataFrame([{**values, "mite_count": np.nan}]))[0]
    assert result.probabilities == pytest.approx(dict(zip(model.classes_, proba_nan, strict=True)), abs=1e-6)
    assert zero.probabilities != pytest.approx(result.probabilities, abs=1e-6)


def test_a_field_the_schema_requires_is_refused_and_nothing_is_sent(published, client):
    _model, ref, schema = published
    values = {"apiary": "meadow", "frames": 9, "brood_temp_c": None, "mite_count": 3.0}
    outcome = predict_service.predict(client, None, ref, schema, values, user="ada")
    assert outcome.result is None
    assert "brood_temp_c" in outcome.error and "missing" in outcome.error
    assert outcome.prediction_id is None  # refused before the call: nothing sent, nothing logged
