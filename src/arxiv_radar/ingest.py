"""The fetch stage: arXiv listings into the store.

Long on purpose: today, missed days and the backfills share one day report and one store path.

``fetch_latest`` reads today's listing (one RSS request for every followed category)
and, when announcement days since the store began (and within ``days_back``) are missing
from it, fills them through the export API; earlier history is ``backfill``'s job.
``fetch_date`` reads one given day, or takes it from the store when the store holds it
complete. ``backfill_*`` ingest papers on request: by id, by submission window, or by an
OAI-PMH harvest.

A day is *complete in the store* for the followed categories when each of them had that
day's listing read whole: from the RSS feed, or through the export API by a finished
catch-up or backfill (the store's ``listings`` table).

Every function takes its collaborators (an :class:`ArxivClient`, a :class:`Store`)
as arguments and returns a typed report; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from arxiv_radar.arxiv import api, calendar, derive, oai, rss
from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.config import ArxivConfig
from arxiv_radar.errors import ArxivError, UsageError
from arxiv_radar.models import (
    IngestCounts,
    ListingEntry,
    Paper,
    SkippedItem,
)
from arxiv_radar.store import Store

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
"""Callback ``(label, done, total)`` for progress bars; the CLI passes one."""

CATCH_UP_RUN = "catch-up"
DAILY_RUNS = ("run", "fetch")
"""The kinds of run that read the live listing: the first one is when the store began."""


def _no_progress(label: str, done: int, total: int | None) -> None:
    return


@dataclass
class DayReport:
    """What one announcement day's ingestion did."""

    announced_on: dt.date | None
    source: str  # "rss" | "api" | "oai" | "store"
    # "ingested" | "not-modified" | "no-announcement" | "empty-unexpected" | "stored"
    status: str
    counts: IngestCounts = field(default_factory=IngestCounts)
    by_type: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    skipped: list[SkippedItem] = field(default_factory=list)

    @property
    def papers(self) -> int:
        return sum(self.by_type.values())


