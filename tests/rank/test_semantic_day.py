"""Semantic and hybrid ranking of a real day through the store, with the real model: interests,
a BibTeX library and seed papers as anchors; vectors computed once; the ranking stored and
recomputed when the anchors change; `rank --mode` from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import ProfileConfig, load_config
from arxiv_radar.demo import DEMO_DAY, demo_feed_bytes, seed_store
from arxiv_radar.embed import Embedder, load_embedder, paper_text
from arxiv_radar.errors import ConfigError
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.store import Store

from cli_helpers import invoke_cli
from replay_server import ReplayServer, Reply, fixture_bytes

DRIVING = (
    "Testing autonomous driving systems in simulation: generating scenarios for "
    "pedestrian detection and driver assistance."
)
RSS_3_ITEMS = "rss2_new_format_cs.AI_excerpt_3items_reserialized_2026-04-27.xml"
LIBRARY = r"""
@article{molecules,
  title = {Graph Neural Networks for Drug Discovery and Molecule Property Prediction},
  abstract = {We predict properties of candidate drug molecules with learned models.},
}
@article{radiology,
  title = {Deep learning pipelines for medical image analysis},
  abstract = {Reproducible processing of radiology images with neural networks.},
}
"""


class Counting:
    """The real embedder, counting the texts it is given."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def model() -> Iterator[Embedder]:
    yield load_embedder()


def demo_day(store: Store) -> None:
    """The demo day: 34 real papers announced on 27 April 2026."""
    seed_store(store)
    store.ingest(parse_listing(demo_feed_bytes()).entries)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "radar.db")) as opened:
        demo_day(opened)
        yield opened


def test_hybrid_ranks_by_meaning_and_embeds_each_paper_once(model: Embedder, store: Store) -> None:
    profile = ProfileConfig(keywords=["agent"], interests=[DRIVING])
    assert profile.mode == "hybrid"
    counting = Counting(model)
    ranking = rank_day(store, "default", profile, day=DEMO_DAY, embedder=counting)
    assert ranking.mode == "hybrid" and ranking.considered == 34
    ids = [item.paper.arxiv_id for item in ranking.ranked]
    # SilGAN (driving maneuvers) matches no keyword and is among the first three, by meaning,
    # with the two papers that have "agent" in their title (the keyword, and close to it)
    assert set(ids[:3]) == {"2107.07364", "2604.21937", "2604.21936"}
    first = ranking.ranked[ids.index("2107.07364")].explanation
    assert not first.matches and first.similarity is not None and first.nearest == DRIVING
    assert first.nearest_kind == "interest" and first.semantic == pytest.approx(
        5 * first.similarity, abs=1e-3
    )
    papers = {paper_text(stored.paper) for stored in store.papers_announced_on(DEMO_DAY)}
    embedded = [text for text in counting.texts if text in papers]
    assert len(embedded) == len(set(embedded)) == 34
    again = Counting(model)
    stored = rank_day(store, "default", profile, day=DEMO_DAY, embedder=again)
    assert [item.paper.arxiv_id for item in stored.ranked] == ids
    assert again.texts == []  # the stored ranking: nothing embedded, not even the interests


def test_a_bibtex_library_ranks_similar_papers_first(
    model: Embedder, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "library.bib").write_text(LIBRARY, encoding="utf-8")
    profile = ProfileConfig(keywords=[], library="library.bib", mode="semantic")
    ranking = rank_day(store, "default", profile, day=DEMO_DAY, embedder=model, base=tmp_path)
    ids = [item.paper.arxiv_id for item in ranking.ranked]
    # MolClaw (drug molecules) first, the medical-image agent framework in the first three,
    # out of 34 papers on testing
    assert ids[0] == "2604.21937" and "2604.21936" in ids[:3]
    nearest = {item.paper.arxiv_id: item.explanation.nearest for item in ranking.ranked[:3]}
    assert nearest["2604.21937"].startswith("Graph Neural Networks for Drug Discovery")
    assert nearest["2604.21936"] == "Deep learning pipelines for medical image analysis"
    # another library: ranked again, not read back from the store
    (tmp_path / "library.bib").write_text(
        "@misc{a, title={Metamorphic testing of pose estimation systems}}", encoding="utf-8"
    )
    changed = rank_day(store, "default", profile, day=DEMO_DAY, embedder=model, base=tmp_path)
    assert changed.ranked[0].paper.arxiv_id == "2502.09460"


