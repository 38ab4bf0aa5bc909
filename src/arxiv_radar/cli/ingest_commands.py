"""Commands that bring papers in and show them: fetch, backfill, papers, doctor."""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from arxiv_radar.arxiv import calendar
from arxiv_radar.arxiv.ids import parse_arxiv_id
from arxiv_radar.cli.common import (
    CHECK_FAILED,
    ConfigOption,
    DateOption,
    DbOption,
    DebugOption,
    err,
    load_context,
    out,
    parse_date,
    progress_bar,
    setup_logging,
)
from arxiv_radar.errors import ArxivRadarError, StoreMissingError, UsageError
from arxiv_radar.text.plain import one_line

if TYPE_CHECKING:  # imported where used: every command starts without them
    from arxiv_radar import ingest
    from arxiv_radar.config import Config
    from arxiv_radar.store import Store

NO_STORE_HINT = (
    "`arxiv-radar run` (or `arxiv-radar fetch`) creates it; pass --db to read another store "
    "(after `arxiv-radar demo`: --db arxiv-radar-demo/arxiv-radar.db)"
)


def open_existing(store_url: str, **options: Any) -> Store:
    """Open a store for a command that only reads: a missing SQLite file is an error saying
    what creates it (:class:`StoreMissingError`, exit 2), never a new empty store."""
    from arxiv_radar.store import Store

    try:
        return Store.open(store_url, create=False, **options)
    except StoreMissingError as error:
        raise StoreMissingError(f"{error}: {NO_STORE_HINT}") from None


def _print_fetch(report: ingest.FetchReport, config: Config) -> None:
    days = Table(title="Announcement days", show_edge=False)
    days.add_column("date")
    days.add_column("source")
    days.add_column("status")
    days.add_column("papers", justify="right")
    days.add_column("new rows", justify="right")
    days.add_column("updated", justify="right")
    for day in report.days:
        days.add_row(
            str(day.announced_on or "-"),
            day.source,
            day.status,
            str(day.papers),
            str(day.counts.papers_inserted),
            str(day.counts.papers_updated),
        )
    out.print(days)
    types = Table(title="By announce type", show_edge=False)
    types.add_column("type")
    types.add_column("papers", justify="right")
    for name in ("new", "cross", "replace", "replace-cross", "unlisted"):
        if report.by_type.get(name):
            types.add_row(name, str(report.by_type[name]))
    cats = Table(title="By followed category", show_edge=False)
    cats.add_column("category")
    cats.add_column("papers", justify="right")
    for category in config.arxiv.categories:
        cats.add_row(category, str(report.by_category.get(category, 0)))
    out.print(types)
    out.print(cats)
    counts = report.counts
    out.print(
        f"[bold]{counts.papers_inserted}[/] new papers, {counts.papers_updated} updated, "
        f"{counts.papers_unchanged} unchanged; {counts.announcements_inserted} announcements "
        f"added; {report.requests} request(s) to arXiv."
    )
    for item in report.skipped:
        what = escape(item.identifier or "an item")
        err.print(f"[yellow]skipped[/] {what}: {escape(item.reason)}")
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")


