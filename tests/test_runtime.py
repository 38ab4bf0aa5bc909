"""The runtime builds a run from a Config and what it is given: the environment mapping, the
transport, the clock and the progress callbacks. It reads nothing of the process's own
environment and writes nothing to the terminal."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_radar import runtime
from arxiv_radar.arxiv.http import ARXIV_RETRY
from arxiv_radar.config import ArxivConfig, Config, SummaryConfig
from arxiv_radar.demo import DEMO_DAY, DEMO_NOW, demo_config, demo_transport, seed_store
from arxiv_radar.errors import ConfigError
from arxiv_radar.pipeline import RunOptions
from arxiv_radar.store import Store

SOURCE = Path(runtime.__file__)
KEY = "sk-from-the-process-environment-0123456789"


def seeded_store(folder: Path) -> str:
    url = str(folder / "radar.db")
    with Store.open(url) as store:
        seed_store(store)
    return url


def test_a_run_reports_through_the_callbacks_and_prints_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Logging set up by an earlier command in this process (the CLI's, on --debug) would
    # write to stderr: that is the CLI's choice, not the runtime's, so it is reset here.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr(logging.getLogger(), "level", logging.WARNING)
    # A DashScope key in the process environment: "auto" would call DashScope if the
    # runtime read it. The mapping it is given has none, so the summaries are extractive.
    monkeypatch.setenv("DASHSCOPE_API_KEY", KEY)
    config = demo_config().model_copy(update={"summaries": SummaryConfig(provider="auto")})
    url = seeded_store(tmp_path)
    counted: list[int] = []
    advanced: list[object] = []

    @contextlib.contextmanager
    def count(total: int) -> Iterator[runtime.Advance]:
        counted.append(total)
        yield advanced.append

    asked: list[int] = []

    def clock() -> dt.datetime:
        asked.append(1)
        return DEMO_NOW

    report = runtime.run(
        config,
        url,
        RunOptions(output=tmp_path / "out", catch_up=False),
        env={},
        transport=demo_transport(),
        clock=clock,
        progress=runtime.Progress(summaries=count),  # stages report only while catching up
    )

    assert report.status == "ok" and report.announced_on == DEMO_DAY
    assert asked == [1]  # the clock, once for the run
    summarize = next(stage for stage in report.stages if stage.name == "summarize")
    assert summarize.counts.get("provider") == "extractive"
    assert counted == [config.summaries.max_papers] and len(advanced) == counted[0]
    assert (tmp_path / "out" / "README.md").is_file()
    assert capfd.readouterr() == ("", "")


def test_a_provider_without_its_key_in_the_mapping_stops_before_the_store_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # in the process, not in the mapping given
    config = demo_config().model_copy(update={"summaries": SummaryConfig(provider="openai")})
    url = str(tmp_path / "radar.db")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        runtime.run(
            config,
            url,
            RunOptions(output=tmp_path / "out", catch_up=False, now=DEMO_NOW),
            env={"HOME": "/nowhere"},
            transport=demo_transport(),
        )
    assert not (tmp_path / "radar.db").exists() and not (tmp_path / "out").exists()


def test_a_runner_runs_the_day_again_from_the_store(tmp_path: Path) -> None:
    run = runtime.runner(
        demo_config(),
        seeded_store(tmp_path),
        env={},
        output=tmp_path / "out",
        transport=demo_transport(),
        clock=lambda: DEMO_NOW,
        catch_up=False,
    )
    first, second = run(), run()
    assert (first.status, first.announced_on) == ("ok", DEMO_DAY)
    assert (second.status, second.announced_on) == ("ok", DEMO_DAY)
    assert second.summary_cache_hits == first.summaries_made > 0  # nothing summarized twice


def test_the_client_follows_the_arxiv_section() -> None:
    section = ArxivConfig(min_interval=5.0, timeout=7.0, max_retries=1, contact="me@example.org")
    with runtime.build_client(section) as client:
        assert client.min_interval == 5.0
        assert client.retry == dataclasses.replace(ARXIV_RETRY, max_retries=1)
    with runtime.build_client(section, transport=demo_transport()) as client:
        assert client.min_interval == 0  # a local transport: no arXiv to be polite to


def test_a_notifier_only_when_one_is_configured() -> None:
    assert runtime.build_notifier(Config()) is None


def test_the_runtime_reads_no_environment_and_draws_nothing() -> None:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert not {"environ", "getenv"} & (names | attributes)
    assert "print" not in names
    assert not {"os", "rich", "typer", "click", "sys"} & imported
