"""The image's facts, read from the Dockerfile text (no Docker engine can run here).

It builds the app alone, runs as a numeric non-root user (the UID the manifests run as), checks its
own health on Streamlit's endpoint, and bakes in no secret.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from .manifests import named

ROOT = Path(__file__).resolve().parents[2]
SECRETISH = re.compile(r"(KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL|DATABASE_URL)", re.I)


def instructions(text: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        pending += line.strip()
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip() + " "
            continue
        word, _, rest = pending.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        pending = ""
    return out


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions((ROOT / "Dockerfile").read_text())


def _all(dockerfile, word: str) -> list[str]:
    return [args for w, args in dockerfile if w == word]


def test_the_parser_joins_continuations_and_skips_comments():
    parsed = instructions("# c\nFROM x\nRUN a \\\n    && b\n\nUSER 1\n")
    assert parsed == [("FROM", "x"), ("RUN", "a && b"), ("USER", "1")]


def test_runs_as_a_numeric_non_root_user_that_exists(dockerfile):
    user = _all(dockerfile, "USER")[-1]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, f"USER {user}: Kubernetes' runAsNonRoot needs a numeric non-zero UID"
    assert not gid or (gid.isdigit() and int(gid) != 0)
    assert any(f"--uid {uid}" in run for run in _all(dockerfile, "RUN")), "the user is created with that UID"
    # Nothing after USER switches back to root.
    last_user = max(i for i, (w, _) in enumerate(dockerfile) if w == "USER")
    assert all(w != "USER" for w, _ in dockerfile[last_user + 1:])


def test_manifests_run_the_image_as_its_own_user(dockerfile, rendered):
    uid = int(_all(dockerfile, "USER")[-1].split(":")[0])
    for name in ("mds-workbench", "mds-workbench-logsink"):
        pod = named(rendered["production"], "Deployment", name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == uid
    home = dict(re.findall(r"(\w+)=(\S+)", " ".join(_all(dockerfile, "ENV"))))["HOME"]
    mounts = named(rendered["production"], "Deployment", "mds-workbench")["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert f"{home}/.streamlit" in {m["mountPath"] for m in mounts}


def test_healthcheck_asks_streamlit(dockerfile):
    (check,) = _all(dockerfile, "HEALTHCHECK")
    assert "CMD" in check and "/_stcore/health" in check and "127.0.0.1:8501" in check
    assert "--timeout=" in check and "--interval=" in check
    assert _all(dockerfile, "EXPOSE") == ["8501"]


def test_builds_the_app_alone(dockerfile):
    cmd = " ".join(shlex.split(_all(dockerfile, "CMD")[-1].strip("[]").replace(",", " ")))
    assert "streamlit run workbench/app.py" in cmd and "--server.port=8501" in cmd
    sources = [shlex.split(args)[:-1] for args in _all(dockerfile, "COPY")]
    copied = [s for group in sources for s in group if not s.startswith("--")]
    assert "." not in copied and "./" not in copied, "copying the whole context would take .mds, .venvs, secrets"
    for forbidden in ("requirements-mlserver.txt", "requirements-seldon.txt", "tests/", "bench/", ".mds/"):
        assert forbidden not in copied, f"{forbidden} is not part of the app image"
    runs = " ".join(_all(dockerfile, "RUN"))
    assert "mlserver" not in runs and "seldon-core" not in runs


def test_no_secret_is_baked_in(dockerfile):
    for word in ("ENV", "ARG", "LABEL"):
        for args in _all(dockerfile, word):
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)(?:=|\s)", args + " "):
                assert not SECRETISH.search(name), f"{word} {name}: secrets come from the cluster at run time"
    copied = " ".join(_all(dockerfile, "COPY"))
    assert "secrets.toml" not in copied and ".streamlit/ " not in copied + " "
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for path in (".streamlit/secrets.toml", ".mds", ".venvs", "cookie-key", "database-url"):
        assert path in ignored, f".dockerignore should keep {path} out of the build context"