def fetch(
    date: DateOption = None,
    no_catch_up: Annotated[
        bool, typer.Option("--no-catch-up", help="Do not fill missed days through the API.")
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Ingest the latest arXiv listing of your categories into the store.

    One request to rss.arxiv.org reads the listing of every followed category at
    once. Then every announcement day the store lacks since its first run (within
    `days_back`) is filled through the export API (one request per day, 3 s apart);
    older days are backfill's job.

    With --date, ingest that one announcement day (from the API unless it is the
    day the live feed shows); a day not announced yet is refused (exit 2).

    Examples:

      arxiv-radar fetch

      arxiv-radar fetch --date 2026-04-27 --db postgresql+psycopg://me@localhost/radar
    """
    from arxiv_radar import ingest
    from arxiv_radar.store import Store

    ctx = load_context(config, db, debug)
    day = parse_date(date)
    if day is not None:
        ingest.check_announced(day)  # a future day: refused before the store is opened
    from arxiv_radar.runtime import build_client  # httpx: only when needed

    with (
        Store.open(ctx.store_url, **ctx.store_options) as store,
        build_client(ctx.config.arxiv, store) as client,
    ):
        run_id = store.start_run("fetch", announced_on=day)
        try:
            if day is None:
                with progress_bar("fetching") as progress:
                    report = ingest.fetch_latest(
                        ctx.config.arxiv,
                        client,
                        store,
                        catch_up=not no_catch_up,
                        progress=progress,
                    )
            else:
                report = ingest.fetch_date(ctx.config.arxiv, client, store, day)
        except Exception as error:
            store.finish_run(run_id, "failed", errors=[str(error)])
            raise
        store.finish_run(
            run_id,
            "ok",
            counts={"papers": sum(d.papers for d in report.days), **report.by_type},
            errors=report.warnings,
        )
    _print_fetch(report, ctx.config)


def backfill(
    ids: Annotated[
        str | None,
        typer.Option("--ids", help="Comma-separated arXiv ids, e.g. 2604.21935,hep-th/9901001v2"),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="First announcement date YYYY-MM-DD (export API).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last announcement date (default: today).")
    ] = None,
    use_oai: Annotated[
        bool, typer.Option("--oai", help="Harvest through OAI-PMH (needs --set and --from).")
    ] = False,
    set_spec: Annotated[
        str | None,
        typer.Option("--set", help="OAI-PMH set, e.g. cs:cs:AI, or a category such as cs.AI."),
    ] = None,
    from_date: Annotated[
        str | None, typer.Option("--from", help="OAI-PMH: records changed since YYYY-MM-DD.")
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Ingest older papers: by id, by announcement dates, or by an OAI-PMH harvest.

    Exactly one of: --ids, --since [--until], --oai --set SET --from DATE.
    Announcement days for papers found this way are derived from their submission
    time and your followed categories (new, cross, replace, replace-cross).

    Examples:

      arxiv-radar backfill --ids 2604.21935,2604.21936v2

      arxiv-radar backfill --since 2026-04-20 --until 2026-04-24

      arxiv-radar backfill --oai --set cs:cs:AI --from 2026-04-01
    """
    chosen = [ids is not None, since is not None, use_oai]
    if sum(chosen) != 1:
        raise UsageError(
            "choose exactly one of --ids, --since, or --oai (see arxiv-radar backfill --help)"
        )
    from arxiv_radar import ingest
    from arxiv_radar.store import Store

    ctx = load_context(config, db, debug)
    from arxiv_radar.runtime import build_client  # httpx: only when needed

    with (
        Store.open(ctx.store_url, **ctx.store_options) as store,
        build_client(ctx.config.arxiv, store) as client,
    ):
        if ids is not None:
            wanted = [part.strip() for part in ids.split(",") if part.strip()]
            if not wanted:
                raise UsageError("--ids needs at least one arXiv id")
            for text in wanted:
                parse_arxiv_id(text)
            report = ingest.backfill_ids(ctx.config.arxiv, client, store, wanted)
        elif since is not None:
            first = parse_date(since)
            last = parse_date(until) or dt.datetime.now(calendar.ET).date()
            assert first is not None
            if last < first:
                raise UsageError(f"--until {last} is before --since {first}")
            with progress_bar("backfilling") as progress:
                report = ingest.backfill_window(
                    ctx.config.arxiv, client, store, first, last, progress=progress
                )
        else:
            if not set_spec or not from_date:
                raise UsageError("--oai needs --set (e.g. cs:cs:AI) and --from YYYY-MM-DD")
            start = parse_date(from_date)
            assert start is not None
            with progress_bar("harvesting") as progress:
                report = ingest.backfill_oai(
                    ctx.config.arxiv,
                    client,
                    store,
                    set_spec=_oai_set(set_spec),
                    from_date=start,
                    progress=progress,
                )
    _print_fetch(report, ctx.config)


def _oai_set(text: str) -> str:
    """Accept an OAI set spec as is, or a category name (cs.AI -> cs:cs:AI)."""
    if ":" in text:
        return text
    from arxiv_radar.arxiv.taxonomy import canonical_category, oai_set_for

    category = canonical_category(text)
    if category is None:
        raise UsageError(f"'{text}' is neither an OAI-PMH set (like cs:cs:AI) nor a category")
    return oai_set_for(category)


def papers(
    date: DateOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """List the stored papers of one announcement day (default: the latest stored).

    Papers come in arXiv's listing order: new, cross, replace, replace-cross.

    Examples:

      arxiv-radar papers

      arxiv-radar papers --date 2026-04-27 --json | jq '.[].title'
    """
    ctx = load_context(config, db, debug)
    day = parse_date(date)
    with open_existing(ctx.store_url, **ctx.store_options) as store:
        day = day or store.latest_announcement_date()
        stored = store.papers_announced_on(day) if day else []
    if as_json:
        from arxiv_radar.schemas import StoredPaperOut, dump_json  # pydantic: only for --json

        sys.stdout.write(dump_json([StoredPaperOut.of_stored(p) for p in stored]))
        return
    if day is None:
        err.print("The store holds no announcements yet: run [bold]arxiv-radar fetch[/] first.")
        return
    table = Table(title=f"Papers announced on {day} ({len(stored)})", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("id")
    table.add_column("type")
    table.add_column("primary")
    table.add_column("title", overflow="fold")
    for number, item in enumerate(stored, start=1):
        types = sorted(
            {a.announce_type for a in item.announcements if a.announced_on == day},
            key=lambda t: t.priority,
        )
        table.add_row(
            str(number),
            item.paper.versioned_id,
            types[0].value if types else "-",
            item.paper.primary_category or "-",
            Text(one_line(item.paper.title)),  # plain text: a "[" is not rich markup
        )
    out.print(table)


def doctor(
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip the request that checks arXiv is reachable.")
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Check the setup: configuration, store, arXiv, LLM key. Exits 6 if a check fails.

    The arXiv check makes one conditional request for your listing feed; a name that does
    not resolve or a refused connection fails it at once. A store that does not exist yet is
    reported, not created. API keys are reported as set or missing, never shown.
    """
    from arxiv_radar.arxiv import rss
    from arxiv_radar.config import load_config
    from arxiv_radar.store import Store

    setup_logging(debug)
    failed = False

    def line(ok: bool | None, what: str, detail: str) -> None:
        mark = {True: "[green]ok[/]", False: "[red]FAIL[/]", None: "[yellow]--[/]"}[ok]
        out.print(f"{mark}  [bold]{what}[/]: {escape(detail)}")

    try:
        cfg = load_config(config)
    except ArxivRadarError as error:
        line(False, "config", str(error))
        raise typer.Exit(CHECK_FAILED) from None
    line(
        True, "config", cfg.source or "built-in defaults (no arxiv-radar.toml or config.json here)"
    )
    line(None, "categories", ", ".join(cfg.arxiv.categories))
    store_url = db or cfg.store.url
    store: Store | None = None
    try:
        store = Store.open(store_url, create=False, **cfg.store.engine_options())
        latest = store.latest_announcement_date()
        line(
            True,
            "store",
            f"{store.url_for_display}: {store.count_papers()} papers, "
            f"latest announcement {latest or 'none yet'}",
        )
    except StoreMissingError as error:
        line(None, "store", f"{error}: `arxiv-radar run` (or `arxiv-radar fetch`) creates it")
    except ArxivRadarError as error:
        failed = True
        line(False, "store", str(error))
    try:
        if offline:
            line(None, "arXiv", "not checked (--offline)")
        else:
            from arxiv_radar.runtime import build_client  # httpx: only when needed

            with build_client(cfg.arxiv, store) as client:
                url = rss.feed_url(cfg.arxiv.rss_url, cfg.arxiv.categories)
                response = client.get(url, conditional=True)
                line(True, "arXiv", f"{url} answered HTTP {response.status_code}")
    except ArxivRadarError as error:
        failed = True
        line(False, "arXiv", str(error))
    finally:
        if store is not None:
            store.close()
    keys = {cfg.summaries.api_key_env, "DASHSCOPE_API_KEY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY"}
    present = sorted(name for name in keys if os.environ.get(name))
    if present:
        line(True, "LLM key", "set: " + ", ".join(present))
    else:
        line(
            None,
            "LLM key",
            f"none set ({cfg.summaries.api_key_env} is the configured one); "
            "summaries will be extractive",
        )
    if failed:
        raise typer.Exit(CHECK_FAILED)
