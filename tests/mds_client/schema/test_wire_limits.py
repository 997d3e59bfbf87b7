"""A whole number its input type cannot hold is named, never wrapped round on the wire or crashing the writer."""

import numpy as np
import pandas as pd
import pytest

from mds_client import ModelRef
from mds_client.errors import InputError
from mds_client.payload_check.diagnose import diagnose_doc
from mds_client.prediction import dump_json
from mds_client.schema.model import Feature, FeatureKind, ModelSchema

SCHEMA = ModelSchema((Feature("small", FeatureKind.INTEGER, datatype="UINT8"),
                      Feature("big", FeatureKind.INTEGER, datatype="INT64")))
ROWS_FOR_NUMPY = 300  # past the few-rows path, so the numpy screen is the one that finds the cell


@pytest.mark.parametrize("rows", [2, ROWS_FOR_NUMPY])
@pytest.mark.parametrize("column,value,named", [
    ("small", 256, "small: 256 does not fit its input type UINT8 (0 to 255)"),
    ("small", -1, "small: -1 does not fit its input type UINT8 (0 to 255)"),
    ("big", 2**63, "big: 9223372036854775808 does not fit its input type INT64"),
    ("big", 2**64, "big: 18446744073709551616 does not fit its input type INT64"),
    ("big", -(2**63) - 1, "big: -9223372036854775809 does not fit its input type INT64"),
])
def test_a_value_beyond_the_input_type_is_named_at_its_row(rows, column, value, named):
    frame = pd.DataFrame([{"small": 7, "big": 1}] * rows)
    frame[column] = frame[column].astype(object)
    frame.at[rows - 1, column] = value
    errors = SCHEMA.validate(frame)
    assert [(e.row, e.column) for e in errors] == [(rows - 1, column)]
    assert errors[0].message.startswith(named)


@pytest.mark.parametrize("rows", [2, ROWS_FOR_NUMPY])
def test_the_limits_themselves_are_taken(rows):
    frame = pd.DataFrame({"small": [0, 255] * (rows // 2), "big": [2**63 - 1, -(2**63)] * (rows // 2)})
    assert SCHEMA.validate(frame) == []


def test_a_uint64_column_past_int64_is_screened_by_numpy_and_named():
    frame = pd.DataFrame({"small": np.ones(ROWS_FOR_NUMPY, dtype=np.uint8),
                          "big": np.full(ROWS_FOR_NUMPY, 2**63, dtype=np.uint64)})
    errors = SCHEMA.validate(frame)
    assert len(errors) == ROWS_FOR_NUMPY and {e.column for e in errors} == {"big"}


def test_coerce_leaves_a_too_big_number_as_it_came_instead_of_wrapping_it():
    coerced = SCHEMA.coerce(pd.DataFrame({"small": ["3"], "big": [str(2**64)]}))
    assert int(coerced["big"].iat[0]) != -(2**63)
    assert str(coerced["big"].iat[0]) in (str(2**64), str(float(2**64)))


def test_writing_a_number_json_cannot_carry_is_an_input_error_that_says_so():
    with pytest.raises(InputError, match="64 bits"):
        dump_json({"inputs": [{"data": [2**64]}]})


@pytest.mark.parametrize("protocol", ["v2", "seldon"])
def test_the_payload_check_names_the_cell_instead_of_crashing(protocol):
    doc = {"inputs": [{"name": "small", "datatype": "UINT8", "shape": [1], "data": [1]},
                      {"name": "big", "datatype": "INT64", "shape": [1], "data": [2**64]}]}
    report = diagnose_doc(doc, ModelRef("m", protocol, "http://127.0.0.1:9"), SCHEMA)
    assert any("does not fit its input type INT64" in f.message for f in report.findings)
