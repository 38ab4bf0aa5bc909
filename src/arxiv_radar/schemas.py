"""The one JSON shape of each thing: a paper, a ranked paper, a summary, a digest, a run.

Long on purpose: every JSON shape in one module, so that no two outputs drift apart.

Every JSON output is built from these models, so the same paper carries the same fields and
values everywhere: ``arxiv-radar papers --json`` (:class:`StoredPaperOut`), ``arxiv-radar
rank --json`` (:class:`RankedPaperOut`), ``exports/digest.json`` and ``site/data.json``
(:class:`DigestOut`, whose papers are :class:`DigestPaperOut`) and the JSON API, whose
``response_model``\\ s are these models (docs/publishing.md and docs/server.md show them).
``arxiv-radar eval --json`` prints an :class:`EvalReportOut`: metrics, counts and the names
of profiles and modes, no text from arXiv, so :func:`arxiv_radar.evaluate.evaluate` builds it
directly.

Each model is built from the domain values of :mod:`arxiv_radar.models` by its ``of``
constructor. Untrusted text (from arXiv, the model, or a profile's rules) is cleaned with
:func:`~arxiv_radar.text.plain.clean_text` (no control or bidi characters, line breaks
kept) but not escaped: escape it wherever it is shown. A summary's Markdown is sanitized and
its HTML is cleaned to a small allowlist (:mod:`arxiv_radar.text.sanitize`). Dates and times
are ISO 8601, times in UTC with a ``Z``.

:func:`dump_json` writes a model as JSON text that can sit inside an HTML ``<script>``
element as it is (``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\uXXXX`` escapes).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from arxiv_radar.models import (
    Digest,
    DigestEntry,
    Explanation,
    Match,
    Paper,
    RankedPaper,
    Rerank,
    StoredPaper,
    Summary,
    SummaryStatus,
)
from arxiv_radar.text.links import abs_url, pdf_url
from arxiv_radar.text.plain import clean_text
from arxiv_radar.text.sanitize import markdown_to_safe_html, sanitize_markdown

if TYPE_CHECKING:
    from arxiv_radar.store import RunRecord

__all__ = [
    "DIGEST_SCHEMA",
    "DIGEST_SCHEMA_VERSION",
    "AnnouncementOut",
    "DigestOut",
    "DigestPaperOut",
    "EvalMeanOut",
    "EvalReportOut",
    "EvalResultOut",
    "ExplanationOut",
    "MatchOut",
    "MetricsAtOut",
    "PaperOut",
    "RankedPaperOut",
    "RerankOut",
    "RunOut",
    "SectionOut",
    "StoredPaperOut",
    "SummaryOut",
    "dump_json",
    "iso_utc",
]

DIGEST_SCHEMA = "arxiv-radar/digest"
"""The ``schema`` value of a digest document (``exports/digest.json``, ``site/data.json``)."""
DIGEST_SCHEMA_VERSION = 1
"""Its ``schema_version``: fields are only ever added within a version."""

AnnounceTypeOut = Literal["new", "cross", "replace", "replace-cross"]

_STRICT = ConfigDict(extra="forbid")
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_SPECIAL = re.compile("[<>&\u2028\u2029]")


def iso_utc(value: dt.datetime | None) -> str | None:
    """``value`` in UTC as ISO 8601 with a ``Z`` (a naive time is taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def dump_json(model: BaseModel | list[BaseModel], *, indent: int | None = 2) -> str:
    """``model`` (or a list of models) as JSON text: UTF-8 friendly, ``<>&`` and U+2028/9
    escaped, ending with a newline."""
    if isinstance(model, list):
        data: object = [item.model_dump(mode="json", by_alias=True) for item in model]
    else:
        data = model.model_dump(mode="json", by_alias=True)
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_SPECIAL.sub(lambda match: _JSON_ESCAPES[match.group()], text) + "\n"


class MatchOut(BaseModel):
    """One thing found in the paper that counted for it (or against it)."""

    model_config = _STRICT

    rule: str = Field(description="The keyword, author or category as the profile names it.")
    kind: Literal["keyword", "exclude", "required", "author", "category"]
    where: Literal["title", "abstract", "author", "category"]
    text: str = Field(description="What matched, as the paper writes it.")
    weight: float
    points: float

    @classmethod
    def of(cls, match: Match) -> Self:
        return cls(
            rule=clean_text(match.rule),
            kind=match.kind,
            where=match.where,
            text=clean_text(match.text),
            weight=match.weight,
            points=match.points,
        )


class RerankOut(BaseModel):
    """The LLM rerank's judgement of a paper for the profile (docs/relevance.md)."""

    model_config = _STRICT

    relevance: int = Field(description="0 (unrelated) to 10 (exactly the reader's work).")
    reason: str | None = Field(description="The model's one line: untrusted, escape it.")
    model: str = Field(description="provider:model of the judge.")

    @classmethod
    def of(cls, rerank: Rerank | None) -> Self | None:
        if rerank is None:
            return None
        return cls(
            relevance=rerank.relevance,
            reason=clean_text(rerank.reason),
            model=clean_text(rerank.model),
        )


class ExplanationOut(BaseModel):
    """Why the paper scored what it did, component by component (its matches are beside it)."""

    model_config = _STRICT

    mode: Literal["keywords", "legacy", "semantic", "hybrid"]
    total: float
    keywords: float
    title_bonus: float
    authors: float
    categories: float
    semantic: float | None = Field(
        description="hybrid: the points of the similarity (semantic_weight x similarity)."
    )
    feedback: float | None = Field(
        description="hybrid: the points of the model of the reader's up and down feedback."
    )
    similarity: float | None = Field(
        description="semantic and hybrid: cosine similarity to the profile's nearest anchor."
    )
    nearest: str | None = Field(
        description="The interest, seed paper or library entry the paper is closest to."
    )
    nearest_kind: Literal["interest", "keywords", "seed", "library", "feedback"] | None
    expansion: float | None = Field(
        description=(
            "semantic and hybrid: the points of the similarity to the average of the day's "
            "papers ranked first (expansion_per_1000); hybrid: times semantic_weight. "
            "None when the day was too small to expand."
        )
    )
    kept: bool = Field(description="False when the profile's filters dropped the paper.")
    dropped: (
        Literal["announce_type", "excluded", "no_required", "no_match", "below_min_score"] | None
    )
    reason: str | None
    text: str = Field(description='One line: "LLM (title \\"LLMs\\") 1.5 + ... = 2.5".')
    rerank: RerankOut | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The LLM rerank's judgement; absent when the paper was not reranked.",
    )

    @classmethod
    def of(cls, explanation: Explanation) -> Self:
        return cls(
            mode=explanation.mode,
            total=explanation.total,
            keywords=explanation.keywords,
            title_bonus=explanation.title_bonus,
            authors=explanation.authors,
            categories=explanation.categories,
            semantic=explanation.semantic,
            feedback=explanation.feedback,
            similarity=explanation.similarity,
            nearest=clean_text(explanation.nearest),
            nearest_kind=explanation.nearest_kind,
            expansion=explanation.expansion,
            kept=explanation.kept,
            dropped=explanation.dropped,
            reason=clean_text(explanation.reason),
            text=clean_text(explanation.describe()),
            rerank=RerankOut.of(explanation.rerank),
        )


