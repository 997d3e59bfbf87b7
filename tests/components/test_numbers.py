"""Numbers for people: rounded, with units, counts that agree with their noun."""

import pytest

from components.numbers import count, number


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (2.812875631391886, "", "2.81"),
    (123.456, "", "123"),
    (1234.5, "", "1,234"),
    (0.00385, "", "0.00385"),
    (14, "", "14"),
    (3.14159, "$", "$3.14"),
    (12.34, "ms", "12.3 ms"),
    ("class_0", "", "class_0"),
    (float("nan"), "", "nan"),
])
def test_number(value, unit, shown):
    assert number(value, unit) == shown


@pytest.mark.parametrize(("n", "shown"), [(0, "0 cases"), (1, "1 case"), (2, "2 cases"), (12000, "12,000 cases")])
def test_count(n, shown):
    assert count(n, "case") == shown
