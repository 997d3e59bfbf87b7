"""Publishing a class written to Seldon Core's Python-wrapper template, against real peers: the check in the
seldon-core environment, an MLflow registry, and a Seldon Core v1 microservice per version.

The template wraps a pipeline trained here on mixed column types (a string category, integers, floats) with string
class names, saved with joblib beside the .py and loaded in ``load()`` from the working directory. Two versions are
published once for the module (each start of a microservice costs seconds); every version must answer through the
workbench's client exactly as the class answers the same rows in this process.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import requests
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from embedded_mds import local_mds
from embedded_mds.layout import seldon_python
from embedded_mds.ports import LocalPorts
from mds_client import ModelRef, load_catalog
from mds_client.registry import MlflowRegistry
from mds_client.schema import FeatureKind
from tests.deploy.seldon_crds import problems
from tests.workbench.publish.test_publish import classifier, orchard
from workbench.cli import main as mds
from workbench.cli.publish import write_manifests
from workbench.publish import Published, PublishError, PublishRequest, ServingTarget, promote, publish
from workbench.publish.template_files import folder_upload
from workbench.settings import get_settings

pytestmark = pytest.mark.server

NAME = "orchard-tpl"
CLASSES = ["juice", "premium", "standard"]
GRADER = '''\
import joblib
import numpy as np
import pandas as pd

KINDS = {"variety": str, "age_years": int, "rainfall_mm": float}


class Grader:
    """Seldon Core's Python wrapper template, as a researcher fills it in."""

    def __init__(self):
        self.model = None

    def load(self):
        self.model = joblib.load("model.joblib")  # from the working directory, as in a Seldon model image
        self.class_names = [str(c) for c in self.model.classes_]

    def predict(self, X, FEATURES):
        frame = pd.DataFrame(np.asarray(X, dtype=object), columns=FEATURES).astype(KINDS)
        return self.model.predict_proba(frame)
'''
# version 1 declares metadata() (which the workbench serves), version 2 init_metadata() (which seldon-core serves);
# they name predict's second argument each way the template is written
V1 = GRADER.replace("FEATURES", "features_names") + '''
    def metadata(self):
        return {"platform": "orchard-lab", "custom": {"team": "fruit"}}
'''
V2 = GRADER.replace("FEATURES", "feature_names") + '''
    def init_metadata(self):
        return {"name": "grader", "platform": "orchard-lab-2"}


class Baseline:
    """A second class with predict: publishing this file needs --class."""

    def predict(self, X, features_names):
        return np.zeros((len(X), 3))
