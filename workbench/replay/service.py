"""Replay: what would change if another version had answered a model's logged traffic.

    replay(engine, client, model, target, start=...)  ->  ReplayResult

Reads every caller's calls to ``model`` logged in a window (the request log, and the workbench's own
predictions that no logger reported), sends their inputs to ``target`` in one batched run at the server's
pace (``mds_client``'s ``BatchScorer``: minibatches from a pool of threads, a refused minibatch split to
find the bad rows, retries while the server restarts), and compares the answers row by row with the logged
ones (``comparison``). Calls that cannot be sent are skipped with their reason (``logged_rows``); rows the
target refuses or cannot answer are counted with the reason it gave. Nothing is written anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import numpy as np
import orjson
import pandas as pd
from sqlalchemy import Engine

from mds_client import MDSClient, ModelRef, ModelSchema
from mds_client.batch.progress import ProgressCallback, ShouldStop
from mds_client.batch.scorer import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, BatchScorer
from mds_client.batch.sink import Checkpoint, OutputSink
from mds_client.errors import RequestError
from workbench.replay.comparison import (
    ValueMoves,
    change_size,
    changed_rows,
    class_text,
    concentration,
    confusion,
    value_moves,
)
from workbench.replay.errors import NothingToReplay, TargetUnavailable
from workbench.replay.logged_rows import CLASS, answer_kind, feature_kinds, input_columns, read_logged
from workbench.store.traffic import LoggedRow, replay_calls, window_counts
from workbench.time_text import when

DEFAULT_TOLERANCE = 1e-6
"""A value that moves by at most this much (in the model's unit) has not changed: JSON round trips and
float sums differ in the last digits."""
DEFAULT_TOP = 10
RETRY_FOR_S = 10.0
"""A target that stays down this long is reported as not answering: a replay is asked for by someone waiting."""
CHUNK_ROWS = 10_000
REASON_COLUMNS = ["reason", "rows", "example_request_id"]


@dataclass(frozen=True)
class ReplayResult:
    """What would change if ``target`` had answered the calls logged for ``model`` in ``[start, end)``.

    Counts: ``logged`` calls read (every caller's; the newest ``limit`` when ``limited``) = ``skipped`` (not
    sent: see ``skips``) + ``replayed`` (sent); ``replayed`` = ``answered`` + ``failed`` (the target refused
    or could not answer: see ``failures``); ``changed`` of the ``answered`` rows differ from the logged
    answer (``changed_share`` of them). A cancelled replay (``cancelled``) counts the rows done so far.

    Tables (pandas DataFrames a page can draw and offer for download):
    - ``confusion`` (classifiers; None for values): logged class (index) x replayed class (columns), counts;
    - ``moves`` (values; None for classes): how far the answers move (mean, median, max, share beyond
      ``tolerance``);
    - ``concentration``: per feature, changed rows against the others, strongest first: ``feature``,
      ``kind`` (number | category), ``effect`` (standardized mean difference, or Cohen's h of the
      ``category`` most over-represented among changed rows), ``changed_rows`` / ``other_rows`` (their
      means, or the category's shares) and ``summary`` in words;
    - ``biggest``: the ``top`` biggest changes, with ``request_id`` and ``row_index`` to open the case;
    - ``rows``: every replayed row: ``request_id``, ``row_index``, ``source``, ``time``, ``logged``,
      ``logged_confidence``, ``replayed``, ``replayed_confidence``, ``changed``, ``change`` (how big: the
      value's move, or the probability taken from the logged class), ``error``, then the inputs;
    - ``failures`` and ``skips``: ``reason``, ``rows``, ``example_request_id``, most frequent first.
    """

    model: str
    target: str
    """The target as people name it: ``NAME@VERSION`` (or its name when it has no version)."""
    target_url: str
    kind: str
    """``class`` (a classifier's class names are compared) or ``value`` (a regression's numbers)."""
    start: datetime
    end: datetime
    logged: int
    limited: bool
    replayed: int
    answered: int
    failed: int
    skipped: int
    changed: int
    changed_share: float
    tolerance: float
    confusion: pd.DataFrame | None
    moves: ValueMoves | None
    concentration: pd.DataFrame
    biggest: pd.DataFrame
    rows: pd.DataFrame
    failures: pd.DataFrame
    skips: pd.DataFrame
    elapsed_s: float
    cancelled: bool = False

    @property
    def rows_per_s(self) -> float:
        """Replayed rows per second of the whole replay (reading the log, scoring, comparing)."""
        return self.replayed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        """Plain JSON types only (for ``mds replay --json`` and downloads); tables as lists of records."""
        doc: dict[str, Any] = {
            "model": self.model, "target": self.target, "target_url": self.target_url, "kind": self.kind,
            "start": self.start.isoformat(), "end": self.end.isoformat(), "logged": self.logged,
            "limited": self.limited, "replayed": self.replayed, "answered": self.answered, "failed": self.failed,
            "skipped": self.skipped, "changed": self.changed, "changed_share": self.changed_share,
            "tolerance": self.tolerance, "cancelled": self.cancelled, "elapsed_s": self.elapsed_s,
            "rows_per_s": self.rows_per_s,
            "confusion": None if self.confusion is None else {
                str(logged): {str(new): int(n) for new, n in row.items()} for logged, row in self.confusion.iterrows()},
            "moves": None if self.moves is None else asdict(self.moves),
        }
        for name in ("concentration", "biggest", "failures", "skips"):
            doc[name] = _records(getattr(self, name))
        return doc


def replay(engine: Engine, client: MDSClient, model: ModelRef, target: ModelRef, *, start: datetime,
           end: datetime | None = None, limit: int | None = None, tolerance: float = DEFAULT_TOLERANCE,
           top: int = DEFAULT_TOP, batch_size: int = DEFAULT_BATCH_SIZE, workers: int = DEFAULT_WORKERS,
           include_workbench: bool = True, progress: ProgressCallback | None = None,
           should_stop: ShouldStop | None = None) -> ReplayResult:
    """Send the calls logged for ``model`` in ``[start, end)`` (the newest ``limit``) to ``target`` and compare.

    Raises ``TargetUnavailable`` when the target does not answer (before anything is sent, or when it stops
    answering for ``RETRY_FOR_S``), ``NothingToReplay`` when no logged call in the window can be sent.
    """
    started = time.perf_counter()
    end = end or datetime.now(UTC)
    name = target_name(target)
    answering = client.status(target)
    if answering.status != "ready":
        raise TargetUnavailable(f"{name} is not answering at {target.predict_url} ({answering.status_reason}).")
    schema = client.schema(target)
    window = f"between {when(start)} and {when(end)} UTC"
    in_window = sum(n for _, n in window_counts(engine, model.name, start, end, max((end - start).total_seconds(), 1.0),
                                                include_workbench=include_workbench))
    parts = replay_calls(engine, model.name, start, end, limit=limit, include_workbench=include_workbench,
                         part_rows=CHUNK_ROWS)
    first = next(parts, [])
    if not first:
        raise NothingToReplay(f"Nothing to replay: no call to '{model.name}' was logged {window}.")
    logged = _LoggedParts(chain([first], parts), schema, kind=answer_kind(schema, first),
                          columns=input_columns(schema, first))
    total = in_window if limit is None else min(in_window, limit)
    try:
        answers, cancelled = _score(client, target, schema, logged.frames(), name, total=total,
                                    batch_size=batch_size, workers=workers, progress=progress, should_stop=should_stop)
    finally:
        parts.close()  # a cancelled or failed replay leaves the rest unread: the read's connection goes back now
    skips = _reason_table(logged.skipped)
    if logged.sent == 0:
        raise NothingToReplay(f"Nothing to replay: none of the {logged.logged} calls to '{model.name}' logged "
                              f"{window} can be sent again ({skips['reason'].iloc[0]}).")

    kind = logged.kind
    calls, inputs = logged.joined(len(answers))
    rows = _compared(kind, calls, answers, tolerance)
    ok = (rows["error"] == "").to_numpy()
    changed = rows["changed"].to_numpy(dtype=bool)
    answered_rows = rows[ok]
    return ReplayResult(
        model=model.name, target=name, target_url=target.predict_url, kind=kind, start=start, end=end,
        logged=logged.logged, limited=limit is not None and in_window > limit, replayed=len(rows),
        answered=int(ok.sum()), failed=int((~ok).sum()), skipped=len(logged.skipped), changed=int(changed.sum()),
        changed_share=float(changed.sum() / ok.sum()) if ok.any() else 0.0, tolerance=tolerance,
        confusion=confusion(answered_rows["logged"], answered_rows["replayed"], schema.class_names)
        if kind == CLASS else None,
        moves=value_moves(answered_rows["logged"], answered_rows["replayed"], tolerance) if kind != CLASS else None,
        concentration=concentration(inputs[ok].reset_index(drop=True), changed[ok], feature_kinds(schema, inputs)),
        biggest=_biggest(rows, inputs, top),
        rows=pd.concat([rows, inputs], axis=1),
        failures=_reason_table(list(zip(rows.loc[~ok, "request_id"], rows.loc[~ok, "error"], strict=True))),
        skips=skips, elapsed_s=time.perf_counter() - started, cancelled=cancelled,
    )


class _LoggedParts:
    """The logged calls, read part by part: each part's sendable rows go to the scorer while the next is read.

    Keeps what the comparison needs afterwards: each sent row's call and inputs, and every skipped call."""

    def __init__(self, parts: Iterator[list[LoggedRow]], schema: ModelSchema, *, kind: str,
                 columns: list[str]) -> None:
        self._parts, self._schema, self.kind, self.columns = parts, schema, kind, columns
        self.calls: list[pd.DataFrame] = []
        self.inputs: list[pd.DataFrame] = []
        self.skipped: list[tuple[str, str]] = []
        self.logged = 0
        self.sent = 0

    def frames(self) -> Iterator[pd.DataFrame]:
        for part in self._parts:
            self.logged += len(part)
            rows = read_logged(part, self.columns, self.kind, self._schema)
            self.skipped.extend(rows.skipped)
            if rows.inputs.empty:
                continue
            self.calls.append(rows.calls)
            self.inputs.append(rows.inputs)
            self.sent += len(rows.inputs)
            yield rows.inputs

    def joined(self, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The first ``n`` sent rows' calls and inputs (all of them unless the replay was cancelled)."""
        calls = pd.concat(self.calls, ignore_index=True).iloc[:n]
        inputs = pd.concat(self.inputs, ignore_index=True).iloc[:n].reset_index(drop=True)
        return calls, inputs


def target_name(ref: ModelRef) -> str:
    return f"{ref.name}@{ref.version}" if ref.version else ref.name


class AnswerSink(OutputSink):
    """The scored chunks kept in memory, answer columns only: a replay writes no file and resumes nothing."""

    name = "memory"

    def __init__(self, inputs: list[str]) -> None:
        self._inputs = set(inputs)
        self.frames: list[pd.DataFrame] = []

    def begin(self, *, resume: bool) -> Checkpoint | None:
        return None

    def write(self, frame: pd.DataFrame, checkpoint: Checkpoint) -> None:
        self.frames.append(frame.drop(columns=[c for c in frame.columns if c in self._inputs]))

    def frame(self) -> pd.DataFrame:
        return pd.concat(self.frames, ignore_index=True) if self.frames else pd.DataFrame(columns=["error"])


def _score(client: MDSClient, target: ModelRef, schema: ModelSchema, frames: Iterator[pd.DataFrame], name: str, *,
           total: int, batch_size: int, workers: int, progress: ProgressCallback | None,
           should_stop: ShouldStop | None) -> tuple[pd.DataFrame, bool]:
    """The target's answers in input order (``prediction``, ``confidence``, ``p(<class>)``, ``error``)."""
    # A new version may raise on rows the old one answered: those rows fail with the model's reason, and the
    # replay goes on (split_model_failures), where a batch job would wait for the server to recover.
    scorer = BatchScorer(client, target, schema, batch_size=batch_size, workers=workers, chunk_rows=CHUNK_ROWS,
                         retry_for_s=RETRY_FOR_S, split_model_failures=True)
    sink = AnswerSink(schema.table_columns())
    try:
        result = scorer.score_chunks(frames, sink, total=total, progress=progress, should_stop=should_stop)
    except RequestError as exc:
        raise TargetUnavailable(f"{name} stopped answering during the replay: {exc.message}") from None
    return sink.frame(), result.cancelled


def _compared(kind: str, calls: pd.DataFrame, answers: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """The logged calls with the target's answers, whether each changed and by how much."""
    rows = calls.reset_index(drop=True).copy()
    n = len(rows)
    rows["replayed"] = answers["prediction"].to_numpy() if "prediction" in answers else [None] * n
    rows["replayed_confidence"] = (answers["confidence"].to_numpy(dtype=float) if "confidence" in answers
                                   else np.full(n, np.nan))
    rows["error"] = answers["error"].fillna("").astype(str).to_numpy() if n else []
    ok = (rows["error"] == "").to_numpy()
    changed = np.zeros(n, dtype=bool)
    size = np.full(n, np.nan)
    if ok.any():
        mine = rows[ok]
        changed[ok] = changed_rows(kind, mine["logged"], mine["replayed"], tolerance)
        taken = _probability_of(answers[ok], mine["logged"]) if kind == CLASS else None
        size[ok] = change_size(kind, mine["logged"], mine["replayed"], mine["logged_confidence"], taken)
    if kind == CLASS:
        rows["replayed"] = class_text(rows["replayed"]).where(ok, None)
    rows["changed"] = changed
    rows["change"] = np.where(changed, size, 0.0)
    return rows


def _probability_of(answers: pd.DataFrame, labels: pd.Series) -> pd.Series | None:
    """Per row, the probability the target gives the logged class (None when it gives no probabilities)."""
    columns = [c for c in answers.columns if str(c).startswith("p(") and str(c).endswith(")")]
    if not columns:
        return None
    position = {str(c)[2:-1]: j for j, c in enumerate(columns)}
    matrix = answers[columns].to_numpy(dtype=float)
    picks = [position.get(str(label), -1) for label in labels]
    values = [matrix[i, j] if j >= 0 else np.nan for i, j in enumerate(picks)]
    return pd.Series(values, index=labels.index)


def _biggest(rows: pd.DataFrame, inputs: pd.DataFrame, top: int) -> pd.DataFrame:
    changed = rows["changed"].to_numpy(dtype=bool)
    picked = rows[changed].sort_values("change", ascending=False, na_position="last", kind="stable").head(top)
    shown = picked[["request_id", "row_index", "source", "time", "logged", "replayed", "change",
                    "replayed_confidence"]]
    return pd.concat([shown, inputs.loc[picked.index]], axis=1).reset_index(drop=True)


def _reason_table(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """(request id, reason) pairs as reason, rows, an example request id; the most frequent first."""
    if not pairs:
        return pd.DataFrame(columns=REASON_COLUMNS)
    frame = pd.DataFrame(pairs, columns=["example_request_id", "reason"])
    table = frame.groupby("reason", sort=False).agg(rows=("reason", "size"),
                                                    example_request_id=("example_request_id", "first"))
    table = table.reset_index().sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)
    return table[REASON_COLUMNS]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return orjson.loads(frame.to_json(orient="records", date_format="iso")) if not frame.empty else []
