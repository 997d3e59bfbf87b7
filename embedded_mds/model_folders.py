"""Check the model folders before any server sees them, and write or remove the test-only models.

A broken folder makes MLServer or the seldon microservice fail minutes later with a stack trace;
checking here turns that into a `ModelFolderError` naming the folder and what is wrong with it.
"""

from __future__ import annotations

import json
from pathlib import Path

from embedded_mds.errors import ModelFolderError
from embedded_mds.layout import HomeLayout, write_json

ECHO_IMPLEMENTATION = "embedded_mds.served.echo_runtime.EchoRuntime"
# Leading bytes of the pickle protocols and of the compressors joblib may use.
JOBLIB_MAGIC = (b"\x80", b"x", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x5d\x00", b"\x04\x22\x4d\x18")


BARE_SKLEARN = "wine-bare"
"""Test only: the wine pipeline under MLServer's sklearn runtime with no inputs/outputs declared,
as a model from elsewhere often is (its metadata says nothing; the wire names must still be right)."""


def write_test_models(layout: HomeLayout, include: bool) -> None:
    echo_dir, echo_seldon = layout.model_dir("echo"), layout.seldon_dir("echo-v1")
    bare_dir = layout.model_dir(BARE_SKLEARN)
    if include:
        write_json(echo_dir / "model-settings.json",
                   {"name": "echo", "implementation": ECHO_IMPLEMENTATION, "parameters": {"version": "1"}})
        write_json(echo_seldon / "metadata.json", {"name": "echo-v1", "version": "1"})
        write_json(bare_dir / "model-settings.json",
                   {"name": BARE_SKLEARN, "implementation": "mlserver_sklearn.SKLearnModel",
                    "parameters": {"uri": "../wine/model.joblib", "version": "1"}})
        return
    # Remove only what we wrote: MLServer would otherwise serve it.
    for folder, marker in ((echo_dir, ECHO_IMPLEMENTATION), (bare_dir, "../wine/model.joblib")):
        settings = folder / "model-settings.json"
        if settings.exists() and marker in settings.read_text():
            settings.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()


def check_joblib(name: str, folder: Path, path: Path) -> None:
    if not path.is_file():
        raise ModelFolderError(name, folder, f"{path.name} is missing")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head or not head.startswith(JOBLIB_MAGIC):
        raise ModelFolderError(name, folder, f"{path.name} is not a joblib/pickle file")


def validate_mlserver_folder(models_dir: Path) -> list[str]:
    """Check every model folder MLServer would load; return the model names (a name once, however many of its
    versions are served side by side)."""
    names: dict[tuple[str, str], Path] = {}
    for settings_path in sorted(models_dir.glob("**/model-settings.json")):
        folder = settings_path.parent
        try:
            settings = json.loads(settings_path.read_text())
        except (OSError, ValueError) as error:
            raise ModelFolderError(folder.name, folder, f"model-settings.json does not parse ({error})") from error
        if not isinstance(settings, dict) or not settings.get("implementation"):
            raise ModelFolderError(folder.name, folder, "model-settings.json has no 'implementation'")
        name = settings.get("name") or folder.name
        version = str((settings.get("parameters") or {}).get("version") or "")
        if (name, version) in names:
            taken = f"version {version} of the name" if version else "the name"
            raise ModelFolderError(name, folder, f"{taken} is also used by {names[name, version]}")
        names[name, version] = folder
        for key in ("inputs", "outputs"):
            if not isinstance(settings.get(key, []), list):
                raise ModelFolderError(name, folder, f"'{key}' must be a list")
        uri = (settings.get("parameters") or {}).get("uri")
        if settings["implementation"].startswith("mlserver_sklearn"):
            check_joblib(name, folder, (folder / (uri or "model.joblib")).resolve())
        elif uri and "://" not in uri and not (folder / uri).exists():
            raise ModelFolderError(name, folder, f"parameters.uri {uri!r} does not exist")
    return sorted({name for name, _ in names})


def validate_seldon_folder(folder: Path, needs_model: bool) -> None:
    try:
        json.loads((folder / "metadata.json").read_text())
    except (OSError, ValueError) as error:
        raise ModelFolderError(folder.name, folder, f"metadata.json is missing or does not parse ({error})") from error
    if needs_model:
        check_joblib(folder.name, folder, folder / "model.joblib")
