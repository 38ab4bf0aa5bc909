"""``arxiv-radar serve`` refuses what it cannot do before it starts listening: bad options (no
store is opened), a store that is not there (on SQLite and on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import invoke_cli
from store_backends import BACKENDS, missing_store


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--schedule", "30 6 * * 9"], 2, "'9' is not a weekday"),
        (["--schedule", "30 6 * *"], 2, "cron has five"),
        (["--schedule", "30 6 * * 1-5", "--timezone", "Mars/Olympus"], 2, "unknown time zone"),
        (["--schedule", "config", "--read-only"], 2, "not with --read-only"),
    ],
)
def test_bad_options_stop_before_serving(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = invoke_cli("serve", "--port", "1", *args, cwd=tmp_path)
    assert result.returncode == code, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Serving arxiv-radar" not in result.stdout


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_that_is_not_there_stops_before_serving(tmp_path: Path, backend: str) -> None:
    db = missing_store(backend, tmp_path)  # a SQLite folder, or a PostgreSQL database
    result = invoke_cli("serve", "--port", "1", "--db", db, cwd=tmp_path)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "does not exist" in " ".join(result.stderr.split())
    assert "Serving arxiv-radar" not in result.stdout