@dataclass
class FetchReport:
    """The result of ``fetch_latest`` or a backfill: one entry per day touched."""

    days: list[DayReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0

    @property
    def counts(self) -> IngestCounts:
        return sum((day.counts for day in self.days), IngestCounts())

    @property
    def by_type(self) -> Counter[str]:
        return sum((day.by_type for day in self.days), Counter())

    @property
    def by_category(self) -> Counter[str]:
        return sum((day.by_category for day in self.days), Counter())

    @property
    def skipped(self) -> list[SkippedItem]:
        return [item for day in self.days for item in day.skipped]


def _tally(report: DayReport, entries: Sequence[ListingEntry], followed: Collection[str]) -> None:
    for entry in entries:
        report.by_type[entry.announcement.announce_type.value] += 1
        for category in entry.paper.categories:
            if category in followed:
                report.by_category[category] += 1


def listing_day_of(moment: dt.datetime) -> dt.date:
    """The listing (announcement) date whose submission window holds ``moment``."""
    day = moment.astimezone(calendar.ET).date()
    for _ in range(15):
        if calendar.is_listing_day(day):
            start, end = calendar.submission_window(day)
            if start <= moment < end:
                return day
        day += dt.timedelta(days=1)
    return calendar.next_listing_day(moment.astimezone(calendar.ET).date())


def derive_entries(
    papers: Iterable[Paper],
    followed: Collection[str],
    *,
    feed: str,
    announced_on: dt.date | None = None,
) -> tuple[list[ListingEntry], list[Paper]]:
    """Announcements for papers found outside the RSS feed.

    The day is ``announced_on`` when given, else derived from the version's
    submission time. Papers in no followed category come back separately: they
    are stored without an announcement.
    """
    entries: list[ListingEntry] = []
    unannounced: list[Paper] = []
    for paper in papers:
        day = announced_on
        if day is None:
            moment = paper.updated or paper.published
            if moment is None:
                unannounced.append(paper)
                continue
            day = listing_day_of(moment)
        announcement = derive.derive_announcement(paper, followed, day, feed=feed)
        if announcement is None:
            unannounced.append(paper)
        else:
            entries.append(ListingEntry(paper=paper, announcement=announcement))
    return entries, unannounced


def _store_derived(
    store: Store,
    papers: Iterable[Paper],
    followed: Collection[str],
    *,
    feed: str,
    announced_on: dt.date | None = None,
) -> list[DayReport]:
    entries, unannounced = derive_entries(papers, followed, feed=feed, announced_on=announced_on)
    by_day: dict[dt.date, list[ListingEntry]] = {}
    for entry in entries:
        by_day.setdefault(entry.announcement.announced_on, []).append(entry)
    reports = []
    for day in sorted(by_day):
        report = DayReport(announced_on=day, source=feed, status="ingested")
        report.counts = store.ingest(by_day[day])
        _tally(report, by_day[day], followed)
        reports.append(report)
    if unannounced:
        report = DayReport(announced_on=None, source=feed, status="ingested")
        report.counts = store.upsert_papers(unannounced)
        report.by_type["unlisted"] = len(unannounced)
        reports.append(report)
    return reports


def fetch_today(
    config: ArxivConfig, client: ArxivClient, store: Store, *, now: dt.datetime
) -> DayReport:
    """Read the current listing feed (one request) and store every item."""
    fetched = rss.fetch_listing(client, config.rss_url, config.categories)
    listing = fetched.listing
    expected = calendar.expected_latest_listing_day(now)
    if listing.not_modified:
        return DayReport(announced_on=None, source="rss", status="not-modified")
    if listing.is_empty:
        day = listing.announced_on or expected
        status = (
            "empty-unexpected"
            if calendar.classify_empty(day) == "unexpected"
            else "no-announcement"
        )
        report = DayReport(announced_on=day, source="rss", status=status)
        report.skipped.extend(listing.skipped)
        client.remember(fetched.response)
        return report
    report = DayReport(announced_on=listing.announced_on, source="rss", status="ingested")
    report.counts = store.ingest(listing.entries)
    report.skipped.extend(listing.skipped)
    _tally(report, listing.entries, config.categories)
    if listing.announced_on is not None:
        store.record_listing(listing.announced_on, "rss", config.categories, report.papers)
    client.remember(fetched.response)
    return report


def store_began(store: Store) -> dt.date | None:
    """The first listing day of the store's daily path: the earliest day read from the
    listing feed, or the listing day that was live when the first ``run``/``fetch`` started,
    whichever is earlier (None for a store that never ran either)."""
    first_run = store.first_run_started(DAILY_RUNS)
    candidates = [
        day
        for day in (
            store.first_announcement_date("rss"),
            calendar.expected_latest_listing_day(first_run) if first_run else None,
        )
        if day is not None
    ]
    return min(candidates, default=None)


def is_complete(store: Store, day: dt.date, categories: Collection[str]) -> bool:
    """True when the listing of ``day`` was read whole for every one of ``categories``."""
    return set(categories) <= store.listed_categories(day)


def check_announced(day: dt.date, now: dt.datetime | None = None) -> None:
    """Refuse (:class:`UsageError`, exit 2) a day whose listing cannot exist yet."""
    now = now or dt.datetime.now(dt.UTC)
    if calendar.is_listing_day(day):
        if calendar.announcement_time(day) <= now:
            return
        when = calendar.announcement_time(day).astimezone(calendar.ET)
        raise UsageError(
            f"{day} is in the future: arXiv announces that listing on "
            f"{when:%A %d %B %Y at %H:%M} ET"
        )
    if day > now.astimezone(calendar.ET).date():
        raise UsageError(f"{day} is in the future: there is no listing for it yet")


def missing_days(
    store: Store, *, today: dt.date, days_back: int, exclude: Collection[dt.date] = ()
) -> list[dt.date]:
    """Listing days before ``today``, since the store began (:func:`store_began`) and within
    ``days_back``, with no announcement, no listing read and no finished catch-up."""
    began = store_began(store)
    if days_back <= 0 or began is None:
        return []
    start = max(today - dt.timedelta(days=days_back), began)
    known = set(store.announcement_dates()) | set(exclude) | store.listing_dates()
    known |= store.run_dates(CATCH_UP_RUN)
    return [d for d in calendar.listing_days(start, today) if d < today and d not in known]


def fetch_day_from_api(
    config: ArxivConfig, client: ArxivClient, store: Store, day: dt.date
) -> DayReport:
    """Ingest the papers first submitted for listing day ``day`` through the export API.

    The API finds submissions by date, so this recovers a day's ``new`` and ``cross``
    papers (v1); replacements of that day are not visible this way.
    """
    start, end = calendar.submission_window(day)
    run_id = store.start_run(CATCH_UP_RUN, announced_on=day)
    try:
        papers = list(api.search_submitted(client, config.api_url, config.categories, start, end))
        reports = _store_derived(store, papers, config.categories, feed="api", announced_on=day)
        found = sum(report.papers for report in reports if report.announced_on == day)
        store.record_listing(day, "api", config.categories, found)
    except Exception as error:
        store.finish_run(run_id, "failed", errors=[str(error)])
        raise
    report = reports[0] if reports else DayReport(announced_on=day, source="api", status="ingested")
    for extra in reports[1:]:
        report.counts = report.counts + extra.counts
        report.by_type.update(extra.by_type)
        report.by_category.update(extra.by_category)
    store.finish_run(run_id, "ok", counts={"papers": report.papers})
    return report


def fetch_latest(
    config: ArxivConfig,
    client: ArxivClient,
    store: Store,
    *,
    now: dt.datetime | None = None,
    catch_up: bool = True,
    progress: Progress = _no_progress,
) -> FetchReport:
    """Today's listing, then any day missed since the store began, within
    ``config.days_back`` (:func:`missing_days`)."""
    now = now or dt.datetime.now(dt.UTC)
    report = FetchReport()
    sent_before = client.requests_sent
    today = fetch_today(config, client, store, now=now)
    report.days.append(today)
    if today.status == "empty-unexpected":
        report.warnings.append(
            f"the listing feed for {today.announced_on} is empty although it is an "
            "announcement day; arXiv may be late or down (https://status.arxiv.org)"
        )
    if today.skipped:
        report.warnings.append(f"{len(today.skipped)} malformed feed items were skipped")
    if catch_up:
        # The window ends at the listing just read; after a 304 (the listing seen last
        # time) at the latest stored day; with neither, at the day the clock says is live.
        reference = (
            today.announced_on
            or store.latest_announcement_date()
            or calendar.expected_latest_listing_day(now)
        )
        exclude = [today.announced_on] if today.announced_on else []
        days = missing_days(store, today=reference, days_back=config.days_back, exclude=exclude)
        for done, day in enumerate(days):
            progress("catching up", done, len(days))
            try:
                report.days.append(fetch_day_from_api(config, client, store, day))
            except ArxivError as error:
                # Today's listing is stored already: a failing export API must not hold
                # it back. The days not filled are tried again on the next run.
                report.warnings.append(
                    f"catching up stopped at {day} ({error}); {len(days) - done} missed "
                    "days are left for the next run"
                )
                break
        if days:
            progress("catching up", len(days), len(days))
    report.requests = client.requests_sent - sent_before
    return report


def fetch_date(
    config: ArxivConfig,
    client: ArxivClient,
    store: Store,
    day: dt.date,
    *,
    now: dt.datetime | None = None,
    use_stored: bool = False,
) -> FetchReport:
    """Ingest one given listing day: from RSS when it is the live one, else the API.

    A day whose listing cannot exist yet is refused (:func:`check_announced`). With
    ``use_stored``, a day complete in the store (:func:`is_complete`) is taken from it
    without any request (status ``stored``).
    """
    now = now or dt.datetime.now(dt.UTC)
    check_announced(day, now)
    report = FetchReport()
    if use_stored and is_complete(store, day, config.categories):
        report.days.append(_stored_day(store, day, config.categories))
        return report
    sent_before = client.requests_sent
    if day == calendar.expected_latest_listing_day(now):
        today = fetch_today(config, client, store, now=now)
        if today.announced_on == day or today.status == "not-modified":
            report.days.append(today)
            report.requests = client.requests_sent - sent_before
            return report
    if not calendar.is_listing_day(day):
        report.days.append(DayReport(announced_on=day, source="api", status="no-announcement"))
        report.warnings.append(f"{day} is not an arXiv announcement day: nothing to fetch")
    else:
        report.days.append(fetch_day_from_api(config, client, store, day))
    report.requests = client.requests_sent - sent_before
    return report


def _stored_day(store: Store, day: dt.date, followed: Collection[str]) -> DayReport:
    report = DayReport(announced_on=day, source="store", status="stored")
    for item in store.papers_announced_on(day):
        types = sorted(
            (a.announce_type for a in item.announcements if a.announced_on == day),
            key=lambda t: t.priority,
        )
        if types:
            report.by_type[types[0].value] += 1
        for category in item.paper.categories:
            if category in followed:
                report.by_category[category] += 1
    return report


def backfill_ids(
    config: ArxivConfig, client: ArxivClient, store: Store, ids: Sequence[str]
) -> FetchReport:
    """Look papers up by id (batched) and store them with derived announcements."""
    report = FetchReport()
    sent_before = client.requests_sent
    lookup = api.lookup_ids(client, config.api_url, ids)
    papers = list(lookup)
    report.days.extend(_store_derived(store, papers, config.categories, feed="api"))
    result = lookup
    if result.missing:
        report.warnings.append(
            f"arXiv has no paper for {len(result.missing)} requested id(s): "
            + ", ".join(result.missing[:20])
        )
    report.requests = client.requests_sent - sent_before
    return report


def backfill_window(
    config: ArxivConfig,
    client: ArxivClient,
    store: Store,
    since: dt.date,
    until: dt.date,
    *,
    progress: Progress = _no_progress,
) -> FetchReport:
    """Every listing day from ``since`` to ``until`` (inclusive) through the export API."""
    report = FetchReport()
    sent_before = client.requests_sent
    days = calendar.listing_days(since, until)
    for done, day in enumerate(days):
        progress("backfilling", done, len(days))
        report.days.append(fetch_day_from_api(config, client, store, day))
    progress("backfilling", len(days), len(days))
    report.requests = client.requests_sent - sent_before
    return report


def backfill_oai(
    config: ArxivConfig,
    client: ArxivClient,
    store: Store,
    *,
    set_spec: str,
    from_date: dt.date,
    batch_size: int = 1000,
    progress: Progress = _no_progress,
) -> FetchReport:
    """Harvest an OAI-PMH set from ``from_date`` and store it in batches."""
    report = FetchReport()
    sent_before = client.requests_sent
    batch: list[Paper] = []
    seen = 0
    for paper in oai.harvest(client, config.oai_url, set_spec=set_spec, from_date=from_date):
        batch.append(paper)
        seen += 1
        if len(batch) >= batch_size:
            report.days.extend(_store_derived(store, batch, config.categories, feed="oai"))
            batch = []
            progress("harvesting", seen, None)
    if batch:
        report.days.extend(_store_derived(store, batch, config.categories, feed="oai"))
    progress("harvesting", seen, seen)
    report.requests = client.requests_sent - sent_before
    return report


__all__ = [
    "DayReport",
    "FetchReport",
    "backfill_ids",
    "backfill_oai",
    "backfill_window",
    "derive_entries",
    "fetch_date",
    "fetch_latest",
    "is_complete",
    "listing_day_of",
    "store_began",
]
