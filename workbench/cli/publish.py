"""``mds publish PATH --name NAME --reference CSV``: a model file registered, served and ready to try.

Takes a pickled or joblib scikit-learn model (a pipeline, or XGBoost / LightGBM with scikit-learn's
interface), or a class written to Seldon Core's Python-wrapper template (a .py, or a folder or .zip with the
.py and the files it loads; ``--class`` when it holds several), and rows like those it was trained on (its
input columns, no target). An MLflow model folder (with its ``MLmodel``, or a .zip of one) needs no rows: its
signature and input example make the form, and rows given add categories and ranges. Prints each step as
it is done, then the version, its endpoint and the Predict page to try it on. The registry is
``WORKBENCH_MLFLOW_URI`` or the embedded MDS's own; the version is served on the embedded MDS, beside the
versions served before. ``mds promote NAME VERSION`` has callers get another served version.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import yaml

from mds_client import MDSError
from mds_client.registry import MlflowRegistry
from workbench.cli.common import cli_user, store_engine
from workbench.publish.errors import PublishError
from workbench.publish.manifests import V1_DIR, V2_DIR, check_storage_prefix, write
from workbench.publish.mlflow_folder import MLMODEL, is_zip, mlflow_upload
from workbench.publish.template_files import folder_upload, is_template
from workbench.publish.template_manifests import IMAGE_DIR, cluster_manifests, image_name_of
from workbench.settings import get_settings

APP_URL = "http://127.0.0.1:8501"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", help="register a model file in the model registry and serve it")
    p.add_argument("path", type=Path, help="the model: a joblib or pickle file; an MLflow model folder (with its "
                                           "MLmodel file) or a .zip of one; or a class in Seldon Core's Python "
                                           "template: a .py file, or a folder or .zip with the .py and the files "
                                           "it loads (its code runs on the model server)")
    p.add_argument("--name", required=True, help="the model's name (a new version if it exists)")
    p.add_argument("--reference", type=Path,
                   help="CSV of rows like the training data (input columns only): checks the model, makes the form; "
                        "optional for an MLflow model folder (its signature and input example make the form)")
    p.add_argument("--description", default="", help="one line of purpose, shown on the model's card")
    p.add_argument("--card", type=Path, help="YAML or JSON card: owner, intended_use, limitations, training_data, "
                                             "metrics, descriptions and units (one per input)")
    p.add_argument("--alias", help="point this alias (e.g. champion) at the new version")
    p.add_argument("--class", dest="template_class", metavar="NAME",
                   help="a Seldon template: the class to serve, when the .py holds several")
    p.add_argument("--home", type=Path, help="the embedded MDS's home (default: $WORKBENCH_HOME or .mds)")
    p.add_argument("--manifests", type=Path, metavar="DIR",
                   help="also write the version's Seldon Core 2 Model and Seldon Core 1 SeldonDeployment under DIR (a "
                        "template: the SeldonDeployment and its image's build folder)")
    p.add_argument("--storage-uri", metavar="PREFIX", help="with --manifests: the object storage (s3://..., gs://...) "
                                                            "holding the registry's artifacts, for the storage URI")
    p.set_defaults(func=cmd_publish)
    p = sub.add_parser("promote", help="have callers of a published model get another of its served versions")
    p.add_argument("model", help="the published model's name")
    p.add_argument("version", help="the version callers get from now on (a number)")
    p.add_argument("--home", type=Path, help="the embedded MDS's home (default: $WORKBENCH_HOME or .mds)")
    p.set_defaults(func=cmd_promote)


def read_card(path: Path | None) -> dict:
    if path is None:
        return {}
    try:
        doc = yaml.safe_load(path.read_text()) if path.suffix in (".yaml", ".yml") else json.loads(path.read_text())
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise PublishError(f"The card {path} cannot be read: {exc}", hint="Give a YAML or JSON mapping.") from None
    if not isinstance(doc, dict):
        raise PublishError(f"The card {path} is not a mapping of fields.", hint="Write it as 'owner: ...' lines.")
    return doc


def read_inputs(args: argparse.Namespace) -> tuple[bytes, str, pd.DataFrame]:
    """The model's bytes and file name (an MLflow model's or a template's folder packed as a .zip), and the
    reference rows (none: an empty frame, for an MLflow model)."""
    if args.path.is_dir() and not (args.path / MLMODEL).is_file() and not any(args.path.glob("*.py")):
        raise PublishError(f"{args.path} is a folder with no MLmodel file (so not an MLflow model folder) and no .py "
                           "file at its top (so not a Seldon template).",
                           hint="Give the folder mlflow.<flavor>.save_model wrote, or a joblib or pickle file.")
    try:
        model, file_name = mlflow_upload(args.path) or folder_upload(args.path) or \
            (args.path.read_bytes(), args.path.name)
    except OSError as exc:
        raise PublishError(f"The model file {args.path} cannot be read: {exc.strerror}.") from None
    if args.reference is None:
        if not is_zip(model) or is_template(model, file_name):  # any other .zip is read as an MLflow model folder
            raise PublishError(f"{args.path} needs reference rows (--reference CSV): the model is checked on them "
                               "and the form is made from them.",
                               hint="Give a CSV of rows like the training data, input columns only. Only an MLflow "
                                    "model folder can do without (its signature makes the form).")
        return model, file_name, pd.DataFrame()
    try:
        reference = pd.read_csv(args.reference)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise PublishError(f"The reference rows {args.reference} cannot be read as CSV: {exc}",
                           hint="Give a CSV file with a header row naming the model's input columns.") from None
    return model, file_name, reference


def check_manifest_options(args: argparse.Namespace) -> None:
    """Refuse --storage-uri that cannot be used before anything is published."""
    if args.storage_uri is not None and args.manifests is None:
        raise PublishError("--storage-uri is for the manifests' storage URI.", hint="Add --manifests DIR.")
    check_storage_prefix(args.storage_uri)


def write_manifests(args: argparse.Namespace, registry: MlflowRegistry, name: str, version: str) -> None:
    """--manifests: the version's Seldon manifests under the folder, and how to apply them."""
    try:
        manifests = cluster_manifests(registry, name, version, storage_prefix=args.storage_uri)
        write(manifests, args.manifests)
    except MDSError as exc:  # the registry's, or the writer's (PublishError is one)
        raise PublishError(f"Version {version} of '{name}' is published, but its manifests were not written: "
                           f"{exc.message}", hint=exc.hint) from None
    if manifests.build:  # a template: its image first, Seldon Core 1 only
        print(f"\nmanifests  {manifests.name} under {args.manifests}: {V1_DIR}/ (a Seldon Core 1 SeldonDeployment), "
              f"{IMAGE_DIR}/{manifests.name}/ (its image's build folder)")
        build = args.manifests / IMAGE_DIR / manifests.name
        print(f"build      docker build -t {image_name_of(manifests)} {build}   (then push it)")
        print(f"apply      kubectl apply -f {args.manifests / V1_DIR}")
    else:
        print(f"\nmanifests  {manifests.name} under {args.manifests}: {V2_DIR}/ (a Seldon Core 2 Model), {V1_DIR}/ "
              "(a Seldon Core 1 SeldonDeployment)")
        print(f"apply      kubectl apply -f {args.manifests / V2_DIR}   (on Seldon Core 1: -f {args.manifests / V1_DIR})")
    for note in manifests.notes:
        print(f"first      {note}")


