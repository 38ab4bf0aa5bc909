"""``arxiv-radar serve`` refuses what it cannot do before it starts listening."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import invoke_cli


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--schedule", "30 6 * * 9"], 2, "'9' is not a weekday"),
        (["--schedule", "30 6 * *"], 2, "cron has five"),
        (["--schedule", "30 6 * * 1-5", "--timezone", "Mars/Olympus"], 2, "unknown time zone"),
        (["--schedule", "config", "--read-only"], 2, "not with --read-only"),
        (["--db", "no-such-folder/radar.db"], 4, "does not exist"),
    ],
)
def test_bad_options_stop_before_serving(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = invoke_cli("serve", "--port", "1", *args, cwd=tmp_path)
    assert result.returncode == code, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Serving arxiv-radar" not in result.stdout
