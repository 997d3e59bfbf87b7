"""A model's schema: the features that go in and the outputs that come out.

``model`` holds ``ModelSchema`` (validation, typical rows, wire columns), ``features`` and ``cells`` one
feature and one value; ``sources`` reads a schema from what a model says about itself (V2 metadata,
Seldon v1 metadata, Seldon's prediction schema) or infers one from reference rows; ``documents``
checks those documents' shapes; ``merge`` joins the schemas several sources give.
"""

from mds_client.schema.features import Feature, FeatureKind
from mds_client.schema.merge import resolve
from mds_client.schema.model import CellError, ModelSchema, Output
from mds_client.schema.sources import (
    from_prediction_schema,
    from_reference,
    from_seldon_metadata,
    from_v2_metadata,
)

__all__ = [
    "CellError",
    "Feature",
    "FeatureKind",
    "ModelSchema",
    "Output",
    "from_prediction_schema",
    "from_reference",
    "from_seldon_metadata",
    "from_v2_metadata",
    "resolve",
]
