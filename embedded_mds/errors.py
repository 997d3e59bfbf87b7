"""Errors of the embedded MDS; every one says which server, model or port and what to do.

    EmbeddedMDSError
     ├── ModelFolderError      a model folder is unusable (found before any server starts)
     ├── ServerEnvironmentError a server's python / virtual environment is missing
     ├── PortInUseError        a port a server needs is taken
     ├── ServerStartError      a server exited or was not ready in time (carries its log tail)
     ├── AlreadyRunningError   state.json names servers that are still alive
     └── AlibiPrepareError     the explainer or the drift detector could not be built
"""

from __future__ import annotations

from pathlib import Path

from workbench.errors import WorkbenchError


class EmbeddedMDSError(WorkbenchError):
    """Base class: pages and the CLI catch this one and show its message."""


class ModelFolderError(EmbeddedMDSError):
    def __init__(self, model: str, folder: Path | str, reason: str) -> None:
        self.model, self.folder, self.reason = model, Path(folder), reason
        super().__init__(
            f"model {model!r} in {folder} is unusable: {reason}. "
            "One bad model makes MLServer exit: fix or remove the folder, or run prepare with force=True."
        )


class ServerEnvironmentError(EmbeddedMDSError):
    def __init__(self, server: str, python: Path | str, hint: str, what: str = "python") -> None:
        self.server, self.python = server, Path(python)
        super().__init__(f"{server}: {what} {python} not found. {hint}")


class PortInUseError(EmbeddedMDSError):
    def __init__(self, server: str, port: int, role: str = "http") -> None:
        self.server, self.port, self.role = server, port, role
        super().__init__(
            f"port {port} ({role} port of {server}) is already in use: stop what holds it "
            f"(`ss -ltnp | grep :{port}`) or choose other ports."
        )


class ServerStartError(EmbeddedMDSError):
    def __init__(self, server: str, port: int, reason: str, log: Path | str, log_tail: str) -> None:
        self.server, self.port, self.reason, self.log, self.log_tail = server, port, reason, Path(log), log_tail
        super().__init__(
            f"{server} (port {port}) failed to start: {reason}. Last lines of {log}:\n{log_tail}"
        )


class AlreadyRunningError(EmbeddedMDSError):
    def __init__(self, home: Path | str, servers: list[str]) -> None:
        self.home, self.servers = Path(home), servers
        super().__init__(
            f"the embedded MDS in {home} is already running ({', '.join(servers)}): run `down` first."
        )


class AlibiPrepareError(EmbeddedMDSError):
    """The explainer or the drift detector could not be built."""
