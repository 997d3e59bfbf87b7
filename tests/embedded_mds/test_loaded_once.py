"""Published versions read their model once (embedded_mds/served/loaded_once.py): MLServer loads every version of a
name when one is published, and an unchanged version must not be read again.

The runtimes are tried in MLServer's own environment, through MLServer's own registry and repository handlers
(what ``POST /v2/repository/models/<name>/load`` runs), with each read counted."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

import pytest

from embedded_mds.layout import mlserver_python
from embedded_mds.served import loaded_once
from workbench.paths import REPO_ROOT


def test_an_unchanged_artefact_is_read_once_while_held(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"one")
    reads = []

    def read():
        reads.append(path.read_bytes())
        return reads[-1]

    async def main():
        first = await loaded_once.acquire(str(path), read)
        again = await asyncio.gather(*(loaded_once.acquire(str(path), read) for _ in range(3)))
        assert [first, *again] == [b"one"] * 4 and len(reads) == 1
        assert loaded_once.holders(str(path)) == 4
        path.write_bytes(b"two, rewritten")  # a new size: read afresh
        assert await loaded_once.acquire(str(path), read) == b"two, rewritten" and len(reads) == 2
        for _ in range(5):
            loaded_once.release(str(path))
        assert loaded_once.holders(str(path)) == 0
        loaded_once.release(str(path))  # one release too many is harmless
        assert await loaded_once.acquire(str(path), read) == b"two, rewritten" and len(reads) == 3
        loaded_once.release(str(path))

    asyncio.run(main())


def test_a_read_that_fails_holds_nothing(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"broken")

    def read():
        raise ValueError("not a model")

    async def main():
        with pytest.raises(ValueError, match="not a model"):
            await loaded_once.acquire(str(path), read)
        assert loaded_once.holders(str(path)) == 0

    asyncio.run(main())


SCRIPT = r'''
import asyncio, json, os, sys
from pathlib import Path
import joblib, mlflow
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from mlserver.registry import MultiModelRegistry
from mlserver.handlers.model_repository import ModelRepositoryHandlers
from mlserver.types import InferenceRequest
from mlserver.codecs import PandasCodec
from embedded_mds.served import loaded_once, sklearn_runtime
from embedded_mds.served.model_repository import CachedModelRepository

root = Path(sys.argv[1])
reads = []
joblib_load, pyfunc_load = joblib.load, mlflow.pyfunc.load_model
sklearn_runtime.joblib.load = lambda path: (reads.append(Path(path).parent.name), joblib_load(path))[1]
mlflow.pyfunc.load_model = lambda path: (reads.append("mlflow-" + Path(path).parent.name), pyfunc_load(path))[1]

rows = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [3.0, 2.0, 1.0, 0.0]})
def put(name, version, labels, kind):
    folder = root / name / version
    folder.mkdir(parents=True)
    model = LogisticRegression().fit(rows, labels)
    if kind == "joblib":
        joblib.dump(model, folder / "model.joblib")
        runtime, uri = "embedded_mds.served.sklearn_runtime.PublishedSKLearnModel", "./model.joblib"
    else:
        mlflow.sklearn.save_model(model, folder / "model")
        runtime, uri = "embedded_mds.served.mlflow_runtime.PublishedMLflowModel", "./model"
    (folder / "model-settings.json").write_text(json.dumps(
        {"name": name, "implementation": runtime, "parameters": {"uri": uri, "version": version}}))

async def answer(registry, name, version):
    model = await registry.get_model(name, version)
    request = PandasCodec.encode_request(rows.iloc[:1])
    first = (await model.predict(request)).outputs[0].data.root[0]
    return first.decode() if isinstance(first, bytes) else str(first)

async def main():
    registry = MultiModelRegistry()
    handlers = ModelRepositoryHandlers(CachedModelRepository(str(root)), registry)
    out = {}
    for kind in ("joblib", "mlflow"):
        name = "orchard-" + kind
        reads.clear()
        put(name, "1", ["pear", "pear", "apple", "apple"], kind)
        await handlers.load(name)
        put(name, "2", ["apple", "apple", "pear", "pear"], kind)
        await handlers.load(name)
        put(name, "3", ["fig", "fig", "plum", "plum"], kind)
        await handlers.load(name)
        out[kind] = {"reads": list(reads),
                     "answers": [await answer(registry, name, v) for v in ("1", "2", "3")],
                     "held": [loaded_once.holders(str(root / name / v / ("model.joblib" if kind == "joblib" else "model")))
                              for v in ("1", "2", "3")]}
        await handlers.unload(name)
        out[kind]["held_after_unload"] = [loaded_once.holders(str(root / name / v / ("model.joblib" if kind == "joblib" else "model")))
                                          for v in ("1", "2", "3")]
    print(json.dumps(out))
asyncio.run(main())
'''


def test_mlserver_reloads_of_unchanged_versions_read_nothing(tmp_path):
    env = {"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "MLFLOW_TRACKING_URI": f"file://{tmp_path}/mlruns", "GIT_PYTHON_REFRESH": "quiet"}
    done = subprocess.run([str(mlserver_python()), "-c", SCRIPT, str(tmp_path / "models")], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # three versions published one after another: MLServer loaded 1, then 1 and 2, then 1, 2 and 3; each read once
    assert out["joblib"]["reads"] == ["1", "2", "3"]
    assert out["mlflow"]["reads"] == ["mlflow-1", "mlflow-2", "mlflow-3"]
    for kind in ("joblib", "mlflow"):
        assert out[kind]["answers"] == ["pear", "apple", "fig"], kind  # each version answers with its own model
        assert out[kind]["held"] == [1, 1, 1], kind  # the swapped-out copies let go of their model
        assert out[kind]["held_after_unload"] == [0, 0, 0], kind
    assert os.path.isdir(tmp_path / "models")