class SectionOut(BaseModel):
    model_config = _STRICT

    number: int
    title: str
    body: str = Field(description="Sanitized Markdown.")


class SummaryOut(BaseModel):
    """A summary: sanitized Markdown and HTML (safe to insert), its sections and TL;DR."""

    model_config = _STRICT

    model: str
    extractive: bool = Field(description="Sentences from the abstract, not a model's text.")
    status: Literal["ok", "incomplete"]
    language: Literal["zh", "en"]
    tldr: str | None
    sections: list[SectionOut]
    missing_sections: list[int]
    markdown: str = Field(description="Sanitized Markdown: no raw HTML, http(s) links only.")
    html: str = Field(description="The Markdown rendered and cleaned to a small allowlist.")

    @classmethod
    def of(cls, summary: Summary | None) -> Self | None:
        """``summary`` as shown, or ``None`` when there is none or it failed."""
        if summary is None or summary.status == SummaryStatus.FAILED:
            return None
        return cls(
            model=clean_text(summary.model),
            extractive=summary.extractive,
            status="incomplete" if summary.status == SummaryStatus.INCOMPLETE else "ok",
            language=summary.key.language,
            tldr=clean_text(summary.tldr),
            sections=[
                SectionOut(
                    number=section.number,
                    title=clean_text(section.title),
                    body=sanitize_markdown(section.body),
                )
                for section in summary.sections
            ],
            missing_sections=list(summary.missing_sections),
            markdown=sanitize_markdown(summary.markdown),
            html=markdown_to_safe_html(summary.markdown),
        )


