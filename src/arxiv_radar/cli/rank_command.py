"""``arxiv-radar rank``: a day's papers ranked for a profile, every score explained."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from arxiv_radar.arxiv import calendar
from arxiv_radar.arxiv.ids import normalize_arxiv_id
from arxiv_radar.cli.common import (
    ConfigOption,
    Context,
    DateOption,
    DbOption,
    DebugOption,
    err,
    load_context,
    out,
    parse_date,
)
from arxiv_radar.cli.ingest_commands import open_existing
from arxiv_radar.errors import UsageError
from arxiv_radar.text.plain import one_line

if TYPE_CHECKING:  # imported where used: every command starts without them
    from arxiv_radar.config import Config, ProfileConfig
    from arxiv_radar.models import Explanation
    from arxiv_radar.rank.ranker import DayRanking
    from arxiv_radar.rank.rerank import Judge, NoJudge
    from arxiv_radar.store import Store


def with_reader_edits(store: Store, name: str, settings: ProfileConfig) -> ProfileConfig:
    """``settings`` with the changes its reader made through the server's API (if any)."""
    from arxiv_radar.config.sections import profile_with_edits

    edits = store.profile_edits(name).get(name)
    return profile_with_edits(settings, edits) if edits else settings


def resolve_profile(config: Config, name: str | None) -> tuple[str, ProfileConfig]:
    """The profile's name and settings; no name means ``default`` or the only profile."""
    named = config.named_profile(name)
    return named.name, named.settings


def sync_library(ctx: Context, settings: ProfileConfig, mode: str | None = None) -> None:
    """Bring the profile's Zotero library up to date before it ranks by meaning (a warning
    when Zotero cannot be reached and the copy kept from an earlier download is used)."""
    if not settings.zotero:
        return
    from arxiv_radar.runtime import sync_zotero

    for warning in sync_zotero(settings, folder=ctx.config.folder, env=os.environ, mode=mode):
        err.print(f"[yellow]warning:[/] {escape(warning)}")


def rerank_judge(ctx: Context, settings: ProfileConfig) -> Judge | NoJudge | None:
    """The LLM that reranks the profile's top papers (``[summaries]``, keys from the
    environment), why there is none, or None when the profile's ``rerank`` is 0."""
    if not settings.rerank:
        return None
    from arxiv_radar.rank.rerank import resolve_judge

    return resolve_judge(ctx.config.summaries, os.environ)


def print_rerank(
    ranking: DayRanking, settings: ProfileConfig, judge: Judge | NoJudge | None
) -> None:
    """What the LLM rerank did, or why the ranking is not reranked, on stderr (stdout may
    be JSON). Nothing when the profile asks for no rerank."""
    from arxiv_radar.rank.rerank import NoJudge, is_reranked

    report = ranking.rerank
    if report is None:
        if isinstance(judge, NoJudge) and not is_reranked(ranking.ranked, settings.rerank):
            err.print(
                f"[yellow]warning:[/] rerank = {settings.rerank}: the ranking is not "
                f"reranked, because {escape(judge.reason)}"
            )
        return
    cost = f", cost {report.cost:.4f} {report.currency}" if report.currency else ""
    err.print(
        f"LLM rerank by {escape(report.model)}: {report.papers} papers, {report.cache_hits} "
        f"cached, {report.calls} calls, {report.failures} failed, {report.skipped} skipped; "
        f"tokens {report.tokens_in:,} in / {report.tokens_out:,} out{cost}"
    )
    for warning in report.warnings():
        err.print(f"[yellow]warning:[/] {escape(warning)}")


def _matched_summary(explanation: Explanation) -> str:
    seen: list[str] = []
    for match in explanation.matches:
        if match.points and match.rule not in seen:
            seen.append(match.rule)
    if explanation.similarity is not None and explanation.nearest_kind is not None:
        seen.append(f"≈ {explanation.nearest_kind} {explanation.similarity:.2f}")
    if explanation.rerank is not None:
        seen.append(f"LLM {explanation.rerank.relevance}/10")
    return ", ".join(seen)