'''


@dataclass
class Versions:
    home: Path
    frame: pd.DataFrame
    other: pd.DataFrame
    first: object
    second: object
    folders: dict[str, Path]
    published: dict[str, Published]

    @property
    def target(self) -> ServingTarget:
        return ServingTarget(self.home, "http://127.0.0.1:9")  # templates never use the MLServer

    def entry(self) -> ModelRef:
        return next(r for r in load_catalog(self.home / "catalog.yaml") if r.name == NAME)


def template_folder(folder: Path, source: str, model) -> Path:
    folder.mkdir(parents=True)
    (folder / "grader.py").write_text(source)
    joblib.dump(model, folder / "model.joblib")
    return folder


def zipped_under_a_root(folder: Path) -> bytes:
    """The folder as `zip -r grader.zip grader-v2/` packs it: every path under one root folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, f"{folder.name}/{path.name}")
    return buffer.getvalue()


def wire_rows(rows: pd.DataFrame) -> np.ndarray:
    """What Seldon's wrapper hands predict for these rows sent as data.ndarray: one numpy array (of strings)."""
    return np.array(json.loads(json.dumps(rows.astype(object).values.tolist())))


def in_process(folder: Path, rows: pd.DataFrame, class_name: str = "Grader") -> np.ndarray:
    """The template's own answer, its class imported and loaded in this process."""
    spec = importlib.util.spec_from_file_location(f"grader_{folder.name.replace('-', '_')}", folder / "grader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with contextlib.chdir(folder):
        template = getattr(module, class_name)()
        template.load()
    return template.predict(wire_rows(rows), list(rows.columns))


@pytest.fixture(scope="module")
def registry(mlflow_registry):
    client = MlflowRegistry(mlflow_registry.url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def versions(tmp_path_factory, registry, client) -> Versions:
    """Versions 1 (a folder) and 2 (a .zip, --class) of one template, each served as its own microservice."""
    home = tmp_path_factory.mktemp("template-home")
    (home / "state.json").write_text(json.dumps({"version": 1, "home": str(home), "servers": []}))
    work = tmp_path_factory.mktemp("templates")
    frame, grade = orchard(seed=31)
    other, _ = orchard(n=40, seed=33)
    first = classifier(frame, grade)
    second = make_pipeline(first.steps[0][1], LogisticRegression(C=0.005, max_iter=500)).fit(frame, grade)
    assert list(first.predict(other)) != list(second.predict(other))  # the two versions must be told apart
    folders = {"1": template_folder(work / "grader", V1, first), "2": template_folder(work / "grader-v2", V2, second)}
    data, file_name = folder_upload(folders["1"])
    target = ServingTarget(home, "http://127.0.0.1:9")
    done = {"1": publish(PublishRequest(NAME, data, file_name, frame, description="Grades a crop (template).",
                                        descriptions={"rainfall_mm": "Rain over the season."}),
                         registry=registry, target=target, user="ada", transport=client.transport)}
    done["2"] = publish(PublishRequest(NAME, zipped_under_a_root(folders["2"]), "grader-v2.zip", frame,
                                       template_class="Grader"),
                        registry=registry, target=target, user="ida", transport=client.transport)
    yield Versions(home, frame, other, first, second, folders, done)
    local_mds.down(home)


def test_a_template_is_checked_registered_served_and_answers_as_in_process(versions, registry, client):
    done = versions.published["1"]
    assert (done.version, done.new_model, done.kind) == ("1", True, "Grader (Seldon template)")
    entry = versions.entry()
    assert (entry.protocol, entry.version, entry.versions) == ("seldon", "1", ("1", "2"))
    assert entry.endpoint == entry.version_urls["1"] and done.endpoint == f"{entry.endpoint}/api/v1.0/predictions"
    rows = versions.other
    schema = client.schema(entry)
    assert schema.messagetype == "ndarray"  # what the microservice's metadata says it takes
    assert schema.feature("variety").kind == FeatureKind.CATEGORY
    assert schema.feature("variety").categories == ("bramley", "cox", "gala")
    assert schema.feature("age_years").kind == FeatureKind.INTEGER
    assert schema.feature("rainfall_mm").description == "Rain over the season."
    prediction = client.predict(entry, rows, schema)
    np.testing.assert_allclose(prediction.proba_matrix, in_process(versions.folders["1"], rows), rtol=1e-12)
    assert list(prediction.proba_names) == CLASSES
    assert list(prediction.labels) == list(versions.first.predict(rows))

    metadata = requests.get(f"{entry.endpoint}/api/v1.0/metadata", timeout=5).json()
    assert metadata["platform"] == "orchard-lab" and metadata["custom"] == {"team": "fruit"}  # from metadata()
    assert metadata["inputs"][0]["schema"]["names"] == ["variety", "age_years", "rainfall_mm"]
    version = registry.version(NAME, "1")
    assert version.tags["mds.model_kind"] == "seldon-template" and version.published_by == "ada"
    run = registry.run(version.run_id)
    assert registry.download(run, "model/grader.py").decode() == V1
    assert joblib.load(io.BytesIO(registry.download(run, "model/model.joblib"))).predict(rows).tolist() \
        == list(versions.first.predict(rows))
    assert json.loads(registry.download(run, "model/seldon-template.json"))["class"] == "Grader"
    assert pd.read_csv(io.BytesIO(registry.download(run, "reference/reference.csv"))).shape == versions.frame.shape
    servers = {s["name"]: s for s in json.loads((versions.home / "state.json").read_text())["servers"]}
    assert {f"{NAME}@1", f"{NAME}@2"} <= set(servers) and servers[f"{NAME}@1"]["url"] == entry.endpoint


def test_a_second_version_answers_beside_the_first_at_its_own_url(versions, client, tmp_path, capsys):
    done = versions.published["2"]
    assert (done.version, done.new_model, done.served) == ("2", False, ("1", "2"))
    entry = versions.entry()
    rows = versions.other
    at_two = entry.at_version("2")
    assert at_two.endpoint == entry.version_urls["2"] != entry.version_urls["1"]
    prediction = client.predict(at_two, rows, client.schema(at_two))
    np.testing.assert_allclose(prediction.proba_matrix, in_process(versions.folders["2"], rows), rtol=1e-12)
    assert list(prediction.labels) == list(versions.second.predict(rows))
    metadata = requests.get(f"{at_two.endpoint}/api/v1.0/metadata", timeout=5).json()
    assert (metadata["name"], metadata["platform"]) == ("grader", "orchard-lab-2")  # its own init_metadata() wins
    assert metadata["inputs"][0]["messagetype"] == "ndarray"  # what it left empty, the workbench fills

    rows.to_csv(tmp_path / "in.csv", index=False)
    catalog = str(versions.home / "catalog.yaml")
    assert mds(["--catalog", catalog, "predict", f"{NAME}@2", "--input", str(tmp_path / "in.csv"), "--output",
                str(tmp_path / "out.csv"), "--quiet"]) == 0
    assert pd.read_csv(tmp_path / "out.csv")["prediction"].tolist() == list(versions.second.predict(rows))
    capsys.readouterr()
    assert mds(["--catalog", catalog, "describe", f"{NAME}@9"]) == 1
    assert f"Version 9 of '{NAME}' is not served (served: 1, 2)" in capsys.readouterr().err


def test_promote_has_callers_get_the_other_version(versions, registry, client, engine):
    promote(NAME, "2", registry=registry, target=versions.target, user="jo", engine=engine)
    entry = versions.entry()
    assert (entry.version, entry.endpoint) == ("2", entry.version_urls["2"])
    rows = versions.other.head(10)
    assert list(client.predict(entry, rows, client.schema(entry)).labels) == list(versions.second.predict(rows))
    assert registry.version(NAME, "champion").version == "2"
    with pytest.raises(PublishError, match=rf"Version 7 of '{NAME}' is not served here \(served: 1, 2\)"):
        promote(NAME, "7", registry=registry, target=versions.target, user="jo", engine=engine)
    assert versions.entry().version == "2"


FAILS_WHERE_SERVED = '''\
import os


