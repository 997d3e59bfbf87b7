"""A job writing into a database table keeps the inference parameters it sent (``<table>__job``), so that its
resume is checked as a file job's is: the same values resume, other ones are refused naming the recorded ones."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect

from mds_client.batch.checks import check_resumed_parameters
from mds_client.batch.output import open_output
from mds_client.errors import InputError

CHOSEN = {"cutoff": 5.5, "rain_unit": "in"}


def chunk(first: int, n: int) -> pd.DataFrame:
    return pd.DataFrame({"size": [float(i) for i in range(first, first + n)], "prediction": ["gold"] * n})


def checkpoint(done: int, parameters: dict | None) -> dict:
    return {"rows_done": done, "rows_scored": done, "rows_rejected": 0, "columns": ["size", "prediction"],
            "reasons": {}, **({"parameters": parameters} if parameters is not None else {})}


def test_the_parameters_sent_are_kept_until_the_job_ends(tmp_path):
    url = f"sqlite:///{tmp_path / 'results.db'}"
    sink = open_output(f"{url}::scores")
    assert sink.begin(resume=False) is None
    sink.write(chunk(1, 5), checkpoint(5, CHOSEN))
    sink.close()

    again = open_output(f"{url}::scores")
    recorded = again.checkpoint()
    assert recorded["rows_done"] == 5 and recorded["parameters"] == CHOSEN
    check_resumed_parameters(recorded, dict(CHOSEN))  # the same values resume
    for other, said in (({**CHOSEN, "cutoff": 6.0}, "not cutoff=6.0, rain_unit=in"),
                        ({}, "not the model's default parameters")):
        with pytest.raises(InputError) as refused:
            check_resumed_parameters(recorded, other)
        assert refused.value.message.startswith("The unfinished job was scored with cutoff=5.5, rain_unit=in")
        assert said in refused.value.message

    assert again.begin(resume=True)["parameters"] == CHOSEN
    again.write(chunk(6, 5), checkpoint(10, CHOSEN))  # a later chunk leaves the record as it was
    assert again.checkpoint()["parameters"] == CHOSEN
    again.finish()  # the job is done: nothing to resume, its record goes; the results stay
    tables = set(inspect(create_engine(url)).get_table_names())
    assert tables == {"scores"}
    assert len(pd.read_sql_table("scores", create_engine(url))) == 10


def test_a_job_with_the_default_parameters_refuses_a_resume_with_others(tmp_path):
    url = f"sqlite:///{tmp_path / 'results.db'}::scores"
    sink = open_output(url)
    sink.begin(resume=False)
    sink.write(chunk(1, 3), checkpoint(3, {}))
    with pytest.raises(InputError, match=r"scored with the model's default parameters, not cutoff=6\.0"):
        check_resumed_parameters(open_output(url).checkpoint(), {"cutoff": 6.0})


def test_a_table_from_before_parameters_were_kept_resumes_unchecked(tmp_path):
    url = f"sqlite:///{tmp_path / 'results.db'}::scores"
    sink = open_output(url)
    sink.begin(resume=False)
    sink.write(chunk(1, 3), checkpoint(3, None))  # no parameters in the checkpoint: no record is written
    recorded = open_output(url).checkpoint()
    assert "parameters" not in recorded
    check_resumed_parameters(recorded, {"cutoff": 6.0})
