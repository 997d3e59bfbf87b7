"""``mds predict`` into a database table and on a Dask LocalCluster, through the command's own parser."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text

from workbench.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _files(refs, tmp_path: Path, n: int) -> pd.DataFrame:
    frame = pd.read_csv(refs["tips"].sample_data)
    frame.insert(0, "row_id", range(len(frame)))
    size = -(-len(frame) // n)
    for i in range(n):
        frame.iloc[i * size:(i + 1) * size].to_csv(tmp_path / f"tips-{i}.csv", index=False)
    return frame


def test_predict_into_a_table_then_resume_says_nothing_is_lost(capsys, catalog_path, refs, tmp_path):
    frame = _files(refs, tmp_path, 1)
    url = f"sqlite:///{tmp_path / 'r.db'}::scores"
    code, out, err = run(capsys, "--catalog", str(catalog_path), "predict", "tips", "--input",
                         str(tmp_path / "tips-0.csv"), "--output", url, "--quiet", "--no-store")
    assert code == 0 and f"{len(frame)} rows scored" in out and "scores" in out, err
    with create_engine(f"sqlite:///{tmp_path / 'r.db'}").connect() as conn:
        rows = conn.execute(text("SELECT input_row, row_id FROM scores ORDER BY input_row")).all()
    assert [r.row_id for r in rows] == list(range(len(frame)))
    code, _, err = run(capsys, "--catalog", str(catalog_path), "predict", "tips", "--input",
                       str(tmp_path / "tips-0.csv"), "--output", url, "--quiet", "--no-store")
    assert code == 1 and "already holds" in err and "Resume" in err


def test_predict_with_dask_local_joins_the_partitions_in_input_order(capsys, catalog_path, refs, tmp_path):
    frame = _files(refs, tmp_path, 3)
    out_file = tmp_path / "out.csv"
    code, out, err = run(capsys, "--catalog", str(catalog_path), "predict", "tips", "--input",
                         str(tmp_path / "tips-*.csv"), "--output", str(out_file), "--dask", "local",
                         "--dask-workers", "2", "--quiet", "--no-store")
    assert code == 0 and f"{len(frame)} rows scored, 0 rejected" in out, err
    assert pd.read_csv(out_file)["row_id"].tolist() == list(range(len(frame)))


def test_dask_without_an_output_is_refused_plainly(capsys, catalog_path, tmp_path):
    code, _, err = run(capsys, "--catalog", str(catalog_path), "predict", "tips", "--input", str(tmp_path / "*.csv"),
                       "--dask", "local")
    assert code == 1 and "--dask needs --output" in err


def test_the_scale_modules_import_their_heavy_libraries_only_when_used():
    import subprocess
    import sys

    code = ("import sys, mds_client.batch.scorer, mds_client.batch.output, mds_client.batch.dask_scoring;"
            "print(sorted(m for m in ('sqlalchemy', 'distributed', 'dask', 'tenacity', 'fsspec', 'workbench')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[3])
    assert out.stdout.strip() == "[]"
    code = ("import sys, workbench.cli.predict_scale;"
            "print(sorted(m for m in ('distributed', 'dask', 'fsspec') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[3])
    assert out.stdout.strip() == "[]"


def test_rows_scored_on_dask_are_logged_by_the_workers_into_a_file_or_a_folder(capsys, catalog_path, refs, tmp_path,
                                                                             monkeypatch):
    from workbench.settings import get_settings
    from workbench.store import batch_log, open_store, session_scope
    from workbench.store.tables import BatchLogChunk

    url = f"sqlite:///{tmp_path / 'wb.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        frame = _files(refs, tmp_path, 2)
        out_file, out_dir = tmp_path / "out.csv", tmp_path / "scored"
        for output in (out_file, out_dir):
            argv = ["--catalog", str(catalog_path), "predict", "tips", "--input", str(tmp_path / "tips-*.csv"),
                    "--output", str(output), "--dask", "local", "--dask-workers", "2", "--quiet"]
            code, out, err = run(capsys, *argv)
            assert code == 0 and f"{len(frame)} rows scored" in out and "not logged" not in err, err
        engine = open_store(url)
        with session_scope(engine) as session:
            runs = {o: r for r, o in session.query(BatchLogChunk.run_id, BatchLogChunk.output).distinct()}
        assert set(runs) == {str(out_file), str(out_dir)}
        logged = batch_log.run_frame(engine, runs[str(out_file)])
        assert logged["row"].tolist() == list(range(1, len(frame) + 1))
        assert logged["request_id"].tolist() == pd.read_csv(out_file)["request_id"].tolist()
        in_folder = pd.concat([pd.read_csv(p) for p in sorted(out_dir.glob("part-*.csv"))], ignore_index=True)
        assert batch_log.run_frame(engine, runs[str(out_dir)])["request_id"].tolist() == in_folder["request_id"].tolist()
    finally:
        get_settings.cache_clear()
