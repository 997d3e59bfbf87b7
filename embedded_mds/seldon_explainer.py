"""The Seldon v1 explainer of the embedded MDS: ``wine-v1-explainer`` in front of ``wine-v1``.

In a cluster a SeldonDeployment's ``explainer: {type: AnchorTabular}`` gets a second service,
reached at ``<ingress>/seldon/<ns>/<name>-explainer/<predictor>/api/v1.0/explain``. Here
``served.v1_explainer`` plays that part on its own port (``LocalPorts.v1_explainer_http``, 9523),
black box over the seldon microservice's ``/api/v1.0/predictions``.

``prepare_v1_explainer`` writes ``<home>/seldon/wine-v1-explainer/explainer.json`` (the model's
URL depends on the ports, so on every prepare) and drops the saved explainer when the demo
models were retrained; the server fits and saves a new one on its first start (about 1 s after
alibi's imports). Optional like the alibi server: a failure leaves the core running and the
catalog without the explainer.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from embedded_mds.layout import HomeLayout, write_json

EXPLAINER = "wine-v1-explainer"
SOURCE_SERVICE = "wine-v1"
SOURCE_DATA = "wine"
# The same search as the workbench's own anchors (workbench.explain.anchors), so the two answers compare.
EXPLAIN_PARAMETERS = {"threshold": 0.95, "batch_size": 200, "coverage_samples": 5000}


def config_path(layout: HomeLayout):
    return layout.seldon_dir(EXPLAINER) / "explainer.json"


def prepare_v1_explainer(layout: HomeLayout, predict_url: str) -> list[str]:
    """Write the explainer's config; return ``[EXPLAINER]``."""
    metadata = json.loads((layout.seldon_dir(SOURCE_SERVICE) / "metadata.json").read_text())
    trained = json.loads(layout.training_stamp.read_text()).get("trained_at")
    folder = layout.seldon_dir(EXPLAINER)
    previous: dict[str, Any] = {}
    if config_path(layout).exists():
        previous = json.loads(config_path(layout).read_text())
    if previous.get("demo_trained_at") != trained:
        shutil.rmtree(folder / "explainer", ignore_errors=True)  # fitted on older data: refit at start
    write_json(config_path(layout), {
        "name": EXPLAINER,
        "explains": SOURCE_SERVICE,
        "method": "AnchorTabular",
        "predictor_url": predict_url,
        "feature_names": list(metadata["feature_names"]),
        "reference_csv": str(layout.reference_csv(SOURCE_DATA)),
        "explain_parameters": EXPLAIN_PARAMETERS,
        "seed": 0,
        "demo_trained_at": trained,
    })
    return [EXPLAINER]
