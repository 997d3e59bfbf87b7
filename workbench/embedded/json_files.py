"""Write the JSON files of the MDS home (settings, metadata, stamps, state.json).

Every file is written to a sibling ``.tmp`` first and renamed, so that a server or a reader never
sees half a file; the format is two-space indented JSON with a trailing newline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)
