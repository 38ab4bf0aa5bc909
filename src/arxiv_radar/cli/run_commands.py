"""``arxiv-radar run`` (the daily job) and ``arxiv-radar demo`` (the same, offline)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from arxiv_radar.cli.common import (
    ConfigOption,
    Context,
    DateOption,
    DbOption,
    DebugOption,
    count_bar,
    err,
    load_context,
    out,
    parse_date,
    progress_bar,
    setup_logging,
)

if TYPE_CHECKING:  # imported where used: every command starts without them
    import httpx

    from arxiv_radar import pipeline
    from arxiv_radar.models import RunReport

ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace files in the output folder that arxiv-radar did not write (or that "
        "were changed by hand since). Without it such files stop the run before anything "
        "is written.",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Folder to write README.md, feeds/, site/, exports/ and reports/ into "
        "(default: publish.output, ./arxiv-radar-digest unless configured).",
        show_default=False,
    ),
]


def print_run(report: RunReport) -> None:
    """The run's rich summary: stages, totals, outputs and warnings."""
    table = Table(
        title=f"arxiv-radar run: {report.announced_on or 'no announcement'} ({report.status})",
        show_edge=False,
    )
    for column in ("stage", "status", "seconds", "details"):
        table.add_column(column, overflow="fold")
    colours = {"ok": "green", "skipped": "yellow", "failed": "red"}
    for stage in report.stages:
        details = ", ".join(f"{k} {v}" for k, v in stage.counts.items() if v is not None)
        if stage.note:
            details = f"{details}; {stage.note}" if details else stage.note
        table.add_row(
            stage.name,
            f"[{colours[stage.status]}]{stage.status}[/]",
            f"{stage.seconds:.2f}",
            escape(details),
        )
    out.print(table)
    if report.announced_on is not None and report.status != "empty":
        providers = {stage.counts.get("provider") for stage in report.stages}
        cost = (
            f", cost {report.cost:.4f} {report.currency}"
            if report.currency
            else ", cost 0 (extractive, free)"
            if "extractive" in providers
            else ""
        )
        ranked = next((stage.counts for stage in report.stages if stage.name == "rank"), {})
        rerank = (
            f"LLM rerank: {ranked['rerank_calls']} calls, {ranked['rerank_cache_hits']} cached, "
            f"{ranked['rerank_failures']} failed; "
            if "rerank_calls" in ranked
            else ""
        )
        out.print(
            f"{report.papers_announced} papers announced, {report.papers_matched} matched, "
            f"{report.papers_shown} shown; {rerank}summaries: {report.summary_calls} calls, "
            f"{report.summary_cache_hits} cached, {report.summary_failures} failed; "
            f"tokens {report.tokens_in:,} in / {report.tokens_out:,} out{cost}; "
            f"{report.seconds:.1f} s"
        )
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")


def execute_run(
    ctx: Context,
    options: pipeline.RunOptions,
    *,
    summaries: bool,
    transport: httpx.BaseTransport | None = None,
) -> RunReport:
    """One pipeline run as the runtime makes it (:func:`arxiv_radar.runtime.run`), with API
    keys from this process's environment and progress bars on a terminal: what ``run`` and
    ``demo`` call. ``transport`` replaces arXiv (the demo's day)."""
    from arxiv_radar import runtime

    with progress_bar("fetching") as progress:
        return runtime.run(
            ctx.config,
            ctx.store_url,
            options,
            env=os.environ,
            summaries=summaries,
            transport=transport,
            progress=runtime.Progress(
                stages=progress, summaries=lambda total: count_bar("summarizing", total)
            ),
        )


def run(
    date: DateOption = None,
    output: OutputOption = None,
    no_summaries: Annotated[
        bool, typer.Option("--no-summaries", help="Publish without making summaries.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Fetch and rank, then show what would be published: no model is called "
            "and no output is written.",
        ),
    ] = False,
    profile: Annotated[
        str | None,
        typer.Option("--profile", "-p", help="Profile whose ranking is published."),
    ] = None,
    no_catch_up: Annotated[
        bool,
        typer.Option("--no-catch-up", help="Do not fill in missed days through the API."),
    ] = False,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="With --date: fetch the day again even when the store holds it complete "
            "(every followed category's listing of that day read whole, from the listing "
            "feed or a finished catch-up or backfill). Without it such a day is republished "
            "from the store, with no request to arXiv.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")] = False,
    force: ForceOption = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """The daily job: fetch, rank, summarize and publish one announcement day.

    Reads today's listing of your categories (one polite request to rss.arxiv.org; missed
    days are filled in through the export API), ranks the papers for the profile, summarizes
    the top summaries.max_papers (cached: a paper is never paid for twice) and writes, under
    --output:

      README.md, feeds/rss.xml, feeds/atom.xml, feeds/feed.json, feeds/<category>.xml,
      site/index.html, site/archive/<date>.html, exports/digest.bib, exports/digest.json,
      reports/run-<date>.json

    The output folder is publish.output (./arxiv-radar-digest unless configured; a digest
    repository made by arxiv-radar init publishes at its root). A file there that
    arxiv-radar did not write is never replaced without --force.

    Everything is written atomically: a failed run leaves the last good outputs in place and
    exits non-zero. A weekend or arXiv holiday publishes nothing and exits 0. Two runs on
    one store never overlap (the second stops at once, exit 4).

    Examples:

      arxiv-radar run

      arxiv-radar run --date 2026-04-27 --output site-repo

      DASHSCOPE_API_KEY=sk-... arxiv-radar run --no-catch-up

      arxiv-radar run --dry-run
    """
    from arxiv_radar import pipeline

    ctx = load_context(config, db, debug)
    options = pipeline.RunOptions(
        output=output or Path(ctx.config.publish.output),
        day=parse_date(date),
        profile=profile,
        summaries=not no_summaries,
        dry_run=dry_run,
        catch_up=not no_catch_up,
        refresh=refresh,
        force=force,
    )
    report = execute_run(ctx, options, summaries=not no_summaries)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    print_run(report)
    where = escape(str(options.output.resolve()))
    if report.status == "empty":
        out.print(f"Nothing new to publish today; the last digest in {where} stays as it is.")
    elif report.status == "dry-run":
        out.print("Dry run: these files would be written:")
        for path in report.outputs:
            out.print(f"  {escape(path)}")
    else:
        out.print(f"Published to [bold]{where}[/] (README.md, feeds/, site/, exports/).")


