"""Papers and announcements: the upsert rules, ordering and reads, on every backend."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from arxiv_radar.errors import StoreError
from arxiv_radar.models import Announcement, AnnounceType, IngestCounts
from arxiv_radar.store import Store
from arxiv_radar.store.tables import announcements, papers

from store_helpers import DAY, make_entry, make_paper, table_rows

UTC = dt.UTC


def listing(count: int = 5, day: dt.date = DAY) -> list:
    return [make_entry(f"2405.{i:05d}", "new" if i % 2 else "cross", day=day) for i in range(count)]


def test_ingest_inserts_papers_and_announcements(store: Store) -> None:
    counts = store.ingest(listing(5))
    assert counts == IngestCounts(papers_inserted=5, announcements_inserted=5)
    assert store.count_papers() == 5
    stored = store.get_paper("2405.00003")
    assert stored is not None
    assert stored.paper == make_paper("2405.00003")
    assert stored.announcements == (
        Announcement(
            arxiv_id="2405.00003", version=1, announced_on=DAY, announce_type="new", feed="rss"
        ),
    )
    assert stored.first_seen_at is not None
    assert stored.first_seen_at.tzinfo is not None
    assert stored.first_seen_at.utcoffset() == dt.timedelta(0)


def test_ingesting_the_same_feed_twice_changes_nothing(store: Store) -> None:
    entries = listing(7)
    store.ingest(entries)
    papers_before = table_rows(store, papers)
    announcements_before = table_rows(store, announcements)
    counts = store.ingest(entries)
    assert counts == IngestCounts(papers_unchanged=7, announcements_unchanged=7)
    assert table_rows(store, papers) == papers_before  # updated_at untouched
    assert table_rows(store, announcements) == announcements_before


def test_new_version_replaces_the_paper(store: Store) -> None:
    published = dt.datetime(2024, 5, 1, 12, tzinfo=UTC)
    store.ingest([make_entry(comment="10 pages", published=published)])
    first = table_rows(store, papers)[0]
    v2 = make_entry("2405.00001", "replace", version=2, day=DAY + dt.timedelta(days=3))
    v2 = v2.model_copy(update={"paper": make_paper(version=2, title="Better title")})
    counts = store.ingest([v2])
    assert counts == IngestCounts(papers_updated=1, announcements_inserted=1)
    stored = store.get_paper("2405.00001")
    assert stored is not None
    assert stored.paper.version == 2
    assert stored.paper.title == "Better title"
    assert stored.paper.comment is None  # every field comes from the new version...
    assert stored.paper.published == published  # ...but v1's submission date stays known
    assert [a.announce_type for a in stored.announcements] == ["new", "replace"]
    row = table_rows(store, papers)[0]
    assert row["first_seen_at"] == first["first_seen_at"]
    assert row["updated_at"] >= first["updated_at"]


def test_older_version_never_downgrades(store: Store) -> None:
    store.ingest([make_entry(version=2, title="Version two")])
    counts = store.ingest([make_entry(version=1, title="Version one", day=DAY)])
    assert counts.papers_unchanged == 1
    stored = store.get_paper("2405.00001")
    assert stored is not None
    assert (stored.paper.version, stored.paper.title) == (2, "Version two")


def test_same_version_merge_fills_missing_fields(store: Store) -> None:
    # The RSS feed has no dates or comment; the API has them.
    store.ingest([make_entry(authors=("A. Author",))])
    published = dt.datetime(2024, 5, 2, 17, 59, 1, tzinfo=UTC)
    api_record = make_paper(
        published=published,
        updated=published,
        comment="Accepted at ICML",
        doi="10.1000/xyz",
        abstract="",  # the API lacking a field never erases it
        authors=(),
    )
    assert store.upsert_papers([api_record]) == IngestCounts(papers_updated=1)
    stored = store.get_paper("2405.00001")
    assert stored is not None
    assert stored.paper.published == published
    assert stored.paper.comment == "Accepted at ICML"
    assert stored.paper.doi == "10.1000/xyz"
    assert stored.paper.abstract == "Abstract of 2405.00001."
    assert stored.paper.authors == ("A. Author",)
    # The RSS record again: it lacks those fields, so nothing changes.
    assert store.ingest([make_entry(authors=("A. Author",))]) == IngestCounts(
        papers_unchanged=1, announcements_unchanged=1
    )
    assert store.upsert_papers([api_record]) == IngestCounts(papers_unchanged=1)


@pytest.mark.parametrize("order", [("cross", "new"), ("new", "cross")])
def test_cross_and_new_on_one_day_end_as_new(store: Store, order: tuple[str, str]) -> None:
    first, second = order
    # Seen in two category feeds (one paper, one day, one source), in either order.
    store.ingest([make_entry("2405.00010", "new"), make_entry("2405.00001", first)])
    counts = store.ingest([make_entry("2405.00001", second)])
    assert counts.papers_unchanged == 1
    stored = store.get_paper("2405.00001")
    assert stored is not None
    assert [a.announce_type for a in stored.announcements] == [AnnounceType.NEW]
    assert counts.announcements_updated == (1 if second == "new" else 0)
    assert len(table_rows(store, announcements)) == 2


def test_duplicates_within_one_batch_fold_into_one_row(store: Store) -> None:
    counts = store.ingest(
        [
            make_entry("2405.00001", "cross"),
            make_entry("2405.00002", "new"),
            make_entry("2405.00001", "new"),
            make_entry("2405.00001", "replace-cross"),
        ]
    )
    assert counts == IngestCounts(
        papers_inserted=2,
        papers_unchanged=2,
        announcements_inserted=2,
        announcements_updated=1,
        announcements_unchanged=1,
    )
    rows = {row["arxiv_id"]: row for row in table_rows(store, announcements)}
    assert rows["2405.00001"]["announce_type"] == "new"
    assert rows["2405.00001"]["position"] == 2  # the position of the `new` listing


def test_announcements_keep_the_max_version(store: Store) -> None:
    store.ingest([make_entry(version=2, announce_type="replace")])
    store.add_announcements(
        [Announcement(arxiv_id="2405.00001", version=1, announced_on=DAY, announce_type="new")]
    )
    rows = table_rows(store, announcements)
    assert [(r["announce_type"], r["version"]) for r in rows] == [("new", 2)]


def test_papers_announced_on_order(store: Store) -> None:
    other_day = DAY + dt.timedelta(days=1)
    store.ingest(
        [
            make_entry("2405.00005", "replace-cross"),
            make_entry("2405.00004", "cross"),
            make_entry("2405.00003", "new"),
            make_entry("2405.00002", "replace"),
            make_entry("2405.00001", "new"),
            make_entry("2405.00009", "new", day=other_day),
        ]
    )
    # An API look-up saw one of the cross-lists as `new` (no position): it now sorts as new,
    # after the `new` papers that have a position.
    store.add_announcements(
        [
            Announcement(
                arxiv_id="2405.00004", version=1, announced_on=DAY, announce_type="new", feed="api"
            )
        ],
        positions=False,
    )
    order = [p.paper.arxiv_id for p in store.papers_announced_on(DAY)]
    assert order == ["2405.00003", "2405.00001", "2405.00004", "2405.00002", "2405.00005"]
    assert [p.paper.arxiv_id for p in store.papers_announced_on(other_day)] == ["2405.00009"]
    assert store.papers_announced_on(DAY - dt.timedelta(days=9)) == []
    day_papers = store.papers_announced_on(DAY)
    assert {a.feed for a in day_papers[2].announcements} == {"rss", "api"}


def test_ties_order_by_arxiv_id(store: Store) -> None:
    store.add_announcements([])  # nothing to do is fine
    store.upsert_papers([make_paper("2405.00002"), make_paper("2405.00001")])
    store.add_announcements(
        [
            Announcement(arxiv_id=i, version=1, announced_on=DAY, announce_type="new")
            for i in ("2405.00002", "2405.00001")
        ],
        positions=False,
    )
    assert [p.paper.arxiv_id for p in store.papers_announced_on(DAY)] == [
        "2405.00001",
        "2405.00002",
    ]


def test_announcement_dates(store: Store) -> None:
    assert store.announcement_dates() == []
    assert store.latest_announcement_date() is None
    days = [DAY + dt.timedelta(days=n) for n in (3, 0, 1)]
    for n, day in enumerate(days):
        store.ingest([make_entry(f"2405.0000{n}", day=day), make_entry("2405.00009", day=day)])
    assert store.announcement_dates() == sorted(days)
    assert store.latest_announcement_date() == max(days)


def test_get_papers_and_all_papers(store: Store) -> None:
    store.ingest(listing(12))
    found = store.get_papers(["2405.00003", "2405.99999", "2405.00003", "2405.00011"])
    assert sorted(found) == ["2405.00003", "2405.00011"]
    assert store.get_paper("2405.99999") is None
    assert store.get_papers([]) == {}
    everything = [p.paper.arxiv_id for p in store.all_papers(page_size=5)]
    assert everything == [f"2405.{i:05d}" for i in range(12)]
    assert [p.paper.arxiv_id for p in store.all_papers(limit=7, page_size=5)] == everything[:7]
    assert list(store.all_papers(limit=0)) == []


def test_announcements_for_unknown_papers_are_refused(store: Store) -> None:
    store.ingest([make_entry("2405.00001")])
    unknown = Announcement(arxiv_id="2405.00404", version=1, announced_on=DAY, announce_type="new")
    with pytest.raises(StoreError, match=r"not stored: 2405\.00404"):
        store.add_announcements(
            [
                Announcement(
                    arxiv_id="2405.00001", version=1, announced_on=DAY, announce_type="cross"
                ),
                unknown,
            ]
        )
    assert len(table_rows(store, announcements)) == 1


def test_mismatched_entry_fails_the_whole_ingest(store: Store) -> None:
    store.ingest([make_entry("2405.00001")])
    before = (table_rows(store, papers), table_rows(store, announcements))
    bad = make_entry("2405.00003").model_copy(
        update={"announcement": make_entry("2405.00004").announcement}
    )
    entries = [*listing(600, day=DAY + dt.timedelta(days=1)), bad]
    with pytest.raises(StoreError, match="entry 600: the announcement is for 2405.00004"):
        store.ingest(entries)
    assert (table_rows(store, papers), table_rows(store, announcements)) == before


def test_database_constraint_failure_mid_batch_rolls_back(store: Store) -> None:
    """A row the database itself refuses, after 500 entries were written, undoes them all."""
    store.ingest([make_entry("2405.00001")])
    before = (table_rows(store, papers), table_rows(store, announcements))
    good = listing(550, day=DAY + dt.timedelta(days=1))
    bad_announcement = Announcement.model_construct(
        arxiv_id="2405.00520", version=0, announced_on=DAY, announce_type="new", feed="rss"
    )
    good[520] = good[520].model_copy(update={"announcement": bad_announcement})
    with pytest.raises(StoreError, match="storing a listing failed"):
        store.ingest(good)
    assert (table_rows(store, papers), table_rows(store, announcements)) == before


def test_text_is_stored_exactly_and_nul_characters_dropped(store: Store) -> None:
    title = "Ünïcødé — 漢字 😀 \"quotes\" 'single' \\ back\nslash\ttab"
    store.upsert_papers([make_paper(title=title, abstract="a\x00b", authors=("x\x00y",))])
    stored = store.get_paper("2405.00001")
    assert stored is not None
    assert stored.paper.title == title
    assert stored.paper.abstract == "ab"
    assert stored.paper.authors == ("xy",)


def test_naive_and_offset_datetimes_are_stored_as_utc(store: Store) -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    store.upsert_papers(
        [
            make_paper(
                published=dt.datetime(2024, 5, 1, 14, 0, tzinfo=paris),
                updated=dt.datetime(2024, 5, 2, 9, 30, 15, 123456),
            )
        ]
    )
    stored = store.get_paper("2405.00001")
    assert stored is not None
    assert stored.paper.published == dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert stored.paper.published.tzinfo == UTC
    assert stored.paper.updated == dt.datetime(2024, 5, 2, 9, 30, 15, 123456, tzinfo=UTC)


def test_text_that_is_not_unicode_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="not valid Unicode"):
        store.upsert_papers([make_paper(title="broken \ud800 surrogate")])
    assert store.count_papers() == 0


def test_two_writers_on_one_sqlite_file_wait_for_each_other(tmp_path: Path) -> None:
    path = str(tmp_path / "radar.db")
    Store.open(path).close()
    errors: list[BaseException] = []

    def write(first: int) -> None:
        try:
            with Store.open(path) as store:
                for batch in range(10):
                    start = first + batch * 20
                    store.ingest([make_entry(f"2405.{i:05d}") for i in range(start, start + 20)])
                    store.count_papers()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n * 1000,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(path) as store:
        assert store.count_papers() == 600


def test_long_values_behave_the_same_on_every_backend(store: Store) -> None:
    long_id = "hep-th/" + "9" * 80
    feed = "a-source-with-a-rather-long-name"
    store.ingest([make_entry(long_id, feed=feed, primary_category="x" * 100)])
    stored = store.get_paper(long_id)
    assert stored is not None
    assert stored.announcements[0].feed == feed
    assert stored.paper.primary_category == "x" * 100
