"""``arxiv-radar summarize``: summaries of a day's top papers, cached, concurrent, budgeted."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
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
)
from arxiv_radar.cli.rank_command import (
    print_rerank,
    rerank_judge,
    resolve_profile,
    sync_library,
    with_reader_edits,
)
from arxiv_radar.errors import LLMError
from arxiv_radar.text.plain import one_line

if TYPE_CHECKING:  # imported where used: every command starts without them
    from arxiv_radar.models import Paper
    from arxiv_radar.store import Store
    from arxiv_radar.summarize.runner import Spent
    from arxiv_radar.summarize.stage import PaperOutcome, SummarizeReport


def run_stage(
    ctx: Context,
    store: Store,
    papers: list[Paper],
    *,
    env: Mapping[str, str],
    force: bool = False,
    on_progress: Callable[[PaperOutcome], None] | None = None,
    spent: Spent | None = None,
) -> SummarizeReport:
    """Summarize ``papers`` as configured, with a polite arXiv client when the input mode
    reads full texts or PDFs; ``spent``: what the LLM rerank spent of the budget before."""
    from arxiv_radar.summarize.providers import resolve_provider
    from arxiv_radar.summarize.service import needs_arxiv, summarize_configured

    spec = resolve_provider(ctx.config.summaries, env)
    from arxiv_radar.runtime import build_client  # httpx: only when needed

    arxiv = build_client(ctx.config.arxiv, store) if needs_arxiv(ctx.config, spec) else None
    try:
        return summarize_configured(
            papers,
            config=ctx.config,
            store=store,
            env=env,
            arxiv=arxiv,
            force=force,
            on_progress=on_progress,
            spent=spent,
        )
    finally:
        if arxiv is not None:
            arxiv.close()


def print_report(report: SummarizeReport) -> None:
    """The run's outcome per paper and its totals."""
    table = Table(title=f"Summaries by {escape(report.provider)}", show_edge=False)
    for column in ("id", "status", "tokens", "title"):
        table.add_column(column, overflow="fold")
    styles = {"failed": "red", "skipped": "yellow", "incomplete": "yellow", "cached": "dim"}
    for item in report.outcomes:
        style = styles.get(item.status, "green")
        note = f" ({escape(item.error)})" if item.error else ""
        if item.missing_sections:
            note += f" (missing sections {', '.join(map(str, item.missing_sections))})"
        table.add_row(
            f"{item.arxiv_id}v{item.version}",
            f"[{style}]{item.status}[/]",
            str(item.tokens_in + item.tokens_out) if item.tokens_in or item.tokens_out else "-",
            escape(one_line(item.title)) + note,
        )
    out.print(table)
    if report.extractive:
        cost = "0 (extractive, free)"
    elif report.currency:
        cost = f"{report.cost:.4f} {report.currency}"
    else:
        cost = "unknown (no price)"
    label = " (extractive: sentences from the abstract, no model)" if report.extractive else ""
    out.print(
        f"{report.papers} papers{label}: {report.calls} calls made, "
        f"{report.cache_hits} cache hits, {report.failures} failed, "
        f"{report.skipped} skipped; tokens {report.tokens_in:,} in / "
        f"{report.tokens_out:,} out; cost {cost}; {report.seconds:.1f} s"
    )
    if report.budget_reason:
        err.print(
            f"[yellow]budget reached:[/] {escape(report.budget_reason)}; "
            f"{report.skipped} papers were not summarized (they are tried on the next run)"
        )
    if report.failures:
        err.print(
            f"[yellow]{report.failures} summaries failed[/]: they are kept with their error "
            "and tried again on the next run"
        )


def summarize(
    date: DateOption = None,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            "-n",
            min=1,
            help="How many of the day's top-ranked papers to summarize "
            "(default: summaries.max_papers).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Summarize again even when a cached summary exists."),
    ] = False,
    profile: Annotated[
        str | None,
        typer.Option("--profile", "-p", help="Profile whose ranking is used (default: 'default')."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the totals and every paper as JSON.")
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Summarize the top papers of a day with an LLM, or offline without one.

    The day's papers (default: the latest stored day) are ranked for the profile and the
    top N summarized in four sections (contributions; method and setup; results; conclusions
    and limitations) plus a one-line TL;DR, in summaries.language. Summaries are cached by
    paper version, provider and model, prompt, input mode and language: running again makes
    no calls. A failed paper is recorded with its error and tried again on the next run.
    A profile with rerank = K has its top K papers reordered by the LLM first (see rank);
    those calls count in summaries.budget too.

    Providers (summaries.provider): dashscope (qwen-long, DASHSCOPE_API_KEY), openai,
    deepseek, ollama, openai-compatible (any base_url), local (a GGUF file, in process),
    extractive (sentences from the abstract, no model: the default without an API key).

    Examples:

      arxiv-radar summarize

      arxiv-radar summarize --date 2026-04-27 --top 10

      DASHSCOPE_API_KEY=sk-... arxiv-radar summarize --force --json

    Exit code 5 when every call failed (the endpoint is down or refuses the key).
    """
    from arxiv_radar.rank.ranker import rank_day
    from arxiv_radar.rank.rerank import Judge
    from arxiv_radar.store import Store

    ctx = load_context(config, db, debug)
    section = ctx.config.summaries
    if not section.enabled:
        err.print("Summaries are disabled (\\[summaries] enabled = false): nothing to do.")
        return
    name, settings = resolve_profile(ctx.config, profile)
    count = top if top is not None else section.max_papers
    judge = rerank_judge(ctx, settings)
    with Store.open(ctx.store_url, **ctx.store_options) as store:
        settings = with_reader_edits(store, name, settings)
        # the stored ranking; computed and stored only when the store has none current
        sync_library(ctx, settings)
        ranking = rank_day(
            store,
            name,
            settings,
            day=parse_date(date),
            base=ctx.config.folder,
            judge=judge if isinstance(judge, Judge) else None,
        )
        print_rerank(ranking, settings, judge)
        papers = [item.paper for item in ranking.ranked[:count]]
        if not papers:
            message = f"No ranked papers on {ranking.day} for profile {name}: nothing to summarize."
            if as_json:
                sys.stdout.write(json.dumps({"papers": 0, "day": str(ranking.day)}) + "\n")
            else:
                err.print(escape(message))
            return
        with count_bar("summarizing", len(papers)) as advance:
            report = run_stage(
                ctx,
                store,
                papers,
                env=os.environ,
                force=force,
                on_progress=advance,
                spent=ranking.rerank.spent if ranking.rerank else None,
            )
    if as_json:
        payload = {"day": str(ranking.day), "profile": name, **report.as_dict()}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(report)
    if report.calls and not report.succeeded and not report.cache_hits:
        raise LLMError(
            f"every summary call failed ({report.failures} papers); the first error: "
            f"{next(o.error for o in report.outcomes if o.error)}"
        )
