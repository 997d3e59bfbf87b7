"""The tests' own models on a real Triton (the one nvidia-pytriton bundles), one per input layout.

Run by ``tests/triton_fixture.py`` with the Triton environment's interpreter (``.venvs/triton``), never imported
by the app's: ``python tests/triton_models.py HTTP_PORT GRPC_PORT METRICS_PORT WORKSPACE``. Prints ``ready`` once
every model has loaded, then serves until stopped.

- ``grade``: a classifier with one input per column, ``dims [1]`` and batching (V2 shape ``[-1, 1]``: Triton's
  usual layout), answering ``probabilities`` and its own BYTES ``label``;
- ``price``: a regressor with ``[-1]`` inputs (no batching, a variable length), answering one number per row;
- ``shade``: one ``[-1, 4]`` tensor input (batching), answering probabilities of three classes and no label;
- ``pair``: no batching and a fixed ``[2]`` input: one row per request.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from pytriton.decorators import batch
from pytriton.model_config import ModelConfig, Tensor
from pytriton.triton import Triton, TritonConfig, TritonSecurityConfig

ACCESS_TOKEN_ENV = "MDS_TEST_TRITON_TOKEN"
"""The token pytriton's Triton asks for on its model-repository API (``triton-access-token`` header), set by
tests/triton_fixture.py (its ACCESS_TOKEN_ENV)."""


@batch
def grade(size: np.ndarray, city: np.ndarray) -> dict[str, np.ndarray]:
    # size [n, 1] FP32, city [n, 1] bytes: 'gold' from size 5 up, a little more likely in Lyon
    bonus = np.array([[0.1 if c[0] == b"Lyon" else 0.0] for c in city], dtype=np.float32)
    gold = np.clip(size.astype(np.float32) / 10.0 + bonus, 0.0, 1.0)
    probabilities = np.concatenate([1.0 - gold, gold], axis=1).astype(np.float32)
    label = np.array([[b"gold" if p >= 0.5 else b"bronze"] for p in gold[:, 0]], dtype=np.object_)
    return {"probabilities": probabilities, "label": label}


def price(requests: list) -> list[dict[str, np.ndarray]]:
    # no batching: each request holds its rows as [n] vectors
    return [{"price": (50.0 * r["rooms"] + 2.0 * r["area"]).astype(np.float32)} for r in requests]


@batch
def shade(pixels: np.ndarray) -> dict[str, np.ndarray]:
    # pixels [n, 4]: class 0, 1 or 2 by the mean brightness
    mean = pixels.astype(np.float32).mean(axis=1)
    centres = np.array([0.0, 0.5, 1.0], dtype=np.float32)
    weights = np.exp(-10.0 * (mean[:, None] - centres[None, :]) ** 2)
    return {"probabilities": (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)}


def pair(requests: list) -> list[dict[str, np.ndarray]]:
    # no batching, fixed [2]: one instance per request, answered as [1]
    return [{"total": np.array([r["x"].sum()], dtype=np.float32)} for r in requests]


def bind_models(triton: Triton) -> None:
    """Bind (and so load) every model, in parallel: Triton loads each in a Python backend process of its own, about 5 s
    apiece on 2 cores, and can load several at once."""
    f32, text = np.float32, bytes
    models = [
        ("grade", grade, [Tensor(name="size", dtype=f32, shape=(1,)), Tensor(name="city", dtype=text, shape=(1,))],
         [Tensor(name="probabilities", dtype=f32, shape=(2,)), Tensor(name="label", dtype=text, shape=(1,))],
         ModelConfig(max_batch_size=64)),
        ("price", price, [Tensor(name="rooms", dtype=f32, shape=(-1,)), Tensor(name="area", dtype=f32, shape=(-1,))],
         [Tensor(name="price", dtype=f32, shape=(-1,))], ModelConfig(batching=False)),
        ("shade", shade, [Tensor(name="pixels", dtype=f32, shape=(4,))],
         [Tensor(name="probabilities", dtype=f32, shape=(3,))], ModelConfig(max_batch_size=64)),
        ("pair", pair, [Tensor(name="x", dtype=f32, shape=(2,))], [Tensor(name="total", dtype=f32, shape=(1,))],
         ModelConfig(batching=False)),
    ]
    with ThreadPoolExecutor(len(models)) as pool:
        for done in [pool.submit(triton.bind, name, infer, inputs, outputs, config=config)
                     for name, infer, inputs, outputs, config in models]:
            done.result()


def main(http_port: int, grpc_port: int, metrics_port: int, workspace: str) -> None:
    config = TritonConfig(http_address="127.0.0.1", http_port=http_port, grpc_address="127.0.0.1", grpc_port=grpc_port,
                          metrics_address="127.0.0.1", metrics_port=metrics_port, allow_gpu_metrics=False, log_verbose=0)
    security = TritonSecurityConfig(access_token=os.environ.get(ACCESS_TOKEN_ENV) or None)
    with Triton(config=config, workspace=workspace, security_config=security) as triton:
        bind_models(triton)  # the server is up (``with``): each bind loads its model
        print("ready", flush=True)
        triton.serve()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
