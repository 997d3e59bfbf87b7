"""Inference parameters (an MLflow signature's params): read from V2 metadata, kept through resolve, typed from what
a person gives, and only the changed ones sent."""

from __future__ import annotations

import pytest

from mds_client.errors import InputError
from mds_client.schema import from_reference, from_v2_metadata, resolve
from mds_client.schema.params import Param, chosen_parameters, params_from_metadata

SPECS = [{"name": "cutoff", "type": "double", "default": 7.0, "shape": None},
         {"name": "top_k", "type": "long", "default": 3, "shape": None},
         {"name": "strict", "type": "boolean", "default": True, "shape": None},
         {"name": "unit", "type": "string", "default": "mm", "shape": None},
         {"name": "weights", "type": "float", "default": [1.0], "shape": [-1]}]
PARAMS = params_from_metadata(SPECS)


def test_the_metadatas_params_are_read_in_order_with_their_types_defaults_and_shapes():
    assert (Param("cutoff", "double", 7.0), Param("top_k", "long", 3), Param("strict", "boolean", True),
                      Param("unit", "string", "mm"), Param("weights", "float", [1.0], (-1,))) == PARAMS
    assert not PARAMS[-1].is_scalar


@pytest.mark.parametrize("specs", [None, {}, "cutoff", [{"type": "double"}, {"name": "x", "type": "tensor"}, 3]])
def test_what_is_not_a_param_list_gives_no_params(specs):
    assert params_from_metadata(specs) == ()


def test_v2_metadata_params_survive_resolve_beside_reference_rows():
    import pandas as pd

    meta = {"name": "m", "platform": "mlflow", "inputs": [{"name": "a", "datatype": "FP64", "shape": [-1, 1]}],
            "outputs": [], "parameters": {"content_type": "pd", "params": SPECS[:2]}}
    served = from_v2_metadata(meta)
    assert served.params == PARAMS[:2]
    merged = resolve([from_reference(pd.DataFrame({"a": [1.0, 2.0]})), served])
    assert merged.params == PARAMS[:2] and merged.request_content_type == "pd"
    assert from_reference(pd.DataFrame({"a": [1.0]})).params == ()


@pytest.mark.parametrize(("given", "sent"), [
    ({}, {}),
    ({"cutoff": 7.0, "top_k": 3, "strict": True, "unit": "mm"}, {}),  # defaults are not sent
    ({"cutoff": "5.5"}, {"cutoff": 5.5}),
    ({"top_k": "10", "strict": "false"}, {"top_k": 10, "strict": False}),
    ({"top_k": 4.0, "unit": "in"}, {"top_k": 4, "unit": "in"}),
    ({"cutoff": None}, {}),
])
def test_given_values_are_typed_and_only_changed_ones_are_sent(given, sent):
    assert chosen_parameters(PARAMS, given) == sent


@pytest.mark.parametrize(("given", "said"), [
    ({"cutoff": "high"}, "Parameter 'cutoff': 'high' is not a double value"),
    ({"top_k": 2.5}, "Parameter 'top_k': 2.5 is not a long value"),
    ({"strict": "yes"}, "Parameter 'strict': 'yes' is not a boolean value"),
    ({"cut_off": 1}, "takes no parameter 'cut_off'; it takes cutoff, top_k, strict, unit, weights"),
])
def test_a_value_that_cannot_be_sent_is_refused_naming_the_parameter(given, said):
    with pytest.raises(InputError, match=said):
        chosen_parameters(PARAMS, given)


def test_a_model_without_params_refuses_any():
    with pytest.raises(InputError, match="takes no parameter 'cutoff'; it takes none"):
        chosen_parameters((), {"cutoff": 1.0})


@pytest.mark.parametrize(("given", "sent"), [
    ("2.5, 3", {"weights": [2.5, 3.0]}),
    ([0.5, "1"], {"weights": [0.5, 1.0]}),
    ("1.0", {}),  # the default: not sent
    (" 1 ,", {}),
    ("", {"weights": []}),
])
def test_a_list_param_takes_a_list_or_comma_separated_text_each_element_typed(given, sent):
    assert chosen_parameters(PARAMS, {"weights": given}) == sent


def test_a_list_with_an_element_of_the_wrong_type_is_refused_naming_the_parameter():
    with pytest.raises(InputError, match=r"Parameter 'weights': '1.5, heavy' is not a list of float values "
                                         r"\(write them separated by commas\)"):
        chosen_parameters(PARAMS, {"weights": "1.5, heavy"})
