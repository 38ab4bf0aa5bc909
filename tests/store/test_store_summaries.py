"""The summary cache: keyed exactly, failures replaced, the newest usable one published."""

from __future__ import annotations

import datetime as dt

import pytest

from arxiv_radar.errors import StoreError
from arxiv_radar.models import (
    Announcement,
    AnnounceType,
    ListingEntry,
    Paper,
    Summary,
    SummaryKey,
    SummarySection,
    SummaryStatus,
)
from arxiv_radar.store import Store

from store_helpers import DAY


def _entry(arxiv_id: str, version: int = 1) -> ListingEntry:
    return ListingEntry(
        paper=Paper(arxiv_id=arxiv_id, version=version, title="T", abstract="A"),
        announcement=Announcement(
            arxiv_id=arxiv_id, version=version, announced_on=DAY, announce_type=AnnounceType.NEW
        ),
    )


def _key(arxiv_id: str = "2604.00001", **changes: object) -> SummaryKey:
    values: dict[str, object] = {
        "arxiv_id": arxiv_id,
        "version": 1,
        "provider": "dashscope:qwen-long",
        "prompt_hash": "abc123",
        "input_mode": "abstract",
        "language": "zh",
    }
    values.update(changes)
    return SummaryKey.model_validate(values)


def _summary(key: SummaryKey, status: SummaryStatus = SummaryStatus.OK, **extra: object) -> Summary:
    return Summary.model_validate(
        {
            "key": key,
            "model": "qwen-long",
            "markdown": "TL;DR: fast.\n\n## 1. 主要贡献和创新点\nA KV-cache method.",
            "tldr": "fast.",
            "sections": [SummarySection(number=1, title="主要贡献和创新点", body="A method.")],
            "missing_sections": [2, 3, 4],
            "status": status,
            "tokens_in": 1200,
            "tokens_out": 340,
            "cost": 0.00128,
            **extra,
        }
    )


def test_a_summary_round_trips_under_its_exact_key(store: Store) -> None:
    store.ingest([_entry("2604.00001")])
    summary = _summary(_key())
    store.save_summary(summary)
    found = store.get_summaries([_key(), _key(version=2), _key(language="en")])
    assert list(found) == [_key()]
    stored = found[_key()]
    assert stored.model_dump(exclude={"created_at"}) == summary.model_dump(exclude={"created_at"})
    assert stored.created_at is not None and stored.created_at.tzinfo is not None


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"provider": "openai:gpt-4o-mini"},
        {"prompt_hash": "def456"},
        {"input_mode": "fulltext"},
        {"language": "en"},
    ],
)
def test_every_part_of_the_key_separates_entries(store: Store, change: dict[str, object]) -> None:
    store.ingest([_entry("2604.00001")])
    store.save_summary(_summary(_key()))
    assert store.get_summaries([_key(**change)]) == {}


def test_a_failure_is_replaced_by_the_retry(store: Store) -> None:
    store.ingest([_entry("2604.00001")])
    failed = _summary(_key(), SummaryStatus.FAILED, markdown="", error="HTTP 500 after 5 attempts")
    store.save_summary(failed)
    assert store.get_summaries([_key()])[_key()].status is SummaryStatus.FAILED
    assert store.latest_summaries(["2604.00001"]) == {}
    store.save_summary(_summary(_key()))
    assert store.get_summaries([_key()])[_key()].status is SummaryStatus.OK
    assert set(store.latest_summaries(["2604.00001"])) == {"2604.00001"}


def test_latest_summaries_prefer_the_newest_version(store: Store) -> None:
    store.ingest([_entry("2604.00001")])
    store.upsert_papers([Paper(arxiv_id="2604.00001", version=2, title="T2")])
    early = dt.datetime(2026, 4, 27, 12, tzinfo=dt.UTC)
    store.save_summary(_summary(_key(version=2), tldr="v2", created_at=early))
    store.save_summary(_summary(_key(), tldr="v1", created_at=early + dt.timedelta(hours=1)))
    assert store.latest_summaries(["2604.00001"])["2604.00001"].tldr == "v2"


def test_a_summary_for_an_unknown_paper_is_refused(store: Store) -> None:
    with pytest.raises(StoreError):
        store.save_summary(_summary(_key("2604.99999")))