class Grader:
    def load(self):
        if os.environ.get("PREDICTIVE_UNIT_ID"):  # set in the microservice only, not while it is checked
            raise RuntimeError("no GPU on this server")

    def predict(self, X, features_names):
        return [[0.25, 0.25, 0.5] for _ in X]
'''


def test_a_version_that_does_not_start_is_removed_and_the_others_keep_answering(versions, registry, client):
    before = versions.entry()
    with pytest.raises(PublishError, match=rf"Version (\d+) of '{NAME}' is registered but not served: Its "
                                           "microservice did not start: RuntimeError: no GPU on this server") as caught:
        publish(PublishRequest(NAME, FAILS_WHERE_SERVED.encode(), "grader.py", versions.frame), registry=registry,
                target=versions.target, user="hal", transport=client.transport)
    assert f"logs/{NAME}@" in caught.value.hint
    after = versions.entry()
    assert (after.version, after.versions, after.version_urls) == (before.version, ("1", "2"), before.version_urls)
    rows = versions.other.head(5)
    assert list(client.predict(after.at_version("1"), rows, client.schema(after)).labels) == \
        list(versions.first.predict(rows))
    assert sorted(p.name for p in (versions.home / "seldon" / NAME).iterdir() if p.is_dir()) == ["1", "2"]
    servers = [s["name"] for s in json.loads((versions.home / "state.json").read_text())["servers"]]
    assert sorted(s for s in servers if s.startswith(NAME)) == [f"{NAME}@1", f"{NAME}@2"]


def test_local_down_stops_every_version_up_starts_them_again_and_mds_publish_adds_one(versions, mlflow_registry,
                                                                                       client, monkeypatch, capsys,
                                                                                       tmp_path):
    urls = versions.entry().version_urls
    stopped = local_mds.down(versions.home)
    assert {f"{NAME}@1", f"{NAME}@2"} <= set(stopped)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{urls['1']}/health/status", timeout=5)

    running = local_mds.up(versions.home, LocalPorts.free(), alibi=False, prometheus=False, mlflow=False, timeout=90)
    assert running.failures == {}
    assert {f"{NAME}@1", f"{NAME}@2"} <= {s["name"] for s in running.servers}
    entry = versions.entry()  # the catalog `up` wrote
    assert entry.protocol == "seldon" and entry.versions == ("1", "2")
    rows = versions.other.head(8)
    assert list(client.predict(entry.at_version("1"), rows, client.schema(entry)).labels) == \
        list(versions.first.predict(rows))

    versions.frame.to_csv(tmp_path / "reference.csv", index=False)
    monkeypatch.setenv("WORKBENCH_MLFLOW_URI", mlflow_registry.url)
    get_settings.cache_clear()
    try:
        capsys.readouterr()
        code = mds(["publish", str(versions.folders["2"]), "--class", "Grader", "--name", NAME, "--reference",
                    str(tmp_path / "reference.csv"), "--home", str(versions.home)])
        out = capsys.readouterr().out
        assert code == 0, out
        assert [line.split()[0] for line in out.splitlines()[:4]] == ["checked", "registered", "serving", "ready"]
        assert "Grader (Seldon template) answered 200 reference rows (3 classes)" in out
        new = next(line for line in out.splitlines() if line.startswith(f"{NAME} version ")).split()[2]
        assert mds(["promote", NAME, new, "--home", str(versions.home)]) == 0
        assert f"Callers of {NAME} now get version {new}" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    entry = versions.entry()
    assert entry.version == new and new in entry.versions
    assert list(client.predict(entry, rows, client.schema(entry)).labels) == list(versions.second.predict(rows))


FAILS_ON_ITS_ROWS = '''\
import numpy as np


