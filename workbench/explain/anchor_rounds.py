"""Alibi's anchor search asks the model one candidate at a time; here each round goes as one request.

AnchorTabular's beam search draws the samples of every candidate anchor (arm) of a round before it
reads any of their labels (``AnchorBaseBeam.draw_samples`` in alibi 0.9). ``RoundSampler`` wraps
its sampler: each arm's perturbed rows are still drawn when Alibi asks, in the same order from the
same random stream, but the model is asked only when Alibi first reads an arm's result, and then
about every arm drawn so far, in one request. The labels, and so the anchor, its precision and
coverage, are those the per-arm calls give. Were a later Alibi to read each arm as soon as it is
drawn, each arm would simply go alone, as before; a sampler that does not answer in the shape
below is called as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from workbench.explain.budget import BlackBox


class RoundSampler:
    """Alibi's ``TabularSampler`` with the model calls of one round of arms sent together."""

    def __init__(self, sampler: Any, box: BlackBox) -> None:
        self._sampler, self._box = sampler, box
        self._pending: list[_Arm] = []
        self._defer = True

    def __getattr__(self, name: str) -> Any:  # set_instance_label, instance_label, build_lookups, ...
        return getattr(self._sampler, name)

    def __call__(self, anchor: tuple[int, tuple], num_samples: int, compute_labels: bool = True) -> Any:
        if not compute_labels or not self._defer:
            return self._sampler(anchor, num_samples, compute_labels=compute_labels)
        state = np.random.get_state()  # Alibi's samplers draw from numpy's global stream
        with self._box.deferring() as asked:
            result = self._sampler(anchor, num_samples)
        if len(asked) != 1 or not _arm_shaped(result, asked[0]):
            self._defer = False  # not the sampler this was written for: call it plainly from now on
            np.random.set_state(state)
            return self._sampler(anchor, num_samples)
        arm = _Arm(self, list(result), asked[0])
        self._pending.append(arm)
        return arm

    def flush(self) -> None:
        """Ask the model about every arm drawn and not yet answered, in one call of the box."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        answers = self._box(np.concatenate([arm.rows for arm in pending]))
        same = answers == self._sampler.instance_label
        start = 0
        for arm in pending:
            arm.answer(same[start:start + len(arm.rows)], int(self._sampler.n_covered_ex))
            start += len(arm.rows)


def _arm_shaped(result: Any, rows: np.ndarray) -> bool:
    """[covered_true, covered_false, labels, data, coverage, position], labels one per row."""
    return (isinstance(result, list | tuple) and len(result) == 6 and isinstance(result[2], np.ndarray)
            and result[2].shape == (len(rows),))


class _Arm:
    """One arm's sampler result; its label-dependent parts are filled in when first read."""

    def __init__(self, owner: RoundSampler, result: list[Any], rows: np.ndarray) -> None:
        self.owner, self.result, self.rows = owner, result, rows
        self.answered = False

    def answer(self, same: np.ndarray, n_covered: int) -> None:
        # what the sampler computes from the labels: the covered examples that keep and break the answer
        self.result[0] = self.rows[same, :][:n_covered]
        self.result[1] = self.rows[np.logical_not(same), :][:n_covered]
        self.result[2] = same.astype(int)
        self.answered = True

    def _ready(self) -> list[Any]:
        if not self.answered:
            self.owner.flush()
        return self.result

    def __iter__(self) -> Iterator[Any]:
        return iter(self._ready())

    def __getitem__(self, i: int) -> Any:
        return self._ready()[i]

    def __len__(self) -> int:
        return len(self.result)