def cmd_publish(args: argparse.Namespace) -> int:
    # Publishing loads the model (joblib, scikit-learn: about a second of imports): only `mds publish` pays.
    from workbench.publish import PublishRequest, embedded_target, publish, registry_url

    check_manifest_options(args)
    model, file_name, reference = read_inputs(args)
    card = read_card(args.card)
    descriptions = card.pop("descriptions", {}) if isinstance(card.get("descriptions"), dict) else {}
    units = card.pop("units", {}) if isinstance(card.get("units"), dict) else {}
    request = PublishRequest(name=args.name, model=model, file_name=file_name, reference=reference,
                             description=args.description or str(card.pop("description", "")), card=card,
                             descriptions={str(k): str(v) for k, v in descriptions.items()},
                             units={str(k): str(v) for k, v in units.items()}, alias=args.alias,
                             template_class=args.template_class or "")
    target = embedded_target(args.home)
    registry = MlflowRegistry(registry_url(args.home, get_settings().mlflow_uri), transport=args.client.transport)
    done = publish(request, registry=registry, target=target, user=cli_user(), transport=args.client.transport,
                   progress=lambda step, sentence: print(f"{step:<10} {sentence}", flush=True))
    print(f"\n{done.name} version {done.version}" + (f" (alias {done.alias})" if done.alias else "")
          + (" is a new model" if done.new_model else " is a new version"))
    print(f"endpoint   {done.endpoint}")
    print(f"try it     {APP_URL}/predict?model={done.name}&version={done.version}")
    if done.callers_get != done.version:
        print(f"\nCallers of {done.name} still get version {done.callers_get}; version {done.version} answers beside it "
              f"as {done.name}@{done.version}.")
        print(f"compare    mds replay {done.name} --to {done.version}")
        print(f"promote    mds promote {done.name} {done.version}")
    if args.manifests:
        write_manifests(args, registry, done.name, done.version)
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    from workbench.publish import embedded_target, promote, registry_url  # as in cmd_publish: only these pay
    from workbench.publish.serving import check_served

    target = embedded_target(args.home)
    check_served(target, args.model, args.version)
    registry = MlflowRegistry(registry_url(args.home, get_settings().mlflow_uri), transport=args.client.transport)
    promote(args.model, args.version, registry=registry, target=target, user=cli_user(), engine=store_engine())
    print(f"Callers of {args.model} now get version {args.version} (alias champion).")
    return 0
