"""The model repository our MLServers use (embedded_mds/served/model_repository.py), in MLServer's own environment:
it lists what MLServer's own repository lists, sees a changed, new or removed model-settings.json at once, and
parses an unchanged one only once."""

from __future__ import annotations

import json
import subprocess

from embedded_mds.layout import mlserver_python
from embedded_mds.server_specs import mlserver_settings
from workbench.paths import REPO_ROOT

SCRIPT = r'''
import asyncio, json, os, sys
from pathlib import Path
from mlserver.repository import SchemalessModelRepository
from embedded_mds.served import model_repository
from embedded_mds.served.model_repository import CachedModelRepository

root = Path(sys.argv[1])
parsed = []
real = model_repository.load_model_settings
def counting(path):
    parsed.append(Path(path).parent.name)
    return real(path)
model_repository.load_model_settings = counting

def put(name, version, description):
    folder = root / name / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model-settings.json").write_text(json.dumps({"name": name, "parameters": {"version": version},
        "implementation": "mlserver_sklearn.SKLearnModel", "platform": description}))

def seen(found):
    return sorted((s.name, s.parameters.version, s.platform) for s in found)

async def main():
    ours, theirs = CachedModelRepository(str(root)), SchemalessModelRepository(str(root))
    put("orchard", "1", "first"); put("orchard", "2", "second"); put("cellar", "1", "wine")
    out = {"first": seen(await ours.list()), "same_as_mlserver": seen(await ours.list()) == seen(await theirs.list()),
           "parsed_twice": sorted(parsed)}
    parsed.clear()
    put("orchard", "2", "second, edited at length"); put("cellar", "2", "new"); os.remove(root / "orchard/1/model-settings.json")
    (root / "broken").mkdir(); (root / "broken/model-settings.json").write_text("{not json")
    out["after"] = seen(await ours.list())
    out["parsed_after"] = sorted(parsed)
    found = await ours.find("orchard")
    found[0].platform = "changed by the caller"
    out["copies"] = seen(await ours.find("orchard"))
    print(json.dumps(out))
asyncio.run(main())
'''


def test_lists_what_changed_and_parses_the_rest_once(tmp_path):
    done = subprocess.run([str(mlserver_python()), "-c", SCRIPT, str(tmp_path)], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["first"] == [["cellar", "1", "wine"], ["orchard", "1", "first"], ["orchard", "2", "second"]]
    assert out["same_as_mlserver"]
    assert out["parsed_twice"] == ["1", "1", "2"]  # three files, each parsed once over two listings
    assert out["after"] == [["cellar", "1", "wine"], ["cellar", "2", "new"], ["orchard", "2", "second, edited at length"]]
    assert out["parsed_after"] == ["2", "2", "broken"]  # the edited and the new file, and the broken one (skipped)
    assert out["copies"] == [["orchard", "2", "second, edited at length"]]


def test_every_mlserver_we_start_uses_it():
    settings = mlserver_settings("127.0.0.1", 1, 2, 3)
    assert settings["model_repository_implementation"] == "embedded_mds.served.model_repository.CachedModelRepository"
