"""Inference parameters on every batch path: a Dask job sends them with every row, and a resume (one process or
Dask) sends what the unfinished job was scored with or is refused, naming the recorded values.

Against the real MLflow server, MLServer with ``mlserver-mlflow`` and a ``distributed.LocalCluster``; the model is
the test's own (``mlflow_models.py``: a grade moved by a ``cutoff`` param).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mds_client.batch import score_file
from mds_client.batch.dask_scoring import score_with_dask
from mds_client.batch.output import progress_path
from mds_client.errors import InputError
from tests.workbench.publish.test_publish_mlflow import (  # noqa: F401 - module fixtures, shared
    CHOSEN_TEXT,
    cases,
    expected,
    published_cutoff,
    registry,
)
from workbench.cli import main as mds

pytestmark = pytest.mark.server
RECORDED = "The unfinished job was scored with cutoff=5.5, rain_unit=in"


def test_a_dask_job_sends_the_params_with_every_row_and_its_resume_must_send_the_same(
        cases, publish_server, registry, client, dask_cluster, tmp_path):  # noqa: F811
    ref, schema = published_cutoff(cases, publish_server, registry, client, "ml-cutoff-dask")
    rows = pd.read_csv(cases / "rows.csv")
    (tmp_path / "in").mkdir()
    rows.iloc[:12].to_csv(tmp_path / "in" / "rows-0.csv", index=False)
    rows.iloc[12:].to_csv(tmp_path / "in" / "rows-1.csv", index=False)
    glob, out = str(tmp_path / "in" / "rows-*.csv"), tmp_path / "out"

    result = score_with_dask(glob, ref, schema, out, client=dask_cluster, batch_size=5, parameters=CHOSEN_TEXT)
    assert (result.partitions, result.rows_scored) == (2, len(rows))
    scored = pd.concat([pd.read_csv(p) for p in sorted(out.glob("part-*.csv"))], ignore_index=True)
    assert scored["prediction"].tolist() == expected(cases, "cutoff-chosen") != expected(cases, "cutoff")
    assert json.loads((out / "part-00000.csv.done.json").read_text())["parameters"] == {"cutoff": 5.5,
                                                                                         "rain_unit": "in"}

    for other, said in (({"cutoff": "6"}, "not cutoff=6.0"), ({}, "not the model's default parameters")):
        with pytest.raises(InputError) as refused:
            score_with_dask(glob, ref, schema, out, client=dask_cluster, resume=True, parameters=other)
        assert str(refused.value.message).startswith(RECORDED) and said in refused.value.message
    again = score_with_dask(glob, ref, schema, out, client=dask_cluster, resume=True,
                            parameters={"cutoff": "5.50", "rain_unit": "in"})
    assert again.partitions_skipped == 2

    # without params: the model's own answers, row for row as one process scores them
    plain = score_with_dask(glob, ref, schema, tmp_path / "plain.csv", client=dask_cluster, batch_size=5)
    assert pd.read_csv(plain.output)["prediction"].tolist() == expected(cases, "cutoff")
    with pytest.raises(InputError, match=r"Parameter 'cutoff': 'soon' is not a double value"):
        score_with_dask(glob, ref, schema, tmp_path / "never", client=dask_cluster, parameters={"cutoff": "soon"})
    assert not (tmp_path / "never").exists()  # refused before the output or the cluster was touched


def test_mds_predict_dask_takes_param_options(cases, publish_server, registry, client, tmp_path,  # noqa: F811
                                              capsys):
    published_cutoff(cases, publish_server, registry, client, "ml-cutoff-dask-cli")
    out = tmp_path / "scored.csv"
    code = mds(["--catalog", str(publish_server.home / "catalog.yaml"), "predict", "ml-cutoff-dask-cli", "--input",
                str(cases / "rows.csv"), "--output", str(out), "--no-store", "--quiet", "--dask", "local",
                "--dask-workers", "1", "--param", "cutoff=5.5", "--param", "rain_unit=in"])
    assert code == 0, capsys.readouterr()
    assert pd.read_csv(out)["prediction"].tolist() == expected(cases, "cutoff-chosen")


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_resume_sends_the_params_its_checkpoint_recorded_and_refuses_others(
        cases, publish_server, registry, client, tmp_path, capsys, suffix):  # noqa: F811
    ref, schema = published_cutoff(cases, publish_server, registry, client, "ml-cutoff-resume")
    out = tmp_path / f"scored.{suffix}"
    stopped = score_file(client, ref, schema, cases / "rows.csv", out, parameters=CHOSEN_TEXT, batch_size=5,
                         chunk_rows=5, should_stop=lambda: True)
    assert stopped.cancelled and stopped.rows_total == 5
    assert json.loads(progress_path(out).read_text())["parameters"] == {"cutoff": 5.5, "rain_unit": "in"}

    for other, said in (({"cutoff": "6"}, "not cutoff=6.0, rain_unit=in"), ({}, "not the model's default")):
        with pytest.raises(InputError) as refused:
            score_file(client, ref, schema, cases / "rows.csv", out, parameters={**CHOSEN_TEXT, **other} if other
                       else {}, resume=True)
        assert refused.value.message.startswith(RECORDED) and said in refused.value.message
        assert "--param" in refused.value.hint
    assert progress_path(out).exists()  # the unfinished job is kept for a resume with the right values

    catalog, name = str(publish_server.home / "catalog.yaml"), "ml-cutoff-resume"
    capsys.readouterr()
    code = mds(["--catalog", catalog, "predict", name, "--input", str(cases / "rows.csv"), "--output", str(out),
                "--no-store", "--resume", "--param", "cutoff=6"])
    assert code != 0 and RECORDED in capsys.readouterr().err
    code = mds(["--catalog", catalog, "predict", name, "--input", str(cases / "rows.csv"), "--output", str(out),
                "--no-store", "--quiet", "--resume", "--param", "cutoff=5.50", "--param", "rain_unit=in"])
    assert code == 0, capsys.readouterr()
    done = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
    assert done["prediction"].tolist() == expected(cases, "cutoff-chosen")
