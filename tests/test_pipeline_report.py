"""The run report: frozen, assembled once from the stages' frozen results, saved as
``reports/run-<date>.json`` with the shape and values the run returns."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from arxiv_radar import pipeline
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.demo import DEMO_DAY, DEMO_NOW, demo_config, demo_transport, seed_store
from arxiv_radar.errors import UsageError
from arxiv_radar.models import RunReport, StageReport
from arxiv_radar.store import Store

REPORT_KEYS = [
    "status",
    "announced_on",
    "profile",
    "started_at",
    "finished_at",
    "seconds",
    "papers_announced",
    "papers_matched",
    "papers_shown",
    "summaries_made",
    "summary_calls",
    "summary_cache_hits",
    "summary_failures",
    "tokens_in",
    "tokens_out",
    "cost",
    "currency",
    "stages",
    "outputs",
    "warnings",
    "errors",
]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """The demo day's seeded store, on SQLite and on PostgreSQL."""
    with Store.open(store_url) as opened:
        seed_store(opened)
        yield opened


def run_demo(store: Store, output: Path, **options: object) -> RunReport:
    client = ArxivClient(min_interval=0, transport=demo_transport(), cache=store)
    try:
        run_options = pipeline.RunOptions(
            output=output,
            catch_up=False,
            now=DEMO_NOW,
            **options,  # type: ignore[arg-type]
        )
        return pipeline.run(demo_config(), store, client, run_options)
    finally:
        client.close()


def test_the_saved_report_is_the_returned_one(store: Store, tmp_path: Path) -> None:
    output = tmp_path / "out"
    report = run_demo(store, output)

    saved_path = output / "reports" / f"run-{DEMO_DAY.isoformat()}.json"
    saved = json.loads(saved_path.read_text(encoding="utf-8"))
    returned = json.loads(report.model_dump_json())
    assert list(saved) == REPORT_KEYS == list(returned)
    assert returned["outputs"] == [*saved["outputs"], str(saved_path)]
    for key in ("finished_at", "seconds", "outputs"):  # the report is saved before the end
        saved.pop(key), returned.pop(key)
    assert saved == returned

    assert report.status == "ok" and report.announced_on == DEMO_DAY
    assert report.profile == "default" and report.errors == ()
    assert [stage.name for stage in report.stages] == [
        "fetch",
        "rank",
        "summarize",
        "publish",
        "notify",
    ]
    assert report.stages[3].counts == {"files": len(report.outputs) - 1}
    assert report.papers_shown > 0 and report.papers_announced >= report.papers_matched
    assert all(Path(name).is_file() for name in report.outputs)
    assert report.finished_at is not None and report.finished_at >= report.started_at


def test_the_report_and_its_stages_are_frozen(store: Store, tmp_path: Path) -> None:
    report = run_demo(store, tmp_path / "out", dry_run=True)
    assert report.status == "dry-run" and [s.name for s in report.stages][-1] == "publish"
    with pytest.raises(ValidationError):
        report.status = "ok"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        report.stages[0].status = "failed"  # type: ignore[misc]
    assert isinstance(report.warnings, tuple) and isinstance(report.stages[0], StageReport)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_failed_run_keeps_what_its_stages_counted(store: Store, tmp_path: Path) -> None:
    output = tmp_path / "out"
    (output / "exports" / "digest.bib").mkdir(parents=True)  # in the way of an output
    with pytest.raises(UsageError, match="a folder is in the way"):
        run_demo(store, output)

    record = store.recent_runs(1)[0]
    assert record.kind == "run" and record.status == "failed"
    assert "a folder is in the way" in record.errors[0]
    assert record.counts["papers_shown"] > 0 and record.counts["papers_announced"] > 0
    assert store.published_days() == set()
    assert not (output / "reports").exists()


def test_an_empty_day_publishes_nothing(store: Store, tmp_path: Path) -> None:
    sunday = dt.date(2026, 4, 26)
    report = run_demo(store, tmp_path / "out", day=sunday)
    assert report.status == "empty" and report.outputs == ()
    assert [stage.name for stage in report.stages] == ["fetch"]
    assert report.warnings and report.warnings[-1].endswith("nothing to publish")
