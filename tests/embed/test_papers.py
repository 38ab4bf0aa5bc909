"""Papers embedded through the store with the real model: each paper version once, whatever
the calls and however often the store is opened; a new version once more."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from arxiv_radar.embed import Embedder, embed_papers, load_embedder, paper_text
from arxiv_radar.models import Paper
from arxiv_radar.store import Store


class Counting:
    """The real embedder, counting the texts it is given (and able to claim another id)."""

    def __init__(self, inner: Embedder, model_id: str | None = None) -> None:
        self.inner = inner
        self.model_id = model_id or inner.model_id
        self.dim = inner.dim
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def model() -> Iterator[Embedder]:
    yield load_embedder()


@pytest.fixture
def counting(model: Embedder) -> Counting:
    return Counting(model)


def paper(arxiv_id: str, version: int = 1, title: str = "", abstract: str = "") -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title or f"On topic {arxiv_id}",
        abstract=abstract or f"We study the question {arxiv_id} with graphs and proofs.",
    )


PAPERS = [
    paper("2405.00001", title="Graph neural networks for molecules"),
    paper("2405.00002", title="Protein folding with attention"),
    paper("2405.00003", title="Type theory and  proof assistants", abstract="  Proofs.\n"),
]


def stored(path: Path, papers: Sequence[Paper] = PAPERS) -> Store:
    store = Store.open(str(path))
    store.upsert_papers(papers)
    return store


def test_the_text_is_the_title_and_the_abstract_whitespace_collapsed() -> None:
    text = paper_text(Paper(arxiv_id="1", version=1, title=" A\n  title ", abstract="An\tab-\n"))
    assert text == "A title. An ab-"
    assert paper_text(Paper(arxiv_id="1", version=1, title="Only a title")) == "Only a title"


def test_each_paper_version_is_embedded_once(tmp_path: Path, counting: Counting) -> None:
    with stored(tmp_path / "radar.db") as store:
        first = embed_papers(store, counting, PAPERS)
        assert counting.texts == [paper_text(p) for p in PAPERS]
        assert list(first) == [p.arxiv_id for p in PAPERS]
        assert np.allclose(
            np.vstack(list(first.values())), counting.inner.embed(counting.texts), atol=1e-5
        )
        counting.texts.clear()

        again = embed_papers(store, counting, [*PAPERS, PAPERS[0]])  # a paper twice: once
        assert counting.texts == []
        assert all(np.array_equal(again[key], first[key]) for key in first)

        more = paper("2405.00004", title="Proof search by reinforcement learning")
        store.upsert_papers([more])
        embed_papers(store, counting, [PAPERS[1], more])
        assert counting.texts == [paper_text(more)]


def test_a_later_process_embeds_nothing_again(tmp_path: Path, counting: Counting) -> None:
    with stored(tmp_path / "radar.db") as store:
        first = embed_papers(store, counting, PAPERS)
    counting.texts.clear()
    with Store.open(str(tmp_path / "radar.db")) as reopened:
        again = embed_papers(reopened, counting, PAPERS[::-1])
    assert counting.texts == []
    assert all(np.array_equal(again[key], first[key]) for key in first)


def test_a_new_version_is_embedded_again(tmp_path: Path, counting: Counting) -> None:
    with stored(tmp_path / "radar.db") as store:
        embed_papers(store, counting, PAPERS)
        revised = paper("2405.00001", 2, "Graph neural networks for molecules", "Now on crystals.")
        store.upsert_papers([revised])
        counting.texts.clear()
        vectors = embed_papers(store, counting, [revised, PAPERS[1]])
        assert counting.texts == [paper_text(revised)]
        kept = store.embeddings(counting.model_id, [("2405.00001", 1), ("2405.00001", 2)])
        assert set(kept) == {("2405.00001", 1), ("2405.00001", 2)}  # v1's vector stays
        assert np.array_equal(kept[("2405.00001", 2)], vectors["2405.00001"])
        assert not np.allclose(kept[("2405.00001", 1)], kept[("2405.00001", 2)])


def test_another_model_embeds_for_itself(tmp_path: Path, model: Embedder) -> None:
    mini, other = Counting(model), Counting(model, "another-model-id")
    with stored(tmp_path / "radar.db") as store:
        embed_papers(store, mini, PAPERS)
        embed_papers(store, other, PAPERS)
        embed_papers(store, mini, PAPERS)
    assert len(mini.texts) == len(other.texts) == len(PAPERS)


def test_nothing_to_embed(tmp_path: Path, counting: Counting) -> None:
    with stored(tmp_path / "radar.db") as store:
        assert embed_papers(store, counting, []) == {}
    assert counting.texts == []


def test_an_embedder_that_returns_the_wrong_shape_is_refused(
    tmp_path: Path, model: Embedder
) -> None:
    class Short(Counting):
        def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
            return super().embed(texts)[:, :10]

    with stored(tmp_path / "radar.db") as store:
        with pytest.raises(ValueError, match=r"shape \(3, 10\) for 3 texts, not \(3, 384\)"):
            embed_papers(store, Short(model), PAPERS)
        assert store.embeddings(model.model_id, [(p.arxiv_id, 1) for p in PAPERS]) == {}
