"""Build the input and output entries of a demo model's model-settings.json.

THE SCHEMA CONVENTION (other code parses it; data scientists can follow it for their own models).
Each entry of ``inputs`` in model-settings.json is
``{"name", "datatype", "shape": [-1], "parameters": {...}}`` (the digits image is one FP32 input
of shape ``[-1, 8, 8]``). ``parameters`` holds ``content_type: "str"`` for BYTES inputs only, plus
the feature facts: ``kind`` (number | integer | category | boolean | text | image),
``description`` (one sentence), optional ``min``, ``max`` (limits; with ``"bounds": "observed"``
they are only the range seen in training data, and a value outside is a warning, not an error), ``step``, ``unit``, ``categories``
(category only) and ``default``. Classifier ``outputs`` are ``predict`` (kind ``label``, datatype
INT64 or BYTES, shape ``[-1, 1]``) and ``predict_proba`` (kind ``proba``, FP64, shape ``[-1, K]``),
both with ``class_names`` in ``model.classes_`` order; a regressor has one ``predict`` output
(kind ``value``, FP64, with ``unit``).

Verified against MLServer 1.7.1 (see tests/workbench/test_embedded_local_mds.py):
- arbitrary keys in an input's/output's ``parameters`` are accepted and come back verbatim from
  ``GET /v2/models/<m>`` (MLServer's ``Parameters`` model allows extra fields);
- a request ``{"parameters": {"content_type": "pd"}, "inputs": [one per column, BYTES ones with
  parameters.content_type "str"], "outputs": [{"name": "predict"}, {"name": "predict_proba"}]}``
  reaches the tips pipeline as a DataFrame with bool and int64 columns kept, and both outputs come
  back. No deviation from the convention was needed.
- Column order does not matter for the pd codec (the pipelines select columns by name).
- ``GET /v2/models/<m>`` answers ``"versions": []`` although ``parameters.version`` is "1";
  inference responses do carry ``model_version: "1"``. Take the version from the catalog.
- For wine, a single 2-D FP64 tensor (no ``content_type``, columns in schema order) works too:
  MLServer's default NumpyRequestCodec hands the pipeline an ndarray (wine was fitted on a
  DataFrame, so scikit-learn warns; the servers run with that one warning silenced, see
  server_specs). tips / tip-amount need the pd form (their pipelines select columns by name).
- Requests need ``Content-Type: application/json``.
"""

from __future__ import annotations

from typing import Any


def feature(
    name: str, datatype: str, kind: str, description: str, *, shape: list[int] | None = None, **facts: Any
) -> dict[str, Any]:
    """One V2 input entry following the schema convention above."""
    parameters: dict[str, Any] = {}
    if datatype == "BYTES":
        parameters["content_type"] = "str"
    parameters["kind"] = kind
    parameters["description"] = description
    parameters.update({key: value for key, value in facts.items() if value is not None})
    return {"name": name, "datatype": datatype, "shape": shape or [-1], "parameters": parameters}


def classifier_outputs(classes: list[Any], class_names: list[str]) -> list[dict[str, Any]]:
    label_type = "BYTES" if isinstance(classes[0], str) else "INT64"
    return [
        {
            "name": "predict",
            "datatype": label_type,
            "shape": [-1, 1],
            "parameters": {"kind": "label", "class_names": class_names},
        },
        {
            "name": "predict_proba",
            "datatype": "FP64",
            "shape": [-1, len(class_names)],
            "parameters": {"kind": "proba", "class_names": class_names},
        },
    ]
