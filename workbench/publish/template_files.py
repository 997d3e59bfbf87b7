"""A Seldon template as it is handed in: one .py file, or a folder or .zip with the .py and the files it loads.

``is_template`` says whether a publish request holds one: a ``.py``, or a ``.zip`` with a ``.py`` at its top and
no ``MLmodel`` (that would be an MLflow model folder). ``read_template`` unpacks it into a ``TemplateBundle``
(its files by relative path, the module to import) and picks the module: the only ``.py`` at the top, else the
one defining the class asked for, else the one defining a class with ``predict``. ``zip_folder`` packs a folder
(``mds publish FOLDER``) the way an upload arrives. Nothing here runs the researcher's code.
"""

from __future__ import annotations

import ast
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from workbench.publish.errors import PublishError

MAX_TEMPLATE_BYTES = 512 * 1024 * 1024
"""A template's files together, unpacked (a .zip may not unpack into more)."""
SKIPPED = ("__pycache__", "__MACOSX", ".")
"""Names (of a folder or a file) that never belong to a template: caches, macOS's zip litter, hidden files."""
MLFLOW_MARKER = "MLmodel"


@dataclass(frozen=True)
class TemplateBundle:
    """A template's files, ready to be written into a folder and imported from it."""

    files: dict[str, bytes]
    """Every file by its path relative to the folder (``grader.py``, ``artifacts/model.joblib``)."""
    module: str
    """The module to import: the .py file's name without ``.py``."""
    source: str
    """What was handed in (``grader.py``, ``grader.zip``), for messages."""

    @property
    def file(self) -> str:
        return f"{self.module}.py"


def is_template(data: bytes, file_name: str) -> bool:
    """A Seldon template (a .py, or a .zip with a .py at its top and no MLmodel), not a model file."""
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix == ".py":
        return True
    if suffix != ".zip":
        return False
    try:
        names = list(_unpacked_names(data))
    except PublishError:
        return False
    return any("/" not in n and n.endswith(".py") for n in names) and MLFLOW_MARKER not in names


def folder_upload(path: Path) -> tuple[bytes, str] | None:
    """A folder holding a template (a .py at its top, no MLmodel), packed as an upload: its .zip bytes and name.
    None for anything else (a file, an MLflow model folder)."""
    if not path.is_dir() or (path / MLFLOW_MARKER).exists() or not any(path.glob("*.py")):
        return None
    return zip_folder(path), f"{path.resolve().name}.zip"


def zip_folder(folder: Path) -> bytes:
    """The files under ``folder`` (caches and hidden files left out) as a .zip, paths relative to the folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not _skipped(relative.parts):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


def read_template(data: bytes, file_name: str, class_name: str = "") -> TemplateBundle:
    """The template's files and the module to import, or a ``PublishError`` saying what is missing."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise PublishError(f"{file_name} is {len(data) / 1e6:,.0f} MB; a template may be at most "
                           f"{MAX_TEMPLATE_BYTES / 1e6:,.0f} MB.", hint="Leave training data out of it.")
    if PurePosixPath(file_name).suffix.lower() == ".py":
        files = {PurePosixPath(file_name).name: data}
    else:
        files = _unzip(data, file_name)
    tops = sorted(name for name in files if "/" not in name and name.endswith(".py"))
    if not tops:
        raise PublishError(f"{file_name} has no .py file at its top.",
                           hint="Put the .py holding the template's class at the top of the folder or .zip.")
    module = PurePosixPath(_entry(files, tops, class_name, file_name)).stem
    if not module.isidentifier():
        raise PublishError(f"{module}.py cannot be imported under that name.",
                           hint=f"Rename it to {_identifier(module)}.py (letters, digits and '_').")
    return TemplateBundle(files, module, file_name)


def _entry(files: dict[str, bytes], tops: list[str], class_name: str, file_name: str) -> str:
    """The .py to import: the only one at the top, else the one defining the class (asked for, or with predict)."""
    if len(tops) == 1:
        return tops[0]
    defines = {name: _classes(files[name], name) for name in tops}
    if class_name:
        found = [name for name, classes in defines.items() if class_name in classes]
        if not found:
            raise PublishError(f"No .py file at the top of {file_name} defines a class '{class_name}' "
                               f"(files: {', '.join(tops)}).", hint="Check the name given with --class.")
        return found[0]
    found = [name for name, classes in defines.items() if any(classes.values())]
    if len(found) == 1:
        return found[0]
    listed = "; ".join(f"{name} ({', '.join(c for c, has in defines[name].items() if has)})" for name in found)
    if found:
        raise PublishError(f"Several files of {file_name} define a class with predict: {listed}.",
                           hint="Name the class to serve with --class.")
    raise PublishError(f"No .py file at the top of {file_name} defines a class with a predict method "
                       f"(files: {', '.join(tops)}).",
                       hint="Seldon's template is a class with predict(self, X, features_names).")


def _classes(source: bytes, name: str) -> dict[str, bool]:
    """The classes a .py defines, each with whether it has its own ``predict``."""
    try:
        tree = ast.parse(source, filename=name)
    except SyntaxError as exc:
        raise PublishError(f"{name} has a syntax error at line {exc.lineno}: {exc.msg.rstrip('.')}",
                           hint="Fix the file and publish again.") from None
    return {node.name: any(isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == "predict"
                           for item in node.body)
            for node in tree.body if isinstance(node, ast.ClassDef)}


def _unzip(data: bytes, file_name: str) -> dict[str, bytes]:
    names = _unpacked_names(data, file_name)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {relative: archive.read(original) for relative, original in names.items()}


def _unpacked_names(data: bytes, file_name: str = "the .zip") -> dict[str, str]:
    """Each file's path once unpacked (one folder at the root of them all is dropped) -> its name in the zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PublishError(f"{file_name} is not a .zip file.", hint="Pack the folder with 'zip -r'.") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
    for info in infos:
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts:
            raise PublishError(f"{file_name} holds a path outside its folder ({info.filename}).",
                               hint="Pack the folder with paths relative to it.")
    infos = [i for i in infos if not _skipped(PurePosixPath(i.filename).parts)]
    if sum(i.file_size for i in infos) > MAX_TEMPLATE_BYTES:
        raise PublishError(f"{file_name} unpacks into more than {MAX_TEMPLATE_BYTES / 1e6:,.0f} MB.",
                           hint="Leave training data out of it.")
    paths = {i.filename: PurePosixPath(i.filename) for i in infos}
    roots = {path.parts[0] for path in paths.values()}
    strip = 1 if len(roots) == 1 and all(len(path.parts) > 1 for path in paths.values()) else 0
    return {PurePosixPath(*path.parts[strip:]).as_posix(): original for original, path in paths.items()}


def _skipped(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(SKIPPED) or part.endswith(".pyc") for part in parts)


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in name)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"model_{cleaned}"
