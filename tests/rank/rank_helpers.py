"""Real papers for the ranking tests, read from the recorded arXiv responses with lxml."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from arxiv_radar.models import AnnounceType, Paper

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv"
RSS_3_ITEMS = FIXTURES / "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
API_100_ENTRIES = FIXTURES / "api_atom_search_testing_100entries_2026.xml"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"


def rss_papers() -> list[tuple[Paper, AnnounceType]]:
    """The three papers of the recorded cs.AI listing feed, in feed order."""
    root = etree.parse(str(RSS_3_ITEMS)).getroot()
    papers = []
    for item in root.iter("item"):
        head, _, abstract = (item.findtext("description") or "").partition("Abstract: ")
        found = re.search(r"arXiv:(\S+)v(\d+)", head)
        assert found is not None
        creators = item.findtext(f"{DC}creator") or ""
        paper = Paper(
            arxiv_id=found[1],
            version=int(found[2]),
            title=item.findtext("title") or "",
            abstract=abstract.strip(),
            authors=tuple(name.strip() for name in creators.split(",")),
            categories=tuple(c.text or "" for c in item.iter("category")),
            primary_category=item.findtext("category"),
        )
        papers.append((paper, AnnounceType(item.findtext(f"{ARXIV}announce_type"))))
    return papers


def api_papers() -> list[Paper]:
    """The 100 papers of the recorded export API search, whitespace as recorded."""
    root = etree.parse(str(API_100_ENTRIES)).getroot()
    papers = []
    for entry in root.iter(f"{ATOM}entry"):
        found = re.search(r"abs/(.+)v(\d+)$", entry.findtext(f"{ATOM}id") or "")
        assert found is not None
        primary = entry.find(f"{ARXIV}primary_category")
        papers.append(
            Paper(
                arxiv_id=found[1],
                version=int(found[2]),
                title=entry.findtext(f"{ATOM}title") or "",
                abstract=entry.findtext(f"{ATOM}summary") or "",
                authors=tuple(
                    name.findtext(f"{ATOM}name") or "" for name in entry.iter(f"{ATOM}author")
                ),
                categories=tuple(c.get("term", "") for c in entry.iter(f"{ATOM}category")),
                primary_category=None if primary is None else primary.get("term"),
            )
        )
    return papers