def test_seed_papers_come_from_the_store(model: Embedder, store: Store) -> None:
    seeded = ProfileConfig(seed_papers=["2107.07364"], keywords=[], mode="semantic")
    ranking = rank_day(store, "default", seeded, day=DEMO_DAY, embedder=model)
    assert ranking.ranked[0].paper.arxiv_id == "2107.07364"  # the seed itself: similarity 1
    assert ranking.ranked[0].explanation.similarity == pytest.approx(1.0, abs=1e-3)
    assert ranking.ranked[1].explanation.nearest_kind == "seed"
    missing = ProfileConfig(seed_papers=["2401.99999"], mode="semantic")
    with pytest.raises(ConfigError, match=r"2401\.99999.*backfill --ids 2401\.99999"):
        rank_day(store, "default", missing, day=DEMO_DAY, embedder=model)


def test_rank_mode_semantic_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "arxiv-radar.toml").write_text(
        f'[profiles.default]\nkeywords = ["agent"]\ninterests = ["{DRIVING}"]\n',
        encoding="utf-8",
    )
    with Store.open(str(tmp_path / "arxiv-radar.db")) as opened:
        demo_day(opened)
    result = invoke_cli("rank", "--mode", "semantic", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ranked = json.loads(result.stdout)
    assert ranked[0]["explanation"]["mode"] == "semantic"
    assert ranked[0]["explanation"]["nearest"] in (DRIVING, "agent")
    assert 0 < ranked[0]["explanation"]["similarity"] <= 1
    why = invoke_cli("rank", "--explain", "2107.07364", cwd=tmp_path)  # the profile's hybrid
    assert why.returncode == 0, why.stderr
    text = " ".join(why.stdout.split())
    assert "similarity" in text and "(hybrid mode)" in text


def test_run_looks_up_the_seed_papers_the_store_lacks(tmp_path: Path, replay: ReplayServer) -> None:
    replay.add("/rss/cs.AI", Reply(body=fixture_bytes(RSS_3_ITEMS)))
    replay.add(
        "/api/query", Reply(body=fixture_bytes("api_atom_idlist_single_1605.08386_2026.xml"))
    )
    (tmp_path / "arxiv-radar.toml").write_text(
        '[arxiv]\ncategories = ["cs.AI"]\n\n'
        '[profiles.default]\nkeywords = []\nseed_papers = ["1605.08386"]\n',
        encoding="utf-8",
    )
    run = ("run", "--no-summaries", "--no-catch-up", "--output", str(tmp_path / "out"))
    first = invoke_cli(*run, cwd=tmp_path, server=replay)
    assert first.returncode == 0, first.stdout + first.stderr
    lookups = replay.requests_to("/api/query")
    assert len(lookups) == 1 and "1605.08386" in lookups[0].raw_query
    with Store.open(str(tmp_path / "arxiv-radar.db")) as store:
        assert store.get_paper("1605.08386") is not None
        ranking = rank_day(
            store, "default", load_config(tmp_path / "arxiv-radar.toml").profiles["default"]
        )
    assert ranking.mode == "hybrid"
    assert {item.explanation.nearest_kind for item in ranking.ranked} == {"seed"}
    again = invoke_cli(*run, cwd=tmp_path, server=replay)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(replay.requests_to("/api/query")) == 1  # stored now: not looked up again
