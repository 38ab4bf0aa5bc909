"""A PostgreSQL server of one test's own, to stop and restart while a run uses it.

The shared test server (``scripts/start-postgres.sh``) serves every other test at once, so it
is never restarted. This one is made with the installed server's ``initdb`` in a new folder,
listens on a free port of 127.0.0.1, trusts local connections, and is stopped at the end. As
root it runs as the ``postgres`` user (PostgreSQL refuses to run as root).

Without the server binaries the test is skipped, except under ``CI=true``, where that is a
failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def _binaries() -> Path | None:
    root = Path("/usr/lib/postgresql")
    versions = sorted(root.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PrivatePostgres:
    bin: Path
    data: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/radar"

    def _ctl(self, *args: str) -> None:
        command = [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
        self._ctl("-o", options, "-l", str(self.data / "server.log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def restart(self) -> None:
        """Stop and start again: every session ends (and with it every advisory lock)."""
        self.stop()
        self.start()


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A new PostgreSQL server with an empty database ``radar``, stopped afterwards."""
    binaries = _binaries()
    if binaries is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL's server binaries are missing but CI=true")
        pytest.skip("needs PostgreSQL's server (apt-get install -y postgresql)")
    root = os.geteuid() == 0
    as_user = ["runuser", "-u", "postgres", "--"] if root else []
    folder = Path(tempfile.mkdtemp(prefix="arxiv-radar-pg-"))
    folder.chmod(0o755)
    data = folder / "data"
    data.mkdir()
    if root:
        shutil.chown(data, "postgres", "postgres")
    server = PrivatePostgres(binaries, data, _free_port(), as_user)
    try:
        subprocess.run(
            [*as_user, str(binaries / "initdb"), "-D", str(data), "-U", "postgres"]
            + ["-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        server.start()
        subprocess.run(
            [*as_user, str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(server.port)]
            + ["-U", "postgres", "radar"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield server
    finally:
        try:
            server._ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(folder, ignore_errors=True)
