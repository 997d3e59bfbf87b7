"""Start the embedded MDS for a benchmark: free ports, a throwaway home, stopped at exit."""

from __future__ import annotations

import atexit
import sys
import tempfile
from pathlib import Path

from embedded_mds.ports import LocalPorts

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def start_local_mds(**kwargs):
    from embedded_mds import local_mds

    home = Path(tempfile.mkdtemp(prefix="mds-bench-"))
    kwargs.setdefault("alibi", False)  # a caller may ask for the alibi servers (explain_anchor.py does)
    kwargs.setdefault("mlflow", False)  # the registry costs ~13 s and ~435 MB; no bench here publishes
    running = local_mds.up(home, LocalPorts.free(), **kwargs)
    atexit.register(local_mds.down, home)
    return running
