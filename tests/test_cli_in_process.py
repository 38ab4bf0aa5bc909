"""The in-process runner the CLI tests use answers as the real command does, and leaves
nothing behind for the next test: directory, environment, logging, the ``--debug`` flag."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from cli_helpers import invoke_cli, run_cli

BAD_CONFIG = "[profiles.default]\nmode = 'telepathy'\n"


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("rank", "--help"),
        ("nonsense",),
        ("papers", "--date", "27/04/2026"),
        ("fetch", "--date"),
        ("papers",),
    ],
    ids=["help", "command-help", "unknown-command", "bad-date", "missing-value", "bad-config"],
)
def test_in_process_answers_exactly_as_the_real_command(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    real_folder, here_folder = tmp_path / "real", tmp_path / "here"
    for folder in (real_folder, here_folder):
        folder.mkdir()
        (folder / "arxiv-radar.toml").write_text(BAD_CONFIG, encoding="utf-8")
    real = run_cli(*args, cwd=real_folder)
    here = invoke_cli(*args, cwd=here_folder)
    assert (here.returncode, here.stdout, here.stderr) == (
        real.returncode,
        real.stdout.replace(str(real_folder), str(here_folder)),
        real.stderr.replace(str(real_folder), str(here_folder)),
    )


def test_a_run_gives_back_what_it_changed(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    cwd, environment = os.getcwd(), dict(os.environ)

    loud = invoke_cli("papers", "--debug", cwd=tmp_path, env={"ARXIV_RADAR_DB": "x.db"})

    assert loud.returncode == 2, loud.stderr  # no stored day yet
    assert "Traceback" in loud.stderr  # --debug: the full traceback of the error
    assert root.handlers == handlers and root.level == level
    assert os.getcwd() == cwd and dict(os.environ) == environment
    quiet = invoke_cli("papers", cwd=tmp_path, env={"ARXIV_RADAR_DB": "x.db"})
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr  # the last run's --debug is gone
    assert quiet.stderr.startswith("error:"), quiet.stderr


def test_the_environment_is_exactly_the_one_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARXIV_RADAR_DB", "postgresql+psycopg://nowhere/none")  # must not leak
    result = invoke_cli("papers", cwd=tmp_path)
    assert result.returncode == 2, result.stderr  # the default store, ./arxiv-radar.db, is absent
    assert "postgresql" not in result.stderr and "nowhere" not in result.stderr
    assert os.environ["ARXIV_RADAR_DB"] == "postgresql+psycopg://nowhere/none"
