"""Shared pieces of the fuzz tests: JSON-like strategies, the error contract, a memory cap.

Every fuzzed entry point may raise only a typed error (``MDSError``; the sink's ``LogSinkError`` is one
too), within hypothesis's deadline, and allocate at most ``MEMORY_CAP`` bytes for inputs a few KB big.
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# The suite (and CI) runs the same examples every time, so a red run is reproducible and never luck;
# `make fuzz` draws new ones (MDS_FUZZ_RANDOM=1, MDS_FUZZ_EXAMPLES) to look for what those miss.
FUZZ_RANDOM = os.environ.get("MDS_FUZZ_RANDOM", "") == "1"
settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("MDS_FUZZ_EXAMPLES", "100")), deadline=2000,
    suppress_health_check=[HealthCheck.too_slow], derandomize=not FUZZ_RANDOM, database=None,
)
FUZZ = settings.get_profile("fuzz")
MEMORY_CAP = 64 * 1024 * 1024

scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**64) | st.floats(allow_nan=True)
           | st.text(max_size=20))
# Keys that the parsers look for, so fuzzing reaches past the first "is this a dict" check.
KEYS = ["name", "datatype", "shape", "data", "parameters", "inputs", "outputs", "content_type", "kind",
        "categories", "category_labels", "min", "max", "default", "class_names", "ndarray", "names",
        "tensor", "values", "jsonData", "strData", "meta", "puid", "requests", "responses", "type",
        "n_categories", "category_map", "schema", "instances", "id", "model_name", "models", "url",
        "protocol", "model", "explainer", "headers", "reference_data", "card", "tags", "bounds", "required"]
keys = st.sampled_from(KEYS) | st.text(max_size=8)
json_docs = st.recursive(scalars, lambda kids: st.lists(kids, max_size=5) | st.dictionaries(keys, kids, max_size=6),
                         max_leaves=30)


@contextmanager
def memory_capped(cap: int = MEMORY_CAP):
    tracemalloc.start()
    try:
        yield
        _current, peak = tracemalloc.get_traced_memory()
        assert peak < cap, f"peak {peak / 1e6:.1f} MB for a small input"
    finally:
        tracemalloc.stop()


def typed_only(call: Callable[[], Any], allowed: tuple[type[BaseException], ...] = ()) -> Any:
    """Run ``call``; an ``MDSError`` (or one of ``allowed``) is fine, any other exception fails the test."""
    from mds_client import MDSError

    try:
        return call()
    except (MDSError, *allowed):
        return None