class Grader:
    def predict(self, X, features_names):
        return np.asarray(X, dtype=float)  # mixed columns arrive as strings: 'gala' is not a number
'''


@pytest.mark.parametrize(("source", "said"), [
    ("class Grader:\n    def predict(self, X features_names):\n        return X\n",
     r"grader.py has a syntax error at line 2: "),
    ("class Grader:\n    def score(self, X):\n        return X\n", r"grader.py has no class with a predict method"),
    (FAILS_ON_ITS_ROWS, r"Grader.predict failed on its own reference rows: ValueError: could not convert string to "
                        r"float: '\w+' \(grader.py, line 6\)"),
    ("import catboost\n\n\nclass Grader:\n    def predict(self, X, names):\n        return X\n",
     r"grader.py needs the package 'catboost', which the model server's environment does not have"),
    (V2, r"grader.py has several classes with a predict method: Baseline, Grader"),
])
def test_a_template_that_cannot_serve_is_refused_before_anything_is_registered(source, said, tmp_path, client):
    frame, _ = orchard(n=40)
    nowhere = MlflowRegistry("http://127.0.0.1:9")  # the discard port: a check that let it through would reach it
    with pytest.raises(PublishError, match=said):
        publish(PublishRequest("refused-tpl", source.encode(), "grader.py", frame), registry=nowhere,
                target=ServingTarget(tmp_path, "http://127.0.0.1:9"), user="dee", transport=client.transport)
    assert not (tmp_path / "seldon").exists()



def test_manifests_of_a_template_version_are_a_seldon_deployment_and_the_folder_of_its_image(versions, registry,
                                                                                             tmp_path, capsys):
    """What a cluster needs, from the registry alone: the SeldonDeployment (valid against Seldon's CRD) and a build
    folder whose files let Seldon's wrapper import, load and run the class, answering as the class does here."""
    args = argparse.Namespace(manifests=tmp_path / "k8s", storage_uri=None)
    write_manifests(args, registry, NAME, "1")
    out = capsys.readouterr().out
    build = tmp_path / "k8s" / "image" / "orchard-tpl"
    assert f"build      docker build -t mds-models/orchard-tpl:1 {build}" in out
    assert f"apply      kubectl apply -f {tmp_path / 'k8s' / 'seldon-core-v1'}" in out
    assert "no Seldon Core 2 Model" in out and not (tmp_path / "k8s" / "seldon-core-v2").exists()

    deployment = yaml.safe_load((tmp_path / "k8s" / "seldon-core-v1" / "orchard-tpl.yaml").read_text())
    assert problems(deployment) == []
    (predictor,) = deployment["spec"]["predictors"]
    (container,) = predictor["componentSpecs"][0]["spec"]["containers"]
    assert container["image"] == "mds-models/orchard-tpl:1" and predictor["graph"]["name"] == container["name"]
    model_metadata = json.loads(container["env"][0]["value"])
    assert model_metadata["inputs"][0]["schema"]["names"] == list(versions.frame.columns)
    assert model_metadata["outputs"][0]["schema"]["names"] == CLASSES
    assert model_metadata["platform"] == "orchard-lab"  # the class's own metadata()
    assert deployment["metadata"]["annotations"]["mds.workbench/description"] == "Grades a crop (template)."

    for name in ("grader.py", "model.joblib"):
        assert (build / name).read_bytes() == (versions.folders["1"] / name).read_bytes()
    dockerfile = (build / "Dockerfile").read_text()
    assert 'RUN pip install --no-cache-dir "seldon-core==1.18.2"' in dockerfile
    assert "ENV MODEL_NAME=grader.Grader SERVICE_TYPE=MODEL" in dockerfile
    # the image's command, short of a container: seldon-core-microservice's import of MODEL_NAME, in the folder
    rows = versions.other.head(6)
    script = ("import json, sys, numpy as np; module, cls = sys.argv[1].rsplit('.', 1); "
              "m = getattr(__import__(module), cls)(); m.load(); "
              "print(json.dumps(np.asarray(m.predict(np.array(json.loads(sys.argv[2])), json.loads(sys.argv[3])))"
              ".tolist()))")
    done = subprocess.run([str(seldon_python()), "-c", script, "grader.Grader",
                           json.dumps(rows.astype(object).values.tolist()), json.dumps(list(rows.columns))],
                          cwd=build, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"},
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    np.testing.assert_allclose(json.loads(done.stdout.splitlines()[-1]), in_process(versions.folders["1"], rows))
