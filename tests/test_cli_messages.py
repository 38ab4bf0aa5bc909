"""What the command line says and which exit code it gives, wherever it stops.

Exit codes and terminal behaviour are checked on the real console script (a subprocess, no
terminal: the way CI runs it); help texts and argument parsing in process with Typer's runner.
"""

from __future__ import annotations

import logging
import re
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_radar.cli import app
from arxiv_radar.cli.common import CHECK_FAILED, EXIT_CODES, SecretFilter, reflow_help
from arxiv_radar.config import plain_message
from arxiv_radar.errors import ArxivRadarError
from arxiv_radar.masking import mask_secrets, mask_url_passwords

from cli_helpers import invoke_cli, run_cli

ROOT = Path(__file__).resolve().parents[1]
OLD_TOOL_CONFIG = ROOT / "tests" / "fixtures" / "config" / "old_tool_08f90a8.json"
COMMANDS = [
    "run", "demo", "fetch", "backfill", "papers", "rank", "summarize", "doctor", "init", "serve",
]  # fmt: skip


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``arxiv-radar ARGS`` as a user runs it, output to pipes, no $COLUMNS (a CI log)."""
    return run_cli(*args, cwd=cwd, env=env, columns=None)


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


# ---------------------------------------------------------------- an unusable output folder


def test_demo_refuses_a_file_as_output_folder_as_run_does(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("mine\n", encoding="utf-8")
    demo = cli("demo", "--output", "taken", cwd=tmp_path)
    assert demo.returncode == 2, demo.stderr
    assert "unexpected error" not in demo.stderr
    run = cli("run", "--output", "taken", "--db", "run.db", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert error_line(demo) == error_line(run)
    assert "the output folder taken is a file, not a folder: choose another --output" in (
        error_line(demo)
    )
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "mine\n"


def test_demo_refuses_a_folder_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("mine\n", encoding="utf-8")
    result = cli("demo", "--output", "taken/demo", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "(taken is a file, not a folder)" in error_line(result)


@pytest.mark.parametrize("place", ["/proc/arxiv-radar-demo", "/sys/arxiv-radar-demo"])
def test_demo_refuses_a_folder_no_one_can_create(place: str, tmp_path: Path) -> None:
    if not Path(place).parent.is_dir():
        pytest.skip(f"{Path(place).parent} exists on Linux only")
    result = cli("demo", "--output", place, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = error_line(result)
    assert line.startswith(f"error: the output folder {place} ")
    assert "choose another --output" in line
    assert not Path(place).exists()


# ---------------------------------------------------------------- serve on a busy port


def test_serve_on_a_busy_port_stops_before_serving(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("serve", "--port", str(port), "--db", "radar.db", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert error_line(result) == f"error: port {port} is in use: choose another --port"
    assert "Serving" not in result.stdout
    assert not (tmp_path / "radar.db").exists()  # stopped before the store was opened


def test_serve_on_an_address_this_machine_lacks_says_so(tmp_path: Path) -> None:
    result = cli("serve", "--host", "no-such-host.invalid", "--db", "radar.db", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "cannot listen on no-such-host.invalid port 8000" in error_line(result)


# ---------------------------------------------------------------- --debug before the command


@pytest.mark.parametrize(
    "args",
    [["--debug", "papers", "--date", "someday"], ["papers", "--date", "someday", "--debug"]],
    ids=["before", "after"],
)
def test_debug_before_or_after_the_command_shows_the_traceback(
    args: list[str], tmp_path: Path
) -> None:
    result = cli(*args, "--db", "radar.db", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "'someday' is not a date" in result.stderr


def test_without_debug_an_error_is_one_line(tmp_path: Path) -> None:
    result = cli("papers", "--date", "someday", "--db", "radar.db", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert error_line(result).startswith("error: 'someday' is not a date")


def test_the_root_debug_option_sets_debug_logging_for_one_invocation(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "radar.db")
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    try:
        result = runner.invoke(app, ["--debug", "doctor", "--offline", "--db", db])
        assert result.exit_code == 0, result.output
        assert root.level == logging.DEBUG
        result = runner.invoke(app, ["doctor", "--offline", "--db", db])
        assert result.exit_code == 0, result.output
        assert root.level == logging.WARNING  # not carried over to the next invocation
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]


# ---------------------------------------------------------------- flags take no value


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_no_value_placeholder_for_flags(command: str | None) -> None:
    args = ["--help"] if command is None else [command, "--help"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert re.search(r"--help\s+Show this message and exit\.", result.output)


def test_version_takes_no_value() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("arxiv-radar ")
    refused = runner.invoke(app, ["--version", "true"])
    assert refused.exit_code == 2
    assert "No such command 'true'" in refused.output


def test_a_flag_given_a_value_is_refused() -> None:
    result = CliRunner().invoke(app, ["papers", "--json", "true"])
    assert result.exit_code == 2
    assert "unexpected extra argument" in result.output


def test_no_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["--debug"])
    assert result.exit_code == 2
    assert "Missing command" in result.output


# ---------------------------------------------------------------- messages


def test_a_bad_choice_is_reported_without_pydantic_prefix(tmp_path: Path) -> None:
    result = cli("rank", "--mode", "fuzzy", "--db", "radar.db", cwd=tmp_path)
    assert result.returncode == 2
    assert "'fuzzy' is not one of 'keywords', 'legacy'" in result.stderr
    assert "Value error" not in result.stderr


def test_plain_message_strips_pydantic_prefixes() -> None:
    assert (
        plain_message("Value error, 'x' is not one of 'a', 'b'.") == "'x' is not one of 'a', 'b'."
    )
    assert plain_message("Assertion failed, too big") == "too big"
    assert plain_message("a Value error, b") == "a b"
    assert plain_message("no prefix here") == "no prefix here"


def test_help_paragraphs_reflow_and_examples_keep_their_lines() -> None:
    result = CliRunner().invoke(app, ["rank", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    # A prose paragraph, hard-wrapped at 88 columns in the source, fills the 200 columns.
    [first] = [line for line in lines if line.startswith("Papers announced on the day")]
    assert len(first) > 150, result.output
    assert "arxiv-radar rank --mode legacy          # the old tool's scores and order" in lines
    assert "arxiv-radar rank --explain 2604.21935" in lines


def test_reflow_joins_prose_and_keeps_indented_blocks() -> None:
    doc = """Title line.

    First line of prose
    continues here.

    Example:

      cmd --one
      cmd --two
    """
    assert reflow_help(doc) == (
        "Title line.\n\nFirst line of prose continues here.\n\nExample:\n\n  cmd --one\n  cmd --two"
    )
    assert reflow_help(None) is None


def test_output_to_a_pipe_is_not_wrapped_and_brackets_survive(tmp_path: Path) -> None:
    """The missing-driver hint is longer than 80 columns and names an extra in brackets."""
    result = cli("doctor", "--offline", "--db", "mysql://me:pw@127.0.0.1:9/radar", cwd=tmp_path)
    assert result.returncode == CHECK_FAILED, result.stdout + result.stderr
    store = [line for line in result.stdout.splitlines() if line.startswith("FAIL  store:")]
    assert len(store) == 1, result.stdout
    assert len(store[0]) > 80
    assert "install 'arxiv-radar[postgres]' and use a postgresql+psycopg:// URL" in store[0]
    assert "me:***@127.0.0.1" in store[0] and ":pw@" not in result.stdout


# ---------------------------------------------------------------- exit codes


def test_doctor_failing_a_check_has_its_own_exit_code(tmp_path: Path) -> None:
    (tmp_path / "arxiv-radar.toml").write_text("[arxiv]\ncategories = []\n", encoding="utf-8")
    result = cli("doctor", "--offline", cwd=tmp_path)
    assert result.returncode == CHECK_FAILED == 6
    assert "FAIL  config:" in result.stdout


def test_every_exit_code_is_documented() -> None:
    codes = {1, CHECK_FAILED}

    def walk(cls: type[ArxivRadarError]) -> None:
        codes.add(cls.exit_code)
        for sub in cls.__subclasses__():
            walk(sub)

    walk(ArxivRadarError)
    assert CHECK_FAILED not in {1, 2, 3, 4, 5}
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    header = docs.split("## arxiv-radar", 1)[0]
    for code in sorted(codes | {0}):
        assert re.search(rf"\b{code} [A-Za-z]", EXIT_CODES), code
        assert re.search(rf"\b{code} [A-Za-z]", header), code
    assert "6 a check of `doctor` failed" in header


# ---------------------------------------------------------------- secrets


def test_a_short_secret_is_masked_only_where_it_stands_whole() -> None:
    text = 'connection to server failed: password "o" rejected for o'
    assert (
        mask_secrets(text, ["o"]) == 'connection to server failed: password "***" rejected for ***'
    )
    assert mask_secrets("key=sk-0123456789abc;", ["sk-0123456789abc"]) == "key=***;"
    assert mask_secrets("xsk-0123456789abcx", ["sk-0123456789abc"]) == "x***x"  # long: anywhere
    assert mask_secrets("nothing", [None, ""]) == "nothing"


def test_a_password_inside_a_url_is_masked_whatever_its_length() -> None:
    text = "cannot open postgresql+psycopg://me:o@db:5432/radar (connection refused)"
    assert mask_url_passwords(text) == (
        "cannot open postgresql+psycopg://me:***@db:5432/radar (connection refused)"
    )


def test_the_log_filter_masks_whole_short_secrets_only() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "connection with o: %s", ("o",), None
    )
    SecretFilter(["o"]).filter(record)
    assert record.getMessage() == "connection with ***: ***"


def test_a_one_letter_database_password_leaves_the_message_readable(tmp_path: Path) -> None:
    pytest.importorskip("psycopg", reason='pip install -e ".[postgres]" installs psycopg')
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"postgresql+psycopg://me:o@127.0.0.1:{port}/radar?connect_timeout=2"
    result = cli("papers", "--db", url, cwd=tmp_path)
    assert result.returncode == 4, result.stderr
    line = error_line(result)
    assert "cannot connect to the database" in line
    assert "connection" in line.replace("cannot connect", "")
    assert "c***nn" not in line and "me:***@127.0.0.1" in line


# ---------------------------------------------------------------- the old tool's config.json


def test_the_old_tools_own_config_json_loads_through_the_cli(tmp_path: Path) -> None:
    result = cli(
        "doctor", "--offline", "--config", str(OLD_TOOL_CONFIG), "--db", "r.db", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok  config: {OLD_TOOL_CONFIG}" in result.stdout
    assert "categories: cs.AI, cs.CL, cs.DC, cs.LG" in result.stdout
    notices = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(notices) == 3, result.stderr
    for key, why in [
        ("fetch_ratings", "only the old repository's ICLR bot read it"),
        ("display_limit", "the digest shows max_papers papers"),
        ("deduplication_methods", "keeps each paper once by its arXiv id"),
    ]:
        [line] = [n for n in notices if f"'{key}' is ignored: " in n]
        assert why in line and str(OLD_TOOL_CONFIG) in line


def test_the_old_tools_config_json_is_found_in_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes(OLD_TOOL_CONFIG.read_bytes())
    result = cli("doctor", "--offline", "--db", "r.db", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok  config: {tmp_path / 'config.json'}" in result.stdout
    assert "'display_limit' is ignored" in result.stderr


def test_help_shows_table_names_in_brackets(tmp_path: Path) -> None:
    """A configuration table in a command's help (``[workers]``) is shown, not taken for
    Rich markup and dropped."""
    shown = " ".join(invoke_cli("worker", "--help", cwd=tmp_path).stdout.split())
    assert "through [workers] broker" in shown and 'pip install "arxiv-radar[workers]"' in shown