def demo(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Folder for the demo's store and outputs."),
    ] = Path("arxiv-radar-demo"),
    force: ForceOption = False,
    debug: DebugOption = False,
) -> None:
    """Run the whole pipeline offline on a demo day of real arXiv records.

    The demo day ships with arxiv-radar: 34 real arXiv records of cs.AI, cs.CL, cs.DC and
    cs.LG (first submitted 2017-2026, with their real ids, versions, titles, authors,
    abstracts and categories) in rss.arxiv.org's exact format, shown as if announced on
    Monday 27 April 2026. Only 3 of them were announced that day; the digest, the site and
    the feeds say so. The normal ingestion code reads the day through a local transport: no
    network, no API key. Papers are ranked in hybrid mode, by the default keywords and by
    their meaning's closeness to two sentences of the demo reader's interests (a local model,
    no download), and the top ones get extractive summaries (sentences from the abstract).
    Writes README.md, feeds, the site, exports and the demo's configuration
    (arxiv-radar-demo.toml, for rank and serve) into --output.

    Example:

      arxiv-radar demo && python -m http.server -d arxiv-radar-demo/site
    """
    from arxiv_radar import pipeline
    from arxiv_radar.demo import (
        DEMO_CONFIG_NAME,
        DEMO_NOTICE,
        DEMO_NOW,
        demo_config,
        demo_config_text,
        demo_transport,
        seed_store,
    )
    from arxiv_radar.publish.output import check_output_folder, write_report
    from arxiv_radar.store import Store

    setup_logging(debug)
    check_output_folder(output)  # a file, a read-only place: exit 2, as `run` says
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # what the check cannot see beforehand (/proc/x, even as root)
        from arxiv_radar.errors import UsageError

        raise UsageError(
            f"the output folder {output} cannot be created ({error.strerror or error}): "
            "choose another --output, or fix the folder: it must be a folder you can write to"
        ) from None
    config_file = output / DEMO_CONFIG_NAME  # so that rank and serve see the demo's ranking
    write_report(output, config_file, demo_config_text(), force=force)
    ctx = Context(config=demo_config(), store_url=str(output / "arxiv-radar.db"))
    with Store.open(ctx.store_url, **ctx.store_options) as store:
        seed_store(store)  # the records' submission dates, which a listing feed lacks
    options = pipeline.RunOptions(
        output=output, catch_up=False, now=DEMO_NOW, force=force, notice=DEMO_NOTICE
    )
    report = execute_run(ctx, options, summaries=True, transport=demo_transport())
    print_run(report)
    site = output / "site" / "index.html"
    out.print(
        "\n[bold]Open these:[/]\n"
        f"  the digest   {escape(str(output / 'README.md'))}\n"
        f"  the site     {escape(str(site))}  (or: python -m http.server -d "
        f"{escape(str(output / 'site'))})\n"
        f"  the feeds    {escape(str(output / 'feeds'))}/rss.xml, atom.xml, feed.json\n"
        f"  the exports  {escape(str(output / 'exports'))}/digest.bib, digest.json\n"
        f"  the report   {escape(str(output / 'reports'))}/"
    )
    db = escape(shlex.quote(ctx.store_url))
    with_config = f"--config {escape(shlex.quote(str(config_file)))} --db {db}"
    out.print(
        "\n[bold]Explore the demo's store[/] with its configuration (its reader's interests):\n"
        f"  arxiv-radar papers --db {db}\n"
        f"  arxiv-radar rank {with_config}\n"
        f"  arxiv-radar rank {with_config} --explain 2107.07364\n"
        f"  arxiv-radar serve {with_config}"
    )