def _print_ranking(ranking: DayRanking) -> None:
    table = Table(
        title=(
            f"{ranking.day}: {len(ranking.ranked)} of {ranking.considered} papers "
            f"(profile {ranking.profile}, mode {ranking.mode})"
        ),
    )
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("type")
    table.add_column("id")
    table.add_column("title", overflow="fold", ratio=3)
    table.add_column("matched", overflow="fold", ratio=2)
    for item in ranking.ranked:
        table.add_row(
            str(item.rank),
            f"{item.score:.1f}",
            item.announce_type.value,
            item.paper.versioned_id,
            escape(one_line(item.paper.title)),
            escape(_matched_summary(item.explanation)),
        )
    out.print(table)
    dropped = ranking.considered - ranking.kept
    out.print(
        f"{ranking.kept} papers passed the profile's filters, {dropped} were dropped; "
        f"ranking saved for profile [bold]{escape(ranking.profile)}[/]. "
        "See why with: arxiv-radar rank --explain ID"
    )


def _print_explanation(arxiv_id: str, title: str, explanation: Explanation) -> None:
    out.print(f"[bold]{escape(arxiv_id)}[/] {escape(one_line(title))}")
    table = Table(show_edge=False)
    for column in ("rule", "kind", "where", "matched text", "weight", "points"):
        table.add_column(column)
    for match in explanation.matches:
        table.add_row(
            escape(match.rule),
            match.kind,
            match.where,
            escape(one_line(match.text)),
            f"{match.weight:g}",
            f"{match.points:g}",
        )
    out.print(table)
    parts = [
        f"keywords {explanation.keywords:g}",
        f"title bonus {explanation.title_bonus:g}",
        f"authors {explanation.authors:g}",
        f"categories {explanation.categories:g}",
    ]
    if explanation.similarity is not None:
        near = f' to {explanation.nearest_kind} "{escape(explanation.nearest or "")}"'
        if explanation.mode == "hybrid":
            parts.append(f"similarity {explanation.similarity:g}{near} -> {explanation.semantic:g}")
        else:
            parts = [f"similarity {explanation.similarity:g}{near}"]
    if explanation.expansion is not None:
        parts.append(f"expansion {explanation.expansion:g}")
    if explanation.feedback is not None:
        parts.append(f"feedback model {explanation.feedback:g}")
    out.print(f"{' + '.join(parts)} = [bold]{explanation.total:g}[/] ({explanation.mode} mode)")
    if explanation.reason:
        out.print(f"[yellow]dropped:[/] {escape(explanation.reason)}")
    if explanation.rerank is not None:
        judged = explanation.rerank
        why = f": {escape(one_line(judged.reason))}" if judged.reason else ""
        out.print(f"LLM relevance [bold]{judged.relevance}/10[/] (by {escape(judged.model)}){why}")


