"""Golden outputs of the demo day: README, feeds and site, byte for byte.

The demo day (34 real records shown as if announced on one day) goes through the real stages
as ``arxiv-radar demo`` runs them: the records' dates stored, the listing ingested into a
SQLite store, ranked with the demo's configuration, the top five given extractive summaries,
and rendered with the demo's notice at a fixed time. Any change to what a reader sees shows
up here as a diff to review: ``ARXIV_RADAR_UPDATE_GOLDEN=1 python -m pytest
tests/publish/test_demo_goldens.py`` writes the new outputs beside the goldens as ``.new``
files, and ``python scripts/accept_goldens.py`` shows their diffs and accepts them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.demo import (
    DEMO_DAY,
    DEMO_NOTICE,
    DEMO_PAPERS,
    demo_config,
    demo_feed_bytes,
    seed_store,
)
from arxiv_radar.models import Digest
from arxiv_radar.publish import feeds, markdown, site
from arxiv_radar.publish.digest import make_digest, summaries_for
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.store import Store
from arxiv_radar.summarize.providers import EXTRACTIVE
from arxiv_radar.summarize.stage import summarize_papers

from digest_helpers import GENERATED_AT, check_golden

GOLDEN = Path(__file__).parent / "golden_demo"


@pytest.fixture(scope="module")
def demo_digest(tmp_path_factory: pytest.TempPathFactory) -> Digest:
    config = demo_config()
    folder = tmp_path_factory.mktemp("demo")
    with Store.open(str(folder / "radar.db")) as store:
        seed_store(store)
        store.ingest(parse_listing(demo_feed_bytes()).entries)
        ranking = rank_day(store, "default", config.profile(), day=DEMO_DAY)
        papers = [item.paper for item in ranking.ranked[: config.summaries.max_papers]]
        summarize_papers(papers, store=store, spec=EXTRACTIVE, config=config.summaries)
        summaries = summaries_for(store, ranking.ranked)
    digest = make_digest(
        config,
        announced_on=DEMO_DAY,
        ranked=ranking.ranked,
        summaries=summaries,
        papers_announced=ranking.considered,
        papers_matched=ranking.kept,
        generated_at=GENERATED_AT,
        notice=DEMO_NOTICE,
    )
    # Summaries carry the time they were made: pin it so the goldens are stable.
    return digest.model_copy(
        update={
            "entries": tuple(
                entry.model_copy(
                    update={
                        "summary": entry.summary.model_copy(update={"created_at": GENERATED_AT})
                        if entry.summary
                        else None
                    }
                )
                for entry in digest.entries
            )
        }
    )


def test_the_demo_digest_is_realistic(demo_digest: Digest) -> None:
    assert demo_digest.papers_announced == DEMO_PAPERS and demo_digest.notice == DEMO_NOTICE
    # Every new or cross-listed paper is shown (fewer than max_papers, 50): in hybrid mode a
    # paper no keyword matches still ranks by its meaning.
    assert len(demo_digest.entries) == demo_digest.papers_matched == 24
    explanations = [entry.ranked.explanation for entry in demo_digest.entries]
    assert {e.mode for e in explanations} == {"hybrid"}
    assert all(e.similarity is not None and e.nearest_kind == "interest" for e in explanations)
    assert sum(1 for entry in demo_digest.entries if entry.summary) == 5
    assert {entry.ranked.announce_type.value for entry in demo_digest.entries} >= {"new", "cross"}


def test_readme_golden(demo_digest: Digest) -> None:
    check_golden(GOLDEN / "README.md", markdown.render_readme(demo_digest))


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("rss.xml", feeds.render_rss),
        ("atom.xml", feeds.render_atom),
        ("feed.json", feeds.render_json_feed),
    ],
)
def test_feed_goldens(demo_digest: Digest, name: str, render: object) -> None:
    check_golden(GOLDEN / name, render(demo_digest))  # type: ignore[operator]


def test_category_feed_golden(demo_digest: Digest) -> None:
    check_golden(GOLDEN / "cs.DC.xml", feeds.render_rss(demo_digest, category="cs.DC"))


def test_site_goldens(demo_digest: Digest, tmp_path: Path) -> None:
    site.write_site(demo_digest, tmp_path)
    for name in ("index.html", "archive/2026-04-27.html", "archive/index.html", "data.json"):
        check_golden(GOLDEN / "site" / name, (tmp_path / name).read_bytes())
    data = json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))
    assert len(data["papers"]) == len(demo_digest.entries)
