"""Drift of one window: ours (`workbench.monitor.drift.Detector`) vs a direct alibi-detect call, same arrays.

A 100,000 x 20 reference against a 10,000-row window. Both sides are timed end to end for one
window (fit on the reference + test), and again for the second and later windows (the page's case:
the reference is fitted once). Goal: ours <= 1.1x alibi-detect. The p-values must be equal.

    PYTHONPATH=$PWD .venvs/app/bin/python bench/drift_window.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from bench._figures import shown
from mds_client import ModelSchema
from mds_client.schema.features import Feature, FeatureKind
from workbench.monitor.drift import Detector
from workbench.monitor.drift_inputs import DriftInputs

FEATURES, N_REF, N_WINDOW, REPEATS = 20, 100_000, 10_000, 3


def best(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    warnings.filterwarnings("ignore")
    from alibi_detect.cd import TabularDrift

    rng = np.random.default_rng(0)
    x_ref = rng.normal(size=(N_REF, FEATURES))
    x = rng.normal(size=(N_WINDOW, FEATURES))
    x[:, 3] += 0.2
    inputs = DriftInputs.of(ModelSchema(tuple(Feature(f"f{i:02d}", FeatureKind.NUMBER) for i in range(FEATURES))))

    def alibi_once():  # type: ignore[no-untyped-def]
        detector = TabularDrift(x_ref, p_val=0.05, correction="bonferroni")
        return detector.predict(x, drift_type="batch", return_p_val=True)["data"]

    def ours_once():  # type: ignore[no-untyped-def]
        return Detector(inputs, x_ref).test(x)

    expected, got = alibi_once(), ours_once()
    assert np.allclose(np.ravel(expected["p_val"]), list(got.p_values.values()), rtol=1e-6, atol=1e-30)  # alibi keeps float32
    assert bool(expected["is_drift"]) == got.is_drift and float(expected["threshold"]) == got.threshold
    fitted_alibi = TabularDrift(x_ref, p_val=0.05, correction="bonferroni")
    fitted_ours = Detector(inputs, x_ref)
    alibi_one, ours_one = best(alibi_once), best(ours_once)
    alibi_next = best(lambda: fitted_alibi.predict(x, drift_type="batch", return_p_val=True))
    ours_next = best(lambda: fitted_ours.test(x))
    print(f"reference {N_REF:,} x {FEATURES}, window {N_WINDOW:,}; p-values equal (to alibi's float32); drifted: {got.drifted}")
    print(f"one window (fit + test): alibi-detect {alibi_one * 1000:.0f} ms, ours {ours_one * 1000:.0f} ms, "
          f"ours/alibi = {shown(ours_one, alibi_one, '.2f', 'x')} (goal <= 1.1x)")
    print(f"each further window:     alibi-detect {alibi_next * 1000:.0f} ms, ours {ours_next * 1000:.0f} ms, "
          f"ours/alibi = {shown(ours_next, alibi_next, '.2f', 'x')}")


if __name__ == "__main__":
    main()
