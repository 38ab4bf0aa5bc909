"""``arxiv-radar eval``: how well each ranking mode finds the papers labelled relevant.

Long on purpose: where the papers come from (store, day or records file) and the report.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from arxiv_radar.cli.common import (
    ConfigOption,
    DateOption,
    DbOption,
    DebugOption,
    load_context,
    out,
    parse_date,
)
from arxiv_radar.cli.ingest_commands import open_existing
from arxiv_radar.errors import UsageError

if TYPE_CHECKING:  # imported where used: every command starts without them
    import datetime as dt
    from collections.abc import Mapping, Sequence

    from arxiv_radar.config import Config, ProfileConfig
    from arxiv_radar.embed.model import Embedder
    from arxiv_radar.evaluate import Labels, RankFunction
    from arxiv_radar.models import Paper
    from arxiv_radar.rank.scoring import Candidate, Mode
    from arxiv_radar.schemas import EvalReportOut, MetricsAtOut
    from arxiv_radar.store import Store

SHOWN_IDS = 5
"""How many missing ids an error names."""
BACKFILL_IDS = 20
"""Up to this many missing papers, the error gives the whole ``backfill --ids`` command."""


def _split(values: Sequence[str] | None) -> list[str]:
    """Repeated and comma-separated values, in order, each once."""
    parts = (part.strip() for value in values or () for part in value.split(","))
    return list(dict.fromkeys(part for part in parts if part))


def parse_ks(text: str) -> list[int]:
    """``5,10,20`` as the sorted cut-offs ``[5, 10, 20]``."""
    try:
        ks = sorted({int(part) for part in _split([text])})
    except ValueError:
        ks = []
    if not ks or ks[0] < 1:
        raise UsageError(
            f"--k '{text}': expected whole numbers of 1 or more, separated by commas, "
            "such as 5,10,20"
        )
    return ks


def parse_modes(values: Sequence[str] | None) -> tuple[Mode, ...] | None:
    """The modes asked for (repeated or comma-separated); None when none are."""
    from typing import get_args

    from arxiv_radar.rank.scoring import Mode

    every: tuple[Mode, ...] = get_args(Mode)
    chosen: list[Mode] = []
    for value in _split(values):
        mode = next((mode for mode in every if mode == value), None)
        if mode is None:
            raise UsageError(f"unknown ranking mode '{value}' (expected one of {', '.join(every)})")
        chosen.append(mode)
    return tuple(chosen) or None


def _modes(
    asked: tuple[Mode, ...] | None, profiles: Mapping[str, ProfileConfig]
) -> tuple[Mode, ...]:
    """The modes to evaluate: those asked for, or every mode, the semantic ones only when
    every profile has interests, seed papers or a library to rank by (asked for, they rank a
    profile with keywords only by its keywords' meaning)."""
    from arxiv_radar.evaluate import default_modes
    from arxiv_radar.rank.anchors import has_anchors
    from arxiv_radar.rank.scoring import SEMANTIC_MODES

    if asked is not None:
        return asked
    bare = any(not has_anchors(settings) for settings in profiles.values())
    return default_modes() + (() if bare else SEMANTIC_MODES)


def _ranker(store: Store, base: Path | None) -> RankFunction:
    """:func:`~arxiv_radar.evaluate.rank_for_eval`, and semantic modes through the store's
    vectors (the labelled papers and the anchors embedded once, the model loaded once)."""
    from arxiv_radar.evaluate import rank_for_eval
    from arxiv_radar.rank.ranker import semantic_scorer
    from arxiv_radar.rank.scoring import SEMANTIC_MODES

    embedder: list[Embedder] = []

    def rank(profile: ProfileConfig, mode: Mode, candidates: Sequence[Candidate]) -> list[str]:
        if mode not in SEMANTIC_MODES:
            return rank_for_eval(profile, mode, candidates)
        if not embedder:
            from arxiv_radar.embed.model import load_embedder

            embedder.append(load_embedder())
        papers = [candidate.paper for candidate in candidates]
        scorer = semantic_scorer(store, profile, mode, papers, embedder=embedder[0], base=base)
        return [item.paper.arxiv_id for item in scorer.rank(candidates)]

    return rank


def _profiles(labels: Labels, wanted: Sequence[str] | None, config: Config) -> list[str]:
    """The labelled profiles to evaluate: those asked for, or every one the labels name."""
    labelled = labels.profiles
    names = _split(wanted) or labelled
    for name in names:
        if name not in labelled:
            raise UsageError(
                f"{labels.source} has no labels for profile '{name}' "
                f"(it labels papers for {', '.join(labelled)})"
            )
    unknown = [name for name in names if name not in config.profiles]
    if unknown:
        source = config.source or "the built-in configuration"
        raise UsageError(
            f"{labels.source} labels papers for {', '.join(repr(n) for n in unknown)}, which "
            f"{source} does not define (its profiles: {', '.join(config.profiles)}): pass the "
            "configuration the labels were written for with --config"
        )
    return names


def _root_name(content: bytes) -> str | None:
    """The local name of a document's root element, or None when it is not XML."""
    from lxml import etree

    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        for start in range(0, len(content), 64 * 1024):
            parser.feed(content[start : start + 64 * 1024])
            for _event, element in parser.read_events():
                return str(etree.QName(element).localname)
    except etree.XMLSyntaxError:
        return None
    return None


def read_records(path: Path) -> list[Paper]:
    """The papers of an OAI-PMH ``ListRecords`` response or an export API feed."""
    from arxiv_radar.arxiv.atom import parse_feed
    from arxiv_radar.arxiv.oai import parse_list_records
    from arxiv_radar.errors import ArxivError

    try:
        content = path.read_bytes()
    except OSError as error:
        raise UsageError(
            f"cannot read the records file {path}: {error.strerror or error}"
        ) from None
    root = _root_name(content)
    try:
        if root == "OAI-PMH":
            papers = list(parse_list_records([content], url=str(path)))
        elif root == "feed":
            papers = list(parse_feed(content, url=str(path)).papers)
        else:
            raise UsageError(
                f"{path} is neither an OAI-PMH ListRecords response nor an export API feed "
                "(expected the XML arXiv answers to `arxiv-radar backfill --oai` or to an "
                "export API query)"
            )
    except ArxivError as error:
        raise UsageError(f"{path}: {error}") from None
    if not papers:
        raise UsageError(f"{path} holds no arXiv records")
    return papers


def _records_store(path: Path) -> Store:
    """A store in memory holding the records of ``path``."""
    from arxiv_radar.store import Store

    papers = read_records(path)
    store = Store.open(":memory:")
    try:
        store.upsert_papers(papers)
    except BaseException:
        store.close()
        raise
    return store


def _missing(missing: Sequence[str], total: int, where: str, records: bool) -> UsageError:
    shown = ", ".join(missing[:SHOWN_IDS])
    if len(missing) > SHOWN_IDS:
        shown += f" and {len(missing) - SHOWN_IDS} more"
    verb = "is" if len(missing) == 1 else "are"
    text = f"{len(missing)} of the {total} labelled papers {verb} not in {where}: {shown}. "
    if records:
        text += "Add their records to the file, or evaluate on the store (without --records)"
    else:
        ids = ",".join(missing) if len(missing) <= BACKFILL_IDS else "ID,ID,..."
        text += (
            f"Fetch them with `arxiv-radar backfill --ids {ids}`, or evaluate on a file of "
            "their records with --records FILE (an OAI-PMH or export API response)"
        )
    return UsageError(text)


def _labelled_candidates(
    store: Store, labels: Labels, names: Sequence[str], where: str, records: bool
) -> dict[str, list[Candidate]]:
    """Each profile's labelled papers, read from the store; all must be there."""
    from arxiv_radar.evaluate import candidates_for

    wanted = list(dict.fromkeys(i for name in names for i in labels.papers(name)))
    stored = store.get_papers(wanted)
    missing = [arxiv_id for arxiv_id in wanted if arxiv_id not in stored]
    if missing:
        raise _missing(missing, len(wanted), where, records)
    papers = {arxiv_id: item.paper for arxiv_id, item in stored.items()}
    return {name: candidates_for(labels, name, papers) for name in names}


def _day_candidates(
    store: Store, labels: Labels, names: Sequence[str], day: dt.date
) -> dict[str, list[Candidate]]:
    """The papers announced on ``day``, as ``arxiv-radar rank --date`` ranks them."""
    from arxiv_radar.rank.ranker import candidates_for_day

    candidates = candidates_for_day(store, day)
    if not candidates:
        raise UsageError(
            f"the store holds no papers announced on {day}: fetch or backfill that day "
            f"(arxiv-radar fetch --date {day})"
        )
    announced = {candidate.paper.arxiv_id for candidate in candidates}
    if not any(arxiv_id in announced for name in names for arxiv_id in labels.papers(name)):
        raise UsageError(
            f"none of the papers labelled in {labels.source} was announced on {day}: "
            "pass a --date they were announced on, or leave --date out to rank every "
            "labelled paper"
        )
    return dict.fromkeys(names, candidates)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _metrics_row(metrics: MetricsAtOut) -> list[str]:
    return [_cell(metrics.precision), _cell(metrics.recall), _cell(metrics.ndcg)]


def _print_report(report: EvalReportOut) -> None:
    scope = f"{report.day}: papers announced that day" if report.day else "labelled papers"
    last = {result.profile: result.mode for result in report.results}
    for index, k in enumerate(report.ks):
        table = Table(title=f"k = {k} ({scope})")
        for column in ("profile", "mode"):
            table.add_column(column)
        for column in (f"P@{k}", f"R@{k}", f"nDCG@{k}"):
            table.add_column(column, justify="right")
        for result in report.results:
            table.add_row(
                escape(result.profile),
                result.mode,
                *_metrics_row(result.at[index]),
                end_section=last[result.profile] == result.mode,
            )
        for mean in report.means:
            table.add_row(
                f"mean of {mean.profiles}", mean.mode, *_metrics_row(mean.at[index]), style="bold"
            )
        out.print(table)
    table = Table(title="Average precision")
    table.add_column("profile")
    for column in ("papers", "relevant"):
        table.add_column(column, justify="right")
    table.add_column("mode")
    for column in ("ranked", "AP"):
        table.add_column(column, justify="right")
    for result in report.results:
        table.add_row(
            escape(result.profile),
            str(result.papers),
            str(result.relevant),
            result.mode,
            str(result.ranked),
            _cell(result.average_precision),
            end_section=last[result.profile] == result.mode,
        )
    for mean in report.means:
        table.add_row(
            f"mean of {mean.profiles} (MAP)",
            "",
            "",
            mean.mode,
            "",
            _cell(mean.mean_average_precision),
            style="bold",
        )
    out.print(table)
    out.print(
        "P@k: relevant papers among the first k, / k. R@k: the same, / the profile's relevant "
        "papers. nDCG@k: log2-discounted gain of the first k, / the best possible. 'ranked' "
        "counts the papers the mode kept; the others are not retrieved."
    )
    if report.excluded:
        names = ", ".join(escape(name) for name in report.excluded)
        out.print(f"[yellow]No relevant paper, left out of the means:[/] {names}")


def eval(  # the command's name; it shadows the builtin in this module only
    labels: Annotated[
        Path,
        typer.Option(
            "--labels",
            "-l",
            help='Labels file: JSON Lines, {"profile": P, "arxiv_id": ID, "relevant": true}.',
            show_default=False,
        ),
    ],
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="<name>",
            help="Profile to evaluate (repeat, or separate with commas). "
            "Default: every profile the labels name.",
            show_default=False,
        ),
    ] = None,
    mode: Annotated[
        list[str] | None,
        typer.Option(
            "--mode",
            metavar="<mode>",
            help="Ranking mode to evaluate: keywords, legacy, semantic, hybrid (repeat, or "
            "separate with commas). Default: all four, or keywords and legacy when a profile "
            "has no interests, seed papers or library.",
            show_default=False,
        ),
    ] = None,
    k: Annotated[
        str,
        typer.Option(
            "--k", metavar="<k,...>", help="Cut-offs k of P@k, R@k and nDCG@k, comma-separated."
        ),
    ] = "5,10,20",
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    date: DateOption = None,
    records: Annotated[
        Path | None,
        typer.Option(
            "--records",
            help="Rank papers read from this file instead of the store: an OAI-PMH "
            "ListRecords response or an export API feed (XML).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Measure how well each ranking mode finds the papers you labelled relevant.

    A labels file says, one JSON object per line, whether a paper is relevant to a profile:
    {"profile": "default", "arxiv_id": "2604.21935", "relevant": true}. Each profile's
    labelled papers are read from the store (or from --records FILE), ranked in each mode as
    the digest would rank them (the profile's filters, min_score and max_papers apply), and
    the ranking is scored: P@k (relevant papers among the first k, divided by k), R@k
    (divided by the profile's relevant papers), nDCG@k (log2 discount, divided by the best
    possible) and average precision, with their means over the profiles for each mode. A
    profile without a relevant paper is shown and left out of the means.

    With --date, the papers announced that day are ranked instead, as `arxiv-radar rank
    --date` ranks them; those without a label count as not relevant.

    Examples:

      arxiv-radar eval --labels labels.jsonl

      arxiv-radar eval --labels labels.jsonl --profile default --mode keywords --k 10 --json

      arxiv-radar eval --labels labels.jsonl --date 2026-04-27

      arxiv-radar eval --labels labels.jsonl --records harvest.xml   # papers not stored
    """
    from arxiv_radar.evaluate import evaluate, load_labels
    from arxiv_radar.schemas import dump_json

    ctx = load_context(config, db, debug)
    ks = parse_ks(k)
    asked = parse_modes(mode)
    day = parse_date(date)
    if records is not None and db is not None:
        raise UsageError("--records and --db are alternatives: rank papers from one of them")
    if records is not None and day is not None:
        raise UsageError(
            "--date needs the store's announcements, which a records file does not have: "
            "leave out --records or --date"
        )
    judged = load_labels(labels)
    names = _profiles(judged, profile, ctx.config)
    store = (
        _records_store(records)
        if records is not None
        else open_existing(ctx.store_url, **ctx.store_options)
    )
    chosen = {name: ctx.config.profiles[name] for name in names}
    modes = _modes(asked, chosen)
    with store:
        if day is not None:
            candidates = _day_candidates(store, judged, names, day)
        else:
            where = str(records) if records is not None else f"the store {store.url_for_display}"
            candidates = _labelled_candidates(store, judged, names, where, records is not None)
        report = evaluate(
            judged,
            chosen,
            candidates,
            modes=modes,
            ks=ks,
            day=day,
            rank=_ranker(store, ctx.config.folder),
        )
    if as_json:
        sys.stdout.write(dump_json(report))
        return
    _print_report(report)
