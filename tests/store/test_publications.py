"""``publications``: what was published for which day and profile, where and when.

Recorded and read back through the store; written by the daily run (which notifies once per
announcement day); and built by migration 0005 from the ``publish`` runs an older store kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect

from arxiv_radar import pipeline
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.config import Config
from arxiv_radar.demo import DEMO_DAY, DEMO_NOW, demo_config, demo_transport, seed_store
from arxiv_radar.models import Digest
from arxiv_radar.publish.notify import NotifyResult
from arxiv_radar.store import Publication, Store, migrate

D1, D2, D3, D4 = (dt.date(2026, 4, day) for day in (20, 21, 22, 23))


def test_a_publication_is_recorded_and_read_back(store: Store) -> None:
    before = dt.datetime.now(dt.UTC)
    made = store.record_publication(
        D1,
        "default",
        output="digest",
        output_resolved="/home/reader/digest",
        papers=6,
        files=["README.md", "feeds/rss.xml"],
    )
    assert isinstance(made, Publication) and made.id > 0
    assert before <= made.published_at <= dt.datetime.now(dt.UTC)
    assert store.publications() == [made]
    read = store.publications()[0]
    assert read.profile == "default" and read.announced_on == D1 and read.papers == 6
    assert read.output == "digest" and read.output_resolved == "/home/reader/digest"
    assert read.files == ("README.md", "feeds/rss.xml")
    assert read.published_at.tzinfo == dt.UTC


def test_publications_are_listed_newest_first_by_profile(store: Store) -> None:
    def publish(day: dt.date, profile: str) -> Publication:
        return store.record_publication(
            day, profile, output=".", output_resolved="/r", papers=1, files=[]
        )

    first, second, third = publish(D1, "default"), publish(D2, "llm"), publish(D2, "default")
    assert store.publications() == [third, second, first]
    assert store.publications(limit=1) == [third]
    assert store.publications(limit=None) == [third, second, first]
    assert store.publications("default") == [third, first]
    assert store.publications("llm") == [second]
    assert store.publications("nobody") == []
    assert store.published_days() == {D1, D2}
    assert store.published_days("default") == {D1, D2}
    assert store.published_days("llm") == {D2}
    assert store.published_days("nobody") == set()


def test_a_negative_paper_count_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="zero papers or more"):
        store.record_publication(D1, "p", output=".", output_resolved="/", papers=-1, files=[])
    assert store.publications() == []


# -- the daily run -----------------------------------------------------------------------------


class Notifications:
    """The notifier the run is given: it remembers each digest it was asked to announce."""

    def __init__(self) -> None:
        self.days: list[dt.date] = []

    def __call__(self, digest: Digest) -> NotifyResult:
        self.days.append(digest.announced_on)
        return NotifyResult()


def notifying_config() -> Config:
    config = demo_config()
    publish = config.publish.model_copy(update={"notify": ["json://127.0.0.1:9/hook"]})
    return config.model_copy(update={"publish": publish})


def run_demo_day(store: Store, output: Path, notify: Notifications) -> Any:
    client = ArxivClient(min_interval=0, transport=demo_transport(), cache=store)
    try:
        options = pipeline.RunOptions(output=output, catch_up=False, now=DEMO_NOW)
        return pipeline.run(notifying_config(), store, client, options, notify=notify)
    finally:
        client.close()


@pytest.fixture
def demo_store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        seed_store(opened)
        yield opened


def test_a_run_records_what_it_published_and_notifies_once_per_day(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notify = Notifications()
    first = run_demo_day(demo_store, Path("digest"), notify)
    assert first.status == "ok" and first.announced_on == DEMO_DAY
    assert notify.days == [DEMO_DAY]
    [made] = demo_store.publications()
    assert made.announced_on == DEMO_DAY and made.profile == first.profile == "default"
    assert made.output == "digest" and made.output_resolved == str(tmp_path / "digest")
    assert made.papers == first.papers_shown > 0
    assert made.files is not None
    assert {"README.md", "feeds/rss.xml", "site/index.html", "exports/digest.json"} <= set(
        made.files
    )
    assert made.files[-1] == f"reports/run-{DEMO_DAY}.json"
    assert all((tmp_path / "digest" / name).is_file() for name in made.files)
    assert demo_store.published_days() == {DEMO_DAY}
    assert [r.kind for r in demo_store.recent_runs()] == ["run"]  # no fake run beside it

    second = run_demo_day(demo_store, Path("digest"), notify)
    assert second.status == "ok" and notify.days == [DEMO_DAY]  # announced once
    notified = next(stage for stage in second.stages if stage.name == "notify")
    assert notified.status == "skipped" and notified.note == "already announced"
    assert len(demo_store.publications()) == 2
    assert [r.kind for r in demo_store.recent_runs()] == ["run", "run"]


def test_a_dry_run_records_no_publication(demo_store: Store, tmp_path: Path) -> None:
    client = ArxivClient(min_interval=0, transport=demo_transport(), cache=demo_store)
    notify = Notifications()
    try:
        options = pipeline.RunOptions(
            output=tmp_path / "out", catch_up=False, now=DEMO_NOW, dry_run=True
        )
        report = pipeline.run(notifying_config(), demo_store, client, options, notify=notify)
    finally:
        client.close()
    assert report.status == "dry-run"
    assert demo_store.publications() == [] and demo_store.published_days() == set()
    assert notify.days == []


# -- migration 0005 from a store at 0004 -------------------------------------------------------


def store_at_0004(db_url: str) -> None:
    """Create the database at revision 0004 with alembic (before publications existed)."""
    with Store.open(db_url, migrate=False) as empty:
        with empty._require_engine().begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0004")


def table_names(store: Store) -> set[str]:
    with store._require_engine().connect() as conn:
        return set(inspect(conn).get_table_names())


def old_runs(db_url: str) -> dict[str, int]:
    """Runs as a 0004 store kept them: real runs, and publications as ``publish`` runs."""
    with Store.open(db_url, migrate=False) as old:
        assert old.schema_revision() == "0004" and "publications" not in table_names(old)
        ids = {}
        for name, kind, day, status, counts in [
            ("catch-up", "catch-up", D1, "ok", {"papers": 40}),
            ("run D1", "run", D1, "ok", {"papers_shown": 6}),
            ("published D1", "publish", D1, "ok", {"papers": 6}),
            ("published D2", "publish", D2, "ok", {"papers": 0}),
            ("failed run D3", "run", D3, "failed", {}),
            ("published D4 without counts", "publish", D4, "ok", {}),
            ("published D1 again", "publish", D1, "ok", {"papers": 7}),
        ]:
            ids[name] = old.start_run(kind, day)
            old.finish_run(ids[name], status, counts=counts)
        ids["killed while publishing D3"] = old.start_run("publish", D3)  # left "running"
        return ids


def test_publish_runs_of_a_0004_store_become_publications(db_url: str) -> None:
    store_at_0004(db_url)
    ids = old_runs(db_url)
    with Store.open(db_url, migrate=False) as old:
        before = {run.id: run for run in old.recent_runs(100)}

    with Store.open(db_url) as store:
        assert store.applied_migrations == (
            "0005",
            "0006",
            "0007",
            "0008",
            "0009",
            "0010",
            "0011",
            "0012",
        )
        kept = {run.id: run for run in store.recent_runs(100)}
        publications = store.publications(limit=None)
        assert store.published_days() == {D1, D2, D4}
        assert store.published_days("any profile") == {D1, D2, D4}  # the profile is unknown
        assert store.publications("any profile", limit=None) == publications

    assert kept == {key: run for key, run in before.items() if run.kind != "publish"}
    assert sorted(kept) == sorted(ids[name] for name in ("catch-up", "run D1", "failed run D3"))
    expected = [
        (before[ids[name]].announced_on, papers, before[ids[name]].finished_at)
        for name, papers in [
            ("published D1 again", 7),
            ("published D4 without counts", 0),
            ("published D2", 0),
            ("published D1", 6),
        ]
    ]
    assert [(p.announced_on, p.papers, p.published_at) for p in publications] == expected
    for publication in publications:  # what a publish run never recorded stays unknown
        assert publication.profile is None and publication.output is None
        assert publication.output_resolved is None and publication.files is None


def test_the_downgrade_gives_the_publish_runs_back(db_url: str) -> None:
    store_at_0004(db_url)
    old_runs(db_url)
    with Store.open(db_url) as store:
        publications = store.publications(limit=None)
        with store._require_engine().begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0004")
    with Store.open(db_url, migrate=False) as old:
        assert "publications" not in table_names(old)
        published = [run for run in old.recent_runs(100) if run.kind == "publish"]
    assert [
        (r.announced_on, r.counts, r.status, r.started_at, r.finished_at) for r in published
    ] == [
        (p.announced_on, {"papers": p.papers}, "ok", p.published_at, p.published_at)
        for p in publications
    ]
    with Store.open(db_url) as store:  # and up again: the same history
        assert [
            (p.announced_on, p.papers, p.published_at) for p in store.publications(limit=None)
        ] == [(p.announced_on, p.papers, p.published_at) for p in publications]


def test_a_day_published_before_the_upgrade_is_not_announced_again(
    db_url: str, tmp_path: Path
) -> None:
    store_at_0004(db_url)
    with Store.open(db_url, migrate=False) as old:
        published = old.start_run("publish", DEMO_DAY)
        old.finish_run(published, "ok", counts={"papers": 6})
    notify = Notifications()
    with Store.open(db_url) as store:
        seed_store(store)
        report = run_demo_day(store, tmp_path / "digest", notify)
        assert report.status == "ok" and notify.days == []
        assert [p.profile for p in store.publications()] == ["default", None]
