"""Feedback by request id on a row of a logged batch job reaches the real seldon-core server once.

The row lives in the batch log (a chunk file), not the prediction table: ``mds feedback --row``
makes its prediction row then, once; the seldon-core microservice's own metrics count the calls.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.workbench.feedback.test_outbox import read_metric
from workbench.cli import main
from workbench.settings import get_settings
from workbench.store import PredictionRow, open_store, session_scope


@pytest.fixture()
def store_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_USER", "eve")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_feedback_on_a_batch_logged_row_reaches_seldon_exactly_once(capsys, catalog_path, refs, local_mds, tmp_path,
                                                                    store_url):
    server = next(s for s in local_mds.servers if s["name"] == "wine-v1")
    metrics = f"http://127.0.0.1:{server['ports']['metrics']}/metrics"
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.concat([pd.read_csv(refs["wine-v1"].sample_data)] * 10, ignore_index=True).to_csv(source, index=False)
    assert main(["--catalog", str(catalog_path), "predict", "wine-v1", "--input", str(source), "--output",
                 str(output), "--quiet", "--batch-size", "40"]) == 0
    capsys.readouterr()
    out = pd.read_csv(output, keep_default_na=False)
    engine = open_store(store_url)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(PredictionRow)) == 0  # logged in the batch log only
    row = 57
    request_id, said = out.loc[row - 1, "request_id"], out.loc[row - 1, "prediction"]
    assert (out["request_id"] == request_id).sum() == 40
    before = read_metric(metrics)
    code = main(["--catalog", str(catalog_path), "feedback", "wine-v1", "--request-id", request_id, "--truth", said])
    assert code == 1 and "names 40 rows" in capsys.readouterr().err  # ambiguous without --row: nothing made
    code = main(["--catalog", str(catalog_path), "feedback", "wine-v1", "--request-id", request_id,
                 "--row", str(row), "--truth", said])
    text = capsys.readouterr().out
    assert code == 0 and "delivered to wine-v1" in text and "correct" in text
    assert main(["--catalog", str(catalog_path), "feedback", "--retry-pending"]) == 0
    assert read_metric(metrics) - before == 1  # reward 1 for a correct answer; sent once, not again
    with session_scope(engine) as session:
        made = session.scalars(select(PredictionRow)).all()
        assert len(made) == 1 and made[0].request_id == request_id and made[0].outputs["row"] == row
        assert made[0].source == "cli" and made[0].inputs["alcohol"] == pytest.approx(out.loc[row - 1, "alcohol"])
    # The same row asked again finds the prediction row made the first time.
    from workbench.store.feedback import find_prediction

    assert find_prediction(engine, "wine-v1", request_id, row) == made[0].id