class PaperOut(BaseModel):
    """A paper: its latest version's metadata and its arXiv links."""

    model_config = _STRICT

    arxiv_id: str = Field(description="Without version: 2604.21935, hep-th/9901001.")
    version: int
    versioned_id: str
    title: str
    authors: list[str]
    categories: list[str]
    primary_category: str | None
    abstract: str
    comment: str | None
    journal_ref: str | None
    doi: str | None
    license: str | None
    published: str | None = Field(description="First version's submission (UTC), or null.")
    updated: str | None = Field(description="This version's submission (UTC), or null.")
    url: str = Field(description="The abstract page (latest version).")
    pdf_url: str = Field(description="The PDF of this version.")

    @staticmethod
    def fields_of(paper: Paper) -> dict[str, object]:
        """The paper's fields, for the constructors of this model and its subclasses."""
        return {
            "arxiv_id": paper.arxiv_id,
            "version": paper.version,
            "versioned_id": paper.versioned_id,
            "title": clean_text(paper.title),
            "authors": [clean_text(author) for author in paper.authors],
            "categories": list(paper.categories),
            "primary_category": paper.primary_category,
            "abstract": clean_text(paper.abstract),
            "comment": clean_text(paper.comment),
            "journal_ref": clean_text(paper.journal_ref),
            "doi": clean_text(paper.doi),
            "license": clean_text(paper.license),
            "published": iso_utc(paper.published),
            "updated": iso_utc(paper.updated),
            "url": abs_url(paper.arxiv_id),
            "pdf_url": pdf_url(paper.arxiv_id, paper.version),
        }

    @classmethod
    def of(cls, paper: Paper) -> Self:
        return cls.model_validate(cls.fields_of(paper))


class AnnouncementOut(BaseModel):
    """One announcement of a paper: the day, how, which version, and where it was read."""

    model_config = _STRICT

    announced_on: dt.date
    announce_type: AnnounceTypeOut
    version: int
    feed: str


class StoredPaperOut(PaperOut):
    """A stored paper with every announcement of it, oldest first."""

    announcements: list[AnnouncementOut]

    @classmethod
    def of_stored(cls, stored: StoredPaper) -> Self:
        announcements = sorted(stored.announcements, key=lambda a: (a.announced_on, a.feed))
        return cls.model_validate(
            {
                **cls.fields_of(stored.paper),
                "announcements": [
                    AnnouncementOut(
                        announced_on=a.announced_on,
                        announce_type=a.announce_type.value,
                        version=a.version,
                        feed=a.feed,
                    )
                    for a in announcements
                ],
            }
        )


class RankedPaperOut(PaperOut):
    """A paper in a profile's ranking of a day: its place, score and why."""

    rank: int | None = Field(description="1 is the best; null when it is not in the ranking.")
    announce_type: AnnounceTypeOut | None = Field(description="How it was announced that day.")
    score: float | None = Field(description="Null when the paper was not scored.")
    matches: list[MatchOut]
    explanation: ExplanationOut | None

    @staticmethod
    def ranked_fields(ranked: RankedPaper) -> dict[str, object]:
        return {
            **PaperOut.fields_of(ranked.paper),
            "rank": ranked.rank,
            "announce_type": ranked.announce_type.value,
            "score": ranked.score,
            "matches": [MatchOut.of(match) for match in ranked.explanation.matches],
            "explanation": ExplanationOut.of(ranked.explanation),
        }

    @classmethod
    def of_ranked(cls, ranked: RankedPaper) -> Self:
        return cls.model_validate(cls.ranked_fields(ranked))


class DigestPaperOut(RankedPaperOut):
    """A ranked paper of a digest, with its summary (null when it has none)."""

    summary: SummaryOut | None

    @classmethod
    def of_entry(cls, entry: DigestEntry) -> Self:
        return cls.model_validate(
            {**cls.ranked_fields(entry.ranked), "summary": SummaryOut.of(entry.summary)}
        )


