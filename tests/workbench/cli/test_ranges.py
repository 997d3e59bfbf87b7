"""``mds predict`` on a shifted file: rows outside the observed range are scored; a run that
scores no row exits non-zero (it used to print "0 rows scored, 40 rejected" and exit 0)."""

from __future__ import annotations

import pandas as pd

from workbench.cli import main


def test_a_shifted_file_is_scored_and_a_run_that_scores_nothing_fails(capsys, catalog_path, refs, tmp_path):
    frame = pd.read_csv(refs["wine"].sample_data).head(40)
    frame["alcohol"] = 15.2  # above the 14.83 seen in training: an observed range, not a limit
    shifted, out = tmp_path / "shifted.csv", tmp_path / "out.csv"
    frame.to_csv(shifted, index=False)
    code = main(["--catalog", str(catalog_path), "predict", "wine", "--input", str(shifted), "--output", str(out),
                 "--quiet", "--no-store"])
    assert code == 0 and "40 rows scored, 0 rejected" in capsys.readouterr().out
    frame["alcohol"] = "strong"
    frame.to_csv(shifted, index=False)
    code = main(["--catalog", str(catalog_path), "predict", "wine", "--input", str(shifted), "--output", str(out),
                 "--quiet", "--no-store"])
    captured = capsys.readouterr()
    assert code == 1 and "0 rows scored, 40 rejected" in captured.out
    assert "no row was scored" in captured.err
