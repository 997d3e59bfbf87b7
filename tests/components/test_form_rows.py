"""Which fields of a schema form share a row: number boxes never (half the form at 1024 px cut 711.15 to "711.1"),
short choices and ticks two by two, in the schema's order."""

from __future__ import annotations

from components.schema_form import form_rows, paired
from mds_client import Feature, FeatureKind, ModelSchema


def _names(rows: list[list[Feature]]) -> list[list[str]]:
    return [[f.name for f in row] for row in rows]


def test_numbers_have_rows_of_their_own_and_short_choices_pair_up():
    schema = ModelSchema(features=(
        Feature("bill", FeatureKind.NUMBER), Feature("sex", FeatureKind.CATEGORY, categories=("F", "M")),
        Feature("smoker", FeatureKind.BOOLEAN), Feature("day", FeatureKind.CATEGORY, categories=("Sat", "Sun")),
        Feature("size", FeatureKind.INTEGER), Feature("time", FeatureKind.CATEGORY, categories=("Lunch", "Dinner")),
    ))
    assert _names(form_rows(schema, 2)) == [["bill"], ["sex", "smoker"], ["day"], ["size"], ["time"]]
    assert _names(form_rows(schema, 1)) == [[f.name] for f in schema.features]


def test_a_choice_whose_longest_name_would_be_cut_is_not_paired():
    short = Feature("grade", FeatureKind.CATEGORY, categories=("A", "B"))
    long = Feature("cultivar", FeatureKind.CATEGORY, categories=("cultivar_0", "a very long cultivar name"))
    labelled = Feature("code", FeatureKind.CATEGORY, categories=(0, 1), category_labels={0: "no", 1: "Pinot noir x 2"})
    assert paired(short) and not paired(long) and not paired(labelled)
    assert not paired(Feature("rain_mm", FeatureKind.NUMBER)) and paired(Feature("note", FeatureKind.TEXT))