class DigestCounts(BaseModel):
    model_config = _STRICT

    announced: int = Field(description="Papers announced that day in the followed categories.")
    matched: int = Field(description="Papers the profile kept.")
    shown: int = Field(description="Papers in the digest.")


class DigestOut(BaseModel):
    """A day's digest: ``exports/digest.json`` and ``site/data.json``."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, serialize_by_alias=True)

    schema_: Literal["arxiv-radar/digest"] = Field(alias="schema", serialization_alias="schema")
    schema_version: int
    generated_at: str = Field(description="UTC, ISO 8601.")
    announced_on: dt.date
    profile: str
    title: str
    base_url: str | None
    categories: list[str]
    keywords: list[str]
    counts: DigestCounts
    papers: list[DigestPaperOut]

    @classmethod
    def of(cls, digest: Digest) -> Self:
        return cls.model_validate(
            {
                "schema": DIGEST_SCHEMA,
                "schema_version": DIGEST_SCHEMA_VERSION,
                "generated_at": iso_utc(digest.generated_at),
                "announced_on": digest.announced_on,
                "profile": digest.profile,
                "title": clean_text(digest.title),
                "base_url": digest.base_url,
                "categories": list(digest.categories),
                "keywords": [clean_text(keyword) for keyword in digest.keywords],
                "counts": DigestCounts(
                    announced=digest.papers_announced,
                    matched=digest.papers_matched,
                    shown=len(digest.entries),
                ),
                "papers": [DigestPaperOut.of_entry(entry) for entry in digest.entries],
            }
        )


class RunOut(BaseModel):
    """One recorded run (``runs`` table)."""

    model_config = _STRICT

    id: int
    kind: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    announced_on: dt.date | None
    counts: dict[str, int]
    errors: list[str]

    @classmethod
    def of(cls, record: RunRecord) -> Self:
        return cls(
            id=record.id,
            kind=record.kind,
            status=record.status,
            started_at=record.started_at,
            finished_at=record.finished_at,
            announced_on=record.announced_on,
            counts=dict(record.counts),
            errors=[clean_text(error) for error in record.errors],
        )


_FROZEN = ConfigDict(extra="forbid", frozen=True)


class MetricsAtOut(BaseModel):
    """Precision, recall and nDCG of the first ``k`` papers of a ranking (``arxiv-radar
    eval``); null when the profile has no relevant paper (definitions in
    :mod:`arxiv_radar.evaluate`)."""

    model_config = _FROZEN

    k: int
    precision: float | None = Field(description="Relevant papers among the first k, / k.")
    recall: float | None = Field(description="Relevant papers among the first k, / relevant.")
    ndcg: float | None = Field(description="DCG of the first k / the best DCG possible.")


class EvalResultOut(BaseModel):
    """One profile's ranking in one mode, scored against the profile's labels."""

    model_config = _FROZEN

    profile: str
    mode: str = Field(description="The ranking mode: keywords, legacy, ...")
    papers: int = Field(description="Papers handed to the ranking.")
    relevant: int = Field(description="Papers among them labelled relevant.")
    ranked: int = Field(description="Papers the ranking kept (its filters drop the others).")
    average_precision: float | None
    at: tuple[MetricsAtOut, ...] = Field(description="One entry per k, smallest first.")


class EvalMeanOut(BaseModel):
    """The mean of each metric over the profiles that have a relevant paper, for one mode."""

    model_config = _FROZEN

    mode: str
    profiles: int = Field(description="Profiles averaged (those with a relevant paper).")
    mean_average_precision: float | None
    at: tuple[MetricsAtOut, ...]


class EvalReportOut(BaseModel):
    """``arxiv-radar eval --json``: every profile in every mode, and the means per mode."""

    model_config = _FROZEN

    labels: str = Field(description="The labels file.")
    day: dt.date | None = Field(description="The announcement day ranked, or null: all papers.")
    ks: tuple[int, ...]
    modes: tuple[str, ...]
    results: tuple[EvalResultOut, ...] = Field(description="By profile, then mode.")
    means: tuple[EvalMeanOut, ...] = Field(description="One per mode.")
    excluded: tuple[str, ...] = Field(
        description="Profiles with no relevant paper: reported, left out of the means."
    )
