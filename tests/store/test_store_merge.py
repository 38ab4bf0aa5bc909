"""The upsert rules on their own (no database)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.models import Announcement, AnnounceType
from arxiv_radar.store.merge import (
    Outcome,
    announcement_row,
    merge_announcement,
    merge_paper,
    paper_row,
)

from store_helpers import DAY, make_paper

types = st.sampled_from(list(AnnounceType))
positions = st.none() | st.integers(min_value=0, max_value=1000)
versions = st.integers(min_value=1, max_value=5)


def announcement(announce_type: AnnounceType, version: int, position: int | None) -> dict:
    return announcement_row(
        Announcement(
            arxiv_id="2405.00001", version=version, announced_on=DAY, announce_type=announce_type
        ),
        position,
    )


@given(st.lists(st.tuples(types, versions, positions), min_size=1, max_size=6))
def test_announcement_merge_keeps_strongest_type_and_max_version(
    seen: list[tuple[AnnounceType, int, int | None]],
) -> None:
    row = None
    for announce_type, version, position in seen:
        row, _ = merge_announcement(row, announcement(announce_type, version, position))
    assert row is not None
    strongest = min((t for t, _, _ in seen), key=lambda t: t.priority)
    assert row["announce_type"] == strongest
    assert row["version"] == max(v for _, v, _ in seen)
    first_strongest = next(p for t, _, p in seen if t == strongest)
    if first_strongest is not None:
        assert row["position"] == first_strongest


@given(types, types, versions, versions)
def test_announcement_merge_order_does_not_matter_for_type(
    a: AnnounceType, b: AnnounceType, va: int, vb: int
) -> None:
    one, _ = merge_announcement(announcement(a, va, 1), announcement(b, vb, 2))
    other, _ = merge_announcement(announcement(b, vb, 2), announcement(a, va, 1))
    assert one["announce_type"] == other["announce_type"] == a.stronger(b)
    assert one["version"] == other["version"]


def test_merge_outcomes() -> None:
    stored = paper_row(make_paper())
    assert merge_paper(None, stored) == (stored, Outcome.INSERTED)
    assert merge_paper(stored, dict(stored))[1] is Outcome.UNCHANGED
    older = paper_row(make_paper(version=1, title="old"))
    newer = paper_row(make_paper(version=2, title="new"))
    assert merge_paper(newer, older) == (newer, Outcome.UNCHANGED)
    merged, outcome = merge_paper(older, newer)
    assert outcome is Outcome.UPDATED and merged["title"] == "new"


def test_same_version_merge_only_takes_provided_fields() -> None:
    rss = paper_row(make_paper(comment=None))
    api = paper_row(
        make_paper(
            abstract="",
            authors=(),
            comment="5 pages",
            published=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
        )
    )
    merged, outcome = merge_paper(rss, api)
    assert outcome is Outcome.UPDATED
    assert merged["abstract"] == rss["abstract"]
    assert merged["authors"] == rss["authors"]
    assert merged["categories"] == rss["categories"]
    assert merged["comment"] == "5 pages"
    assert merge_paper(merged, rss)[1] is Outcome.UNCHANGED
    assert merge_paper(merged, api)[1] is Outcome.UNCHANGED
    recategorised = paper_row(make_paper(categories=("math.CO",)))
    assert merge_paper(merged, recategorised)[0]["categories"] == ["math.CO"]
