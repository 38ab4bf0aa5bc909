"""Papers to vectors, each paper version embedded once: the store keeps every vector.

The text of a paper is its title and abstract (:func:`paper_text`). A vector is stored under
(arxiv_id, version, model_id): :func:`embed_papers` reads the vectors the store has, embeds
only the versions it lacks, stores them and returns them all. A new version of a paper is
embedded again; a paper version seen before never is, in this process or a later one.
Changing :func:`paper_text` changes every vector: it then needs a new ``model_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Paper
from ..store import Store
from .model import Embedder

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

CHUNK = 256
"""Papers embedded and stored together: work done is kept when a later chunk fails."""


def paper_text(paper: Paper) -> str:
    """What is embedded of ``paper``: ``title. abstract``, whitespace collapsed."""
    title = " ".join(paper.title.split())
    abstract = " ".join(paper.abstract.split())
    return f"{title}. {abstract}" if abstract else title


def embed_papers(
    store: Store, embedder: Embedder, papers: Sequence[Paper]
) -> dict[str, npt.NDArray[np.float32]]:
    """The vector of each of ``papers`` (at its version) by ``embedder``, keyed by arxiv_id.

    Vectors the store holds for (arxiv_id, version, ``embedder.model_id``) are read back; the
    others are embedded, ``CHUNK`` papers at a time, and stored. The papers must be in the
    store already (a vector refers to its paper). When two of ``papers`` share an arxiv_id,
    the result holds the vector of the last one.
    """
    wanted = {(paper.arxiv_id, paper.version): paper for paper in papers}
    found = store.embeddings(embedder.model_id, wanted)
    missing = [paper for key, paper in wanted.items() if key not in found]
    for start in range(0, len(missing), CHUNK):
        chunk = missing[start : start + CHUNK]
        vectors = embedder.embed([paper_text(paper) for paper in chunk])
        if vectors.shape != (len(chunk), embedder.dim):
            raise ValueError(
                f"{embedder.model_id} returned vectors of shape {vectors.shape} for "
                f"{len(chunk)} texts, not ({len(chunk)}, {embedder.dim})"
            )
        items = [
            (paper.arxiv_id, paper.version, vector)
            for paper, vector in zip(chunk, vectors, strict=True)
        ]
        store.save_embeddings(embedder.model_id, items)
        found.update({(arxiv_id, version): vector for arxiv_id, version, vector in items})
    return {paper.arxiv_id: found[(paper.arxiv_id, paper.version)] for paper in papers}