def rank(
    date: DateOption = None,
    profile: Annotated[
        str | None,
        typer.Option("--profile", "-p", help="Profile to rank for (default: 'default')."),
    ] = None,
    mode: Annotated[
        Literal["keywords", "legacy", "semantic", "hybrid"] | None,
        typer.Option(
            "--mode",
            help="keywords: word-aware matching, weights, authors, categories. "
            "legacy: the old tool's substring scores, exactly. semantic: similarity of "
            "meaning to the profile's interests, seed papers and library (a local embedding "
            "model). hybrid: keywords plus semantic_weight x similarity. Default: the "
            "profile's mode (hybrid when it has interests, seed papers or a library).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    explain_id: Annotated[
        str | None,
        typer.Option("--explain", help="Explain one paper's score (or why it was dropped)."),
    ] = None,
    no_rerank: Annotated[
        bool,
        typer.Option(
            "--no-rerank",
            help="Rank as if the profile's rerank were 0: the order by score, no LLM called.",
            rich_help_panel="LLM rerank",
        ),
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Rank a day's papers against your interests and explain every score.

    Papers announced on the day (default: the latest stored) are scored against the
    profile's keywords (whole words: "LLM" matches "LLMs" and "LLM-based", "RL" does not
    match "world"), weights, followed authors and category weights; a keyword in the title
    earns a 0.5 x weight bonus. Exclude keywords, required keywords, announce types and
    min_score drop papers; max_papers cuts the list. Scores and explanations are saved.

    A profile with interests, seed papers or a library ranks in hybrid mode: the keyword
    score plus semantic_weight x the paper's similarity in meaning to the nearest of them
    (a local embedding model; each paper embedded once). See docs/relevance.md.

    A profile with rerank = K has its top K papers judged by the LLM that writes the
    summaries (relevance 0 to 10 and a one-line reason, each paper version judged once) and
    reordered by it; --no-rerank ranks without.

    Examples:

      arxiv-radar rank

      arxiv-radar rank --date 2026-04-27 --profile systems --json

      arxiv-radar rank --mode legacy          # the old tool's scores and order

      arxiv-radar rank --mode semantic        # by meaning alone

      arxiv-radar rank --explain 2604.21935

      arxiv-radar rank --no-rerank            # the order by score, no LLM
    """
    from arxiv_radar.rank.ranker import rank_day
    from arxiv_radar.rank.rerank import Judge
    from arxiv_radar.schemas import RankedPaperOut, dump_json

    ctx = load_context(config, db, debug)
    name, settings = resolve_profile(ctx.config, profile)
    if no_rerank:
        settings = settings.model_copy(update={"rerank": 0})
    day = parse_date(date)
    judge = rerank_judge(ctx, settings)
    with open_existing(ctx.store_url, **ctx.store_options) as store:
        settings = with_reader_edits(store, name, settings)
        sync_library(ctx, settings, mode)
        ranking = rank_day(
            store,
            name,
            settings,
            day=day,
            mode=mode,
            base=ctx.config.folder,
            judge=judge if isinstance(judge, Judge) else None,
        )
        print_rerank(ranking, settings, judge)
        empty = (
            ""
            if ranking.considered
            else _empty_day(store, ranking.day, ctx.config.arxiv.categories)
        )
        if explain_id is not None:
            wanted = normalize_arxiv_id(explain_id)
            explanation = ranking.explanations.get(wanted)
            stored = store.get_paper(wanted)
    if explain_id is not None:
        if stored is None:
            raise UsageError(f"{wanted} is not in the store: fetch or backfill it first")
        if explanation is None:
            raise UsageError(
                f"{wanted} was not announced on {ranking.day}: pass the --date it was announced on"
            )
        if as_json:
            sys.stdout.write(explanation.model_dump_json(indent=2) + "\n")
        else:
            _print_explanation(stored.paper.versioned_id, stored.paper.title, explanation)
        return
    if as_json:
        sys.stdout.write(dump_json([RankedPaperOut.of_ranked(item) for item in ranking.ranked]))
        return
    if not ranking.considered:
        err.print(empty)
        return
    _print_ranking(ranking)


def _empty_day(store: Store, day: dt.date, categories: Sequence[str]) -> str:
    """What to say when ``day`` has no stored papers. A day the store lacks (or one in the
    future) raises :class:`UsageError`: "no papers were announced" is said only when true."""
    from arxiv_radar.ingest import check_announced, is_complete

    if not calendar.is_listing_day(day):
        return f"No papers were announced on {day}: it is not an arXiv announcement day."
    check_announced(day)
    if is_complete(store, day, categories):
        return f"No papers were announced on {day} in your categories."
    raise UsageError(
        f"{day} is not in the store: fetch or backfill it (arxiv-radar fetch --date {day})"
    )
