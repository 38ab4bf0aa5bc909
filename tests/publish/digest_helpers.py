"""Digests for the renderer tests: the recorded listing day, and one full of hostile text.

``check_golden`` (from ``golden_helpers``) is re-exported for the golden tests here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import Config
from arxiv_radar.models import (
    AnnounceType,
    Digest,
    Explanation,
    Paper,
    RankedPaper,
    Summary,
    SummaryKey,
    SummarySection,
)
from arxiv_radar.publish.digest import make_digest
from arxiv_radar.rank import rank_papers
from arxiv_radar.rank.scoring import candidates_from_listing
from arxiv_radar.summarize.extractive import extractive_hash, summarize_extractive
from golden_helpers import check_golden as check_golden  # re-exported for the golden tests

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv"
MIXED_RSS = FIXTURES / "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
GENERATED_AT = dt.datetime(2026, 4, 27, 6, 30, 5, tzinfo=dt.UTC)

XSS_PAYLOADS = (
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "![pixel](https://evil.example/track.png)",
    '<a href="javascript:alert(2)">link</a>',
    '<svg onload="alert(3)"></svg>',
    "]] *bold* <b>`code`</b> | pipe # heading",
)
"""Hostile text put into titles, authors, abstracts and summaries by :func:`xss_digest`."""


def extractive_summary(paper: Paper, language: str = "en") -> Summary:
    parsed = summarize_extractive(paper, language=language)  # type: ignore[arg-type]
    return Summary(
        key=SummaryKey(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            provider="extractive",
            prompt_hash=extractive_hash(),
            input_mode="abstract",
            language=language,  # type: ignore[arg-type]
        ),
        model="extractive",
        markdown=parsed.markdown,
        tldr=parsed.tldr,
        sections=parsed.sections,
        missing_sections=parsed.missing_sections,
        extractive=True,
        created_at=GENERATED_AT,
    )


def sample_digest(config: Config | None = None, *, summarize: int = 3) -> Digest:
    """The recorded mixed listing day (2026-04-27) ranked with the default profile; the
    first ``summarize`` papers carry extractive summaries."""
    config = config or Config()
    listing = parse_listing(MIXED_RSS.read_bytes())
    assert listing.announced_on is not None
    ranked = rank_papers(candidates_from_listing(listing.entries), config.profile())
    summaries = {item.paper.arxiv_id: extractive_summary(item.paper) for item in ranked[:summarize]}
    return make_digest(
        config,
        announced_on=listing.announced_on,
        ranked=ranked,
        summaries=summaries,
        papers_announced=len(listing.entries),
        generated_at=GENERATED_AT,
    )


def xss_digest(config: Config | None = None) -> Digest:
    """A digest whose every arXiv- or LLM-provided field carries :data:`XSS_PAYLOADS`."""
    config = config or Config()
    ranked: list[RankedPaper] = []
    summaries: dict[str, Summary] = {}
    for number, payload in enumerate(XSS_PAYLOADS, start=1):
        arxiv_id = f"2604.{20000 + number:05d}"
        paper = Paper(
            arxiv_id=arxiv_id,
            version=1,
            title=f"Paper {number} {payload}",
            abstract=f"We study {payload} in depth. Results improve by 12%. {payload}",
            authors=(f"Mallory {payload}", "Alice Example"),
            categories=("cs.AI",),
            primary_category="cs.AI",
        )
        ranked.append(
            RankedPaper(
                rank=number,
                paper=paper,
                announce_type=AnnounceType.NEW,
                score=1.0,
                explanation=Explanation(mode="keywords", total=1.0),
            )
        )
        summaries[arxiv_id] = Summary(
            key=SummaryKey(
                arxiv_id=arxiv_id,
                version=1,
                provider="openai-compatible:evil",
                prompt_hash="0" * 16,
                input_mode="abstract",
                language="en",
            ),
            model=f"evil-model {payload}",
            markdown=f"**TL;DR**: {payload}\n\n### 1. Contributions\n{payload}\n",
            tldr=payload,
            sections=(SummarySection(number=1, title="Contributions", body=payload),),
            missing_sections=(2, 3, 4),
            created_at=GENERATED_AT,
        )
    return make_digest(
        config,
        announced_on=dt.date(2026, 4, 27),
        ranked=ranked,
        summaries=summaries,
        generated_at=GENERATED_AT,
    )
