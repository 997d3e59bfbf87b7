"""The optional "alibi" MLServer: an explainer and a drift detector for the wine model.

Folder ``<home>/alibi-models/`` (its own MLServer, own ports, so a failure cannot take the core
models down):

- ``wine-explainer``: ``mlserver_alibi_explain`` AnchorTabular in black-box mode, fitted on the
  wine reference data (over the wine pipeline's ``predict_proba``) and saved with alibi's ``save``.
  At load time
  and for every explanation it calls the wine model through ``extra.infer_uri`` (the core
  MLServer's ``/v2/models/wine/infer``, output ``predict_proba``), so it must start after the
  core MLServer is ready (``local_mds.up`` starts it second). Request: one FP64 tensor
  ``[1, 13]`` in the wine feature order (the first row is explained), optional
  ``parameters.explain_parameters`` (e.g. ``{"threshold": 0.95}``). Response: one BYTES output
  ``explanation`` holding alibi's Explanation JSON (``data.anchor``, ``data.precision``,
  ``data.coverage``, ``meta``).
- ``wine-drift``: alibi-detect ``TabularDrift`` (K-S per feature, Bonferroni, p_val 0.05) on the
  wine reference data, saved with ``save_detector``. Request: one FP64 tensor ``[n, 13]`` (a
  batch); outputs ``is_drift`` ``[1, 1]``, ``distance`` and ``p_val`` ``[1, 13]``, ``threshold``
  ``[1, 1]``.

Both are built in the MLServer environment, by running this module with that python
(``python -m embedded_mds.alibi_models build --home HOME``), not in the app env as first
planned. Measured: an AnchorTabular saved in the app env loads fine in the MLServer env (alibi
0.9.6 and dill 0.3.9 on both sides), and a detector saved by alibi-detect 0.13 (app) loads in 0.12
(MLServer) but logs "Config is from version 0.13.0 ... may lead to breaking code or invalid
results". Building where they are served avoids that warning, keeps alibi (3-5 s of imports) out
of the app process, and costs one subprocess of about 4 s on first start only.

The fitted artefacts are stamped in ``<home>/alibi-models.json`` and rebuilt only when the demo
models were retrained; the model-settings are rewritten on every ``prepare`` because
``infer_uri`` depends on the ports.

This module's top level imports only the stdlib so that ``save-drift`` runs in the MLServer env.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from embedded_mds.layout import HomeLayout, mlserver_python, repo_pythonpath, write_json

ALIBI_VERSION = 2  # 2: embedded_mds moved out of workbench (saved explainers may name its modules)
EXPLAINER = "wine-explainer"
DRIFT = "wine-drift"
SOURCE_MODEL = "wine"
CALLS_CORE = (EXPLAINER,)  # loads only once the core MLServer answers (AnchorTabular probes the model)
BUILD_TIMEOUT = 180


def _wine_features(layout: HomeLayout) -> list[str]:
    settings = json.loads((layout.model_dir(SOURCE_MODEL) / "model-settings.json").read_text())
    return [entry["name"] for entry in settings["inputs"]]


def _stamp(layout: HomeLayout) -> dict[str, Any]:
    demo = json.loads(layout.training_stamp.read_text())
    return {"alibi_version": ALIBI_VERSION, "demo_trained_at": demo.get("trained_at")}


def _up_to_date(layout: HomeLayout) -> bool:
    try:
        stamp = json.loads(layout.alibi_stamp.read_text())
    except (OSError, ValueError):
        return False
    return (
        stamp == _stamp(layout)
        and (layout.alibi_model_dir(EXPLAINER) / "explainer" / "meta.dill").exists()
        and (layout.alibi_model_dir(DRIFT) / "detector" / "config.toml").exists()
    )


def build_explainer(layout: HomeLayout) -> Path:
    """Fit AnchorTabular on the wine reference data and save it (runs in the MLServer env)."""
    # Runs in the MLServer env, where alibi lives: the app imports this module and never pays for them.
    import joblib
    import numpy as np
    import pandas as pd
    from alibi.explainers import AnchorTabular

    names = _wine_features(layout)
    reference = pd.read_csv(layout.reference_csv(SOURCE_MODEL))[names]
    model = joblib.load(layout.model_dir(SOURCE_MODEL) / "model.joblib")

    def predict_proba(rows):
        return model.predict_proba(pd.DataFrame(np.asarray(rows, dtype=float), columns=names))

    explainer = AnchorTabular(predict_proba, feature_names=names, seed=0)
    explainer.fit(reference.to_numpy(dtype=float), disc_perc=(25, 50, 75))
    target = layout.alibi_model_dir(EXPLAINER) / "explainer"
    explainer.save(target)
    return target


def build_in_mlserver_env(layout: HomeLayout) -> None:
    """Run ``build`` (explainer + detector) with the MLServer environment's python."""
    from embedded_mds.errors import AlibiPrepareError  # app side only: the MLServer env lacks the app

    python = mlserver_python()
    if not python.exists():
        raise AlibiPrepareError(f"MLServer python {python} not found: cannot build the alibi models")
    env = dict(os.environ)
    env["PYTHONPATH"] = repo_pythonpath(env)
    argv = [str(python), "-m", "embedded_mds.alibi_models", "build", "--home", str(layout.home)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=BUILD_TIMEOUT, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise AlibiPrepareError(f"building the alibi models failed (exit {done.returncode}):\n{tail}")


def build(layout: HomeLayout) -> None:
    """Runs in the MLServer env: fit and save the explainer and the drift detector."""
    build_explainer(layout)
    save_drift(layout.reference_csv(SOURCE_MODEL), layout.alibi_model_dir(DRIFT) / "detector", _wine_features(layout))


def save_drift(reference_csv: Path, out: Path, columns: list[str], p_val: float = 0.05) -> None:
    """Runs in the MLServer env: fit TabularDrift on the reference and save it."""
    # Runs in the MLServer env, where alibi_detect lives: the app never pays for it.
    import pandas as pd
    from alibi_detect.cd import TabularDrift
    from alibi_detect.saving import save_detector

    reference = pd.read_csv(reference_csv)[columns].to_numpy(dtype="float64")
    detector = TabularDrift(reference, p_val=p_val, categories_per_feature={})
    save_detector(detector, str(out))


def _features_input(name: str, names: list[str], link: dict[str, str], description: str) -> dict[str, Any]:
    """The one FP64 input of both alibi models: rows of wine features; `link` names the model it serves."""
    return {
        "name": name,
        "datatype": "FP64",
        "shape": [-1, len(names)],
        "parameters": {"kind": "tensor", "feature_names": names, **link, "description": description},
    }


def explainer_settings(layout: HomeLayout, infer_url: str) -> dict[str, Any]:
    names = _wine_features(layout)
    return {
        "name": EXPLAINER,
        "implementation": "mlserver_alibi_explain.AlibiExplainRuntime",
        "parameters": {
            "uri": "./explainer",
            "version": "1",
            "extra": {"explainer_type": "anchor_tabular", "infer_uri": infer_url, "infer_output": "predict_proba"},
        },
        "inputs": [_features_input("instance", names, {"explains": SOURCE_MODEL},
                                   "Wine features in model order; the first row is explained.")],
        "outputs": [{
            "name": "explanation",
            "datatype": "BYTES",
            "shape": [1],
            "parameters": {"content_type": "str", "kind": "explanation", "method": "AnchorTabular",
                           "description": "alibi Explanation as JSON (data.anchor, data.precision, data.coverage)."},
        }],
    }


def drift_settings(layout: HomeLayout) -> dict[str, Any]:
    names = _wine_features(layout)
    return {
        "name": DRIFT,
        "implementation": "mlserver_alibi_detect.AlibiDetectRuntime",
        "parameters": {
            "uri": "./detector",
            "version": "1",
            "extra": {"predict_parameters": {"drift_type": "batch", "return_p_val": True, "return_distance": True}},
        },
        "inputs": [_features_input("batch", names, {"monitors": SOURCE_MODEL},
                                   "A batch of wine feature rows compared with the reference data.")],
        "outputs": [
            {"name": "is_drift", "datatype": "INT64", "shape": [1], "parameters": {"kind": "flag"}},
            {"name": "distance", "datatype": "FP32", "shape": [len(names)], "parameters": {"kind": "statistic"}},
            {"name": "p_val", "datatype": "FP32", "shape": [len(names)], "parameters": {"kind": "p_value"}},
            {"name": "threshold", "datatype": "FP64", "shape": [1], "parameters": {"kind": "threshold"}},
        ],
    }


def prepare_alibi(layout: HomeLayout, ports: Any, *, wine_infer_url: str) -> list[str]:
    """Build (if needed) and configure the alibi models; return their names."""
    if not _up_to_date(layout):
        layout.alibi_stamp.unlink(missing_ok=True)
        build_in_mlserver_env(layout)
        write_json(layout.alibi_stamp, _stamp(layout))
    write_json(layout.alibi_model_dir(EXPLAINER) / "model-settings.json", explainer_settings(layout, wine_infer_url))
    write_json(layout.alibi_model_dir(DRIFT) / "model-settings.json", drift_settings(layout))
    return [DRIFT, EXPLAINER]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the alibi models of the embedded MDS (MLServer env).")
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="fit and save wine-explainer and wine-drift under HOME/alibi-models")
    build_cmd.add_argument("--home", type=Path, required=True)
    args = parser.parse_args(argv)
    build(HomeLayout(args.home))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
