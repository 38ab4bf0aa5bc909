"""No secret in logs, run reports, the store or any output.

Three kinds of secret reach arxiv-radar: the LLM API key (an environment variable named by
``summaries.api_key_env``), a database URL's password (``--db`` or ``[store] url``) and the
tokens in notification URLs (``[publish] notify``). Each test plants a canary value, makes
the real command line fail or succeed around it with ``--debug`` on (every log record of
every library at DEBUG level, full tracebacks), then looks for the canary, and its
percent-encoded form, in stdout, stderr and every byte of every file the command left,
tables of the store dumped row by row.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from cli_helpers import invoke_cli
from openai_server import OpenAIServer, RecordedRequest
from openai_server import Reply as LLMReply
from replay_server import ReplayServer, Reply, fixture_bytes

FEED_PATH = "/rss/cs.AI+cs.CL+cs.DC+cs.LG"
MIXED = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
KEY_CANARY = "sk-canary-3f9a7c1e5b2d4a6f8e0c"
ANSWER = (
    "TL;DR: One line.\n\n## 1. Main contributions and innovations\nA.\n\n"
    "## 2. Method and experimental setup\nB.\n\n## 3. Key results\nC 12%.\n\n"
    "## 4. Conclusions, limitations and future work\nD.\n"
)


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret)}


def _dump_store(path: Path) -> str:
    """Every row of every table of a SQLite store, as text."""
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"')
        )


def find_leaks(
    secrets: Iterable[str],
    *,
    texts: dict[str, str],
    folder: Path,
    skip: Iterable[str] = (),
) -> list[str]:
    """Where any form of any secret shows: in ``texts`` (stdout, stderr ...) or in a file
    under ``folder`` (but the ``skip`` names: the configuration that holds them)."""
    forms = {form for secret in secrets for form in _forms(secret)}
    found = [f"{name}: {form}" for name, text in texts.items() for form in forms if form in text]
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name in skip:
            continue
        data = path.read_bytes()
        found += [f"{path.name}: {form}" for form in forms if form.encode() in data]
        if path.suffix == ".db":
            dump = _dump_store(path)
            found += [f"{path.name} (rows): {form}" for form in forms if form in dump]
    return found


def _texts(*results: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return {
        f"{' '.join(map(str, result.args[3:]))} {stream}": getattr(result, stream)
        for result in results
        for stream in ("stdout", "stderr")
    }


@pytest.fixture
def listing(replay: ReplayServer) -> ReplayServer:
    replay.add(FEED_PATH, Reply(body=fixture_bytes(MIXED)))
    return replay


# -- the LLM API key -----------------------------------------------------------------------------


def _echoing_endpoint() -> tuple[OpenAIServer, list[int]]:
    """A server that answers 401 and 500 with the caller's key in the error message (as
    some gateways do), and otherwise a good summary."""
    server = OpenAIServer(models=("qwen-long", "m"))
    statuses: list[int] = []
    turns = itertools.cycle([401, 500, 200, 200])

    def respond(request: RecordedRequest) -> LLMReply:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        status = next(turns)
        statuses.append(status)
        if status == 401:
            return LLMReply.error(401, f"Incorrect API key provided: {key}. Check it at ...")
        if status == 500:
            return LLMReply.error(500, f"upstream failed for key {key} (Bearer {key})")
        return LLMReply(text=ANSWER)

    server.respond(respond)
    return server, statuses


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ('provider = "dashscope"\n', "DASHSCOPE_API_KEY"),
        (
            'provider = "openai-compatible"\nmodel = "m"\napi_key_env = "MY_RADAR_LLM_KEY"\n',
            "MY_RADAR_LLM_KEY",
        ),
    ],
    ids=["dashscope", "custom-api-key-env"],
)
def test_the_llm_key_never_leaks(
    settings: str, variable: str, listing: ReplayServer, tmp_path: Path
) -> None:
    llm, statuses = _echoing_endpoint()
    with llm:
        (tmp_path / "arxiv-radar.toml").write_text(
            f'[summaries]\n{settings}base_url = "{llm.base_url}"\nmax_papers = 4\n'
            "max_retries = 1\ntimeout = 10\n",
            encoding="utf-8",
        )
        env = {variable: KEY_CANARY}
        runs = [
            invoke_cli("run", "--no-catch-up", "--debug", cwd=tmp_path, server=listing, env=env),
            invoke_cli("summarize", "--force", "--json", "--debug", cwd=tmp_path, env=env),
            invoke_cli("doctor", "--debug", cwd=tmp_path, server=listing, env=env),
        ]
        sent = [request.headers.get("authorization") for request in llm.chat_requests]
    assert runs[0].returncode == 0, runs[0].stderr[-3000:]
    # The key was used, and the endpoint did echo it back in both kinds of error.
    assert sent and set(sent) == {f"Bearer {KEY_CANARY}"}
    assert {401, 500, 200} <= set(statuses)
    published = tmp_path / "arxiv-radar-digest"  # the default output folder
    report = json.loads((published / "reports" / "run-2026-04-27.json").read_text())
    assert report["summary_failures"] > 0 and report["summaries_made"] > 0
    leaks = find_leaks([KEY_CANARY], texts=_texts(*runs), folder=tmp_path)
    assert not leaks, leaks
    # The endpoint's error messages are kept (a failed summary says why: in the store while it
    # stays failed, in what the commands print), the key masked. Which call drew which answer
    # depends on the calls' timing, so the messages are looked for in both.
    kept = _dump_store(tmp_path / "arxiv-radar.db") + "\n".join(_texts(*runs).values())
    assert "upstream failed for key ***" in kept or "Incorrect API key provided: ***" in kept


def test_a_key_written_into_the_config_file_is_refused_without_echo(tmp_path: Path) -> None:
    (tmp_path / "arxiv-radar.toml").write_text(
        f'[summaries]\napi_key_env = "{KEY_CANARY}"\n', encoding="utf-8"
    )
    result = invoke_cli("run", "--dry-run", "--debug", cwd=tmp_path)
    assert result.returncode == 2
    assert "api_key_env" in result.stderr
    assert not find_leaks(
        [KEY_CANARY], texts=_texts(result), folder=tmp_path, skip=["arxiv-radar.toml"]
    )


# -- database URLs -------------------------------------------------------------------------------

DB_PASSWORD = "pw-canary-91b2/x@y"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "radar"
    netloc = f"{user}:{quote(password, safe='')}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


def _database_urls() -> list[str]:
    urls = [f"postgresql+psycopg://radar:{{}}@127.0.0.1:{_closed_port()}/radar"]
    real = os.environ.get("ARXIV_RADAR_TEST_PG_URL")
    if real:  # a real server: the password is wrong, authentication fails
        urls.append(_with_password(real, "{}").replace("%7B%7D", "{}"))
    return urls


DATABASE_URLS = _database_urls()


# Stable ids (the closed port differs per process): pytest-xdist workers must collect alike.
@pytest.mark.parametrize(
    "template", DATABASE_URLS, ids=["closed-port", "real-server"][: len(DATABASE_URLS)]
)
def test_a_database_password_is_never_printed(
    template: str, listing: ReplayServer, tmp_path: Path
) -> None:
    url = template.format(quote(DB_PASSWORD, safe=""))
    runs = [
        invoke_cli(*command, "--db", url, cwd=tmp_path, server=listing)
        for command in (
            ["run", "--no-catch-up"],
            ["run", "--no-catch-up", "--debug"],
            ["fetch", "--debug"],
            ["papers", "--debug"],
            ["doctor", "--debug"],
        )
    ]
    (tmp_path / "arxiv-radar.toml").write_text(f'[store]\nurl = "{url}"\n', encoding="utf-8")
    runs.append(invoke_cli("run", "--no-catch-up", "--debug", cwd=tmp_path, server=listing))
    doctor = runs.pop(4)
    assert doctor.returncode == 6 and "store" in doctor.stdout.lower()  # a failed check
    for result in runs:
        assert result.returncode == 4, (result.args, result.stderr[-2000:])
    runs.append(doctor)
    leaks = find_leaks(
        [DB_PASSWORD, "pw-canary"], texts=_texts(*runs), folder=tmp_path, skip=["arxiv-radar.toml"]
    )
    assert not leaks, leaks


# -- notification URLs ---------------------------------------------------------------------------

NOTIFY_SECRETS = {
    "json://radar:{0}ntfy-pass@127.0.0.1:{port}/hook/{0}hook-path?+X-Token={0}header": [
        "ntfy-pass",
        "hook-path",
        "header",
    ],
    "tgram://123456789:{0}bot-token/987654": ["bot-token"],
    "slack://{0}slackA/{0}slackB/{0}slackC/#general": ["slackA", "slackB", "slackC"],
    "discord://4444/{0}discord-token": ["discord-token"],
    "mailto://user:{0}mail-pass@127.0.0.1:{port}?to=someone@example.org": ["mail-pass"],
    "json://127.0.0.1:{port}/{0}first, json://127.0.0.1:{port}/{0}second": ["first", "second"],
    "hooks.slack.com/services/T000/B000/{0}no-scheme {0}typo": ["no-scheme", "typo"],
}


def test_notification_tokens_are_masked_in_warnings(listing: ReplayServer, tmp_path: Path) -> None:
    pytest.importorskip("apprise")
    canary = "nfy-canary-"
    port = _closed_port()
    urls = [template.format(canary, port=port) for template in NOTIFY_SECRETS]
    secrets = [canary + name for names in NOTIFY_SECRETS.values() for name in names]
    (tmp_path / "arxiv-radar.toml").write_text(
        "[publish]\nnotify = [\n" + "".join(f"  {json.dumps(u)},\n" for u in urls) + "]\n",
        encoding="utf-8",
    )
    quiet = invoke_cli("run", "--no-catch-up", cwd=tmp_path, server=listing)
    again = tmp_path / "again"  # a new store: the day is announced again
    again.mkdir()
    (again / "arxiv-radar.toml").write_bytes((tmp_path / "arxiv-radar.toml").read_bytes())
    loud = invoke_cli("run", "--no-catch-up", "--debug", "--json", cwd=again, server=listing)
    for result in (quiet, loud):
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stderr.count("notification") >= len(urls)  # every failure is reported
    leaks = find_leaks(
        secrets, texts=_texts(quiet, loud), folder=tmp_path, skip=["arxiv-radar.toml"]
    )
    assert not leaks, leaks
