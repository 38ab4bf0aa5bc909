"""A reader's profile published in the store (publish/stored.py), and what its feeds show.

Against a real SQLite store and the real app: a day is published once its ranking is
current, again only when something it shows changed (a newer summary); a reader's feed shows
the days published (dated by their publication), and a profile never published shows its
ranked days as before; readers' publications do not count for the once-a-day notification.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient

from arxiv_radar.config import Config, ProfileConfig
from arxiv_radar.models import Announcement, AnnounceType, ListingEntry, Paper, Summary, SummaryKey
from arxiv_radar.publish.stored import publication_state, publish_in_store
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.server import create_app
from arxiv_radar.store import Store

DAY = dt.date(2024, 5, 6)
NEXT = dt.date(2024, 5, 7)
PROFILE = ProfileConfig.model_validate({"keywords": ["transformer"], "max_papers": 5})
PAPERS = {
    DAY: ("2405.00001", "2405.00002"),
    NEXT: ("2405.00101", "2405.00102"),
}


def entry(arxiv_id: str, day: dt.date) -> ListingEntry:
    paper = Paper(
        arxiv_id=arxiv_id,
        version=1,
        title=f"A transformer paper {arxiv_id}",
        abstract="We study a transformer.",
        authors=("Ada Lovelace",),
        categories=("cs.LG",),
        primary_category="cs.LG",
    )
    announcement = Announcement(
        arxiv_id=arxiv_id, version=1, announced_on=day, announce_type=AnnounceType.NEW, feed="rss"
    )
    return ListingEntry(paper=paper, announcement=announcement)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "radar.db")


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    with Store.open(db) as opened:
        for day, ids in PAPERS.items():
            opened.ingest([entry(arxiv_id, day) for arxiv_id in ids])
        yield opened


def summary_of(arxiv_id: str) -> Summary:
    key = SummaryKey(
        arxiv_id=arxiv_id,
        version=1,
        provider="openai-compatible:m",
        prompt_hash="p",
        input_mode="abstract",
        language="en",
    )
    return Summary(key=key, model="m", markdown="**TL;DR**: new.", tldr="new.")


def test_a_day_is_published_once_ranked_and_again_only_when_it_changed(store: Store) -> None:
    assert publish_in_store(store, "ada", PROFILE, DAY) is None  # not ranked: nothing
    assert store.publications("ada", limit=None) == []
    rank_day(store, "ada", PROFILE, day=DAY)
    first = publish_in_store(store, "ada", PROFILE, DAY)
    assert first is not None and first.profile == "ada" and first.papers == 2
    assert first.output is None and first.files == ()
    assert publish_in_store(store, "ada", PROFILE, DAY) == first  # nothing new: no new row
    assert not publication_state(store, "ada", PROFILE, DAY).due
    time.sleep(0.01)
    store.save_summary(summary_of("2405.00001"))  # a summary made after the publication
    assert publication_state(store, "ada", PROFILE, DAY).due
    second = publish_in_store(store, "ada", PROFILE, DAY)
    assert second is not None and second.id != first.id
    assert second.published_at >= first.published_at
    # The once-a-day notification looks past the readers' publications.
    assert store.published_days() == {DAY}
    assert store.published_days(exclude=["ada"]) == set()


def test_a_readers_feed_shows_the_days_published(store: Store, db: str) -> None:
    config = Config.model_validate({"profiles": {"default": {}, "ada": PROFILE.model_dump()}})
    secret = store.add_reader("ada", ["ada"])
    for day in PAPERS:
        rank_day(store, "ada", PROFILE, day=day)

    def shown() -> tuple[set[str], dt.datetime | None]:
        with TestClient(create_app(config, db, env={}, state_ttl=0.0)) as client:
            answer = client.get(f"/u/{secret.feed_token}/rss")
            assert answer.status_code == 200
        feed = feedparser.parse(answer.content)
        ids = {e.link.rstrip("/").rsplit("/", 1)[-1].split("v")[0] for e in feed.entries}
        built = feed.feed.get("updated")  # <lastBuildDate>
        return ids, parsedate_to_datetime(built) if built else None

    assert shown()[0] == set(PAPERS[NEXT])  # never published: the latest ranked day
    published = publish_in_store(store, "ada", PROFILE, DAY)
    assert published is not None
    ids, date = shown()
    assert ids == set(PAPERS[DAY])  # published days only, from now on
    assert date is not None
    assert abs((date - published.published_at).total_seconds()) < 1  # dated by it
    publish_in_store(store, "ada", PROFILE, NEXT)
    assert shown()[0] == set(PAPERS[NEXT])
