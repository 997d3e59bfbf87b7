"""The schema form's own value layout, without Streamlit running."""

from __future__ import annotations

import numpy as np

from components.schema_form import tensor_values


def test_tensor_values_row_major():
    values = tensor_values(["i_0_0", "i_0_1", "i_1_0", "i_1_1"], np.array([[1, 2], [3, 4]]))
    assert values == {"i_0_0": 1.0, "i_0_1": 2.0, "i_1_0": 3.0, "i_1_1": 4.0}
