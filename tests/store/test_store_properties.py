"""Property tests: any paper round-trips; a failing batch leaves nothing behind.

One store serves every example of a test (a fresh database per example would be slow on
PostgreSQL), so each example uses arxiv ids of its own.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arxiv_radar.errors import StoreError
from arxiv_radar.models import Announcement, AnnounceType, ListingEntry, Paper
from arxiv_radar.store import Store
from arxiv_radar.store.tables import announcements, papers

from store_helpers import DAY, table_rows

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

_serial = itertools.count()


def fresh_id() -> str:
    return f"9{next(_serial):04d}.{next(_serial):05d}"


# Any Unicode text but NUL, which PostgreSQL cannot store (the store drops it).
characters = st.characters(codec="utf-8", exclude_characters="\x00")
text = st.text(characters, max_size=80)
some_text = st.none() | text
offsets = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5)), dt.timezone.max])
moments = st.none() | st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=offsets
)
names = st.lists(text, max_size=6).map(tuple)

paper_fields = st.fixed_dictionaries(
    {
        "version": st.integers(min_value=1, max_value=2**31 - 1),
        "title": text,
        "abstract": text,
        "authors": names,
        "categories": names,
        "primary_category": st.none() | st.text(characters, max_size=20),
        "published": moments,
        "updated": moments,
        "comment": some_text,
        "journal_ref": some_text,
        "doi": some_text,
        "license": some_text,
    }
)


@SETTINGS
@given(fields=paper_fields)
def test_any_paper_round_trips(store: Store, fields: dict) -> None:
    paper = Paper(arxiv_id=fresh_id(), **fields)
    assert store.upsert_papers([paper]).papers_inserted == 1
    stored = store.get_paper(paper.arxiv_id)
    assert stored is not None
    assert stored.paper == paper
    for moment in (stored.paper.published, stored.paper.updated):
        assert moment is None or moment.utcoffset() == dt.timedelta(0)
    # Writing it again is a no-op.
    assert store.upsert_papers([paper]).papers_unchanged == 1


@st.composite
def batches_with_one_bad_entry(draw: st.DrawFn) -> tuple[list[ListingEntry], int, str]:
    size = draw(st.integers(min_value=1, max_value=30))
    types = draw(st.lists(st.sampled_from(list(AnnounceType)), min_size=size, max_size=size))
    entries = []
    for announce_type in types:
        arxiv_id = fresh_id()
        entries.append(
            ListingEntry(
                paper=Paper(arxiv_id=arxiv_id, version=1, title=f"Paper {arxiv_id}"),
                announcement=Announcement(
                    arxiv_id=arxiv_id, version=1, announced_on=DAY, announce_type=announce_type
                ),
            )
        )
    bad_at = draw(st.integers(min_value=0, max_value=size - 1))
    how = draw(st.sampled_from(["mismatch", "invalid version", "invalid type"]))
    entry = entries[bad_at]
    if how == "mismatch":
        wrong = entry.announcement.model_copy(update={"arxiv_id": fresh_id()})
    else:
        # Bypass validation to make a row only the database's constraints refuse.
        values = entry.announcement.model_dump()
        if how == "invalid version":
            values["version"] = 0
        else:
            values["announce_type"] = "withdrawn"
            values["announced_on"] = DAY + dt.timedelta(days=1)  # a row inserted, not merged
        wrong = Announcement.model_construct(**values)
    entries[bad_at] = entry.model_copy(update={"announcement": wrong})
    return entries, bad_at, how


@SETTINGS
@given(batch=batches_with_one_bad_entry())
def test_ingest_is_all_or_nothing(store: Store, batch: tuple[list[ListingEntry], int, str]) -> None:
    entries, _bad_at, _how = batch
    before = (table_rows(store, papers), table_rows(store, announcements))
    with pytest.raises(StoreError):
        store.ingest(entries)
    assert (table_rows(store, papers), table_rows(store, announcements)) == before
    good = [entry for entry in entries if entry.announcement.version >= 1]
    good = [e for e in good if e.announcement.arxiv_id == e.paper.arxiv_id]
    good = [e for e in good if e.announcement.announce_type in set(AnnounceType)]
    assert store.ingest(good).papers_inserted == len(good)
