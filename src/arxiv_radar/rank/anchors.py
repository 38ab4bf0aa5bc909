"""A profile's anchors as vectors: its interests, keywords, seed papers and library, embedded.

:func:`semantic_profile` turns ``interests`` (each sentence is an anchor), the ``keywords``
(their words together, one anchor: a reader's keywords describe their work too), ``seed_papers``
(each stored paper, through the store's vectors: a paper is embedded once), ``library``
(each entry: the stored paper when it names an arXiv id the store holds, else its title and
abstract) and the papers the reader marked up (``arxiv-radar feedback``; those marked down
become negatives) into a :class:`~arxiv_radar.rank.semantic.SemanticProfile`. Seed papers must be in
the store (``arxiv-radar`` fetches them through the export API before ranking).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from arxiv_radar.config import ProfileConfig
from arxiv_radar.errors import ConfigError
from arxiv_radar.rank.semantic import Anchor, Preference, SemanticProfile

if TYPE_CHECKING:
    from arxiv_radar.embed.model import Embedder
    from arxiv_radar.rank.semantic import Vectors
    from arxiv_radar.store import Store

__all__ = ["MIN_JUDGED", "has_anchors", "keyword_terms", "learn_preference", "semantic_profile"]

MIN_JUDGED = 3
"""Papers marked up, and papers marked down, before a model of the feedback is learned."""


def has_anchors(profile: ProfileConfig) -> bool:
    """True when the profile says what it is about beyond keywords."""
    return bool(profile.interests or profile.seed_papers or profile.library or profile.zotero)


def keyword_terms(profile: ProfileConfig) -> list[str]:
    """The profile's keywords as words: each plain keyword, each rule's term or label (a
    regular expression without a label says nothing in words and is left out)."""
    terms: list[str] = []
    for keyword in profile.keywords:
        if isinstance(keyword, str):
            terms.append(keyword)
        elif keyword.label or keyword.term:
            terms.append(keyword.label or keyword.term or "")
    return list(dict.fromkeys(terms))


def semantic_profile(
    profile: ProfileConfig,
    embedder: Embedder,
    store: Store,
    *,
    base: Path | None = None,
    feedback: Mapping[str, int] | None = None,
) -> SemanticProfile:
    """The profile's anchors embedded with ``embedder``; ``base`` is the folder a relative
    ``library`` path is read from (the configuration file's). ``feedback`` (arXiv id -> 1 or
    -1, as ``Store.feedback`` gives it): papers marked up are anchors too, papers marked down
    the profile's negatives."""
    from arxiv_radar.embed.papers import embed_papers
    from arxiv_radar.library import library_path, load_library
    from arxiv_radar.zotero import cached_library

    anchors: list[Anchor] = []
    texts: list[str] = []
    paper_anchors: list[tuple[Anchor, str]] = []  # anchors that are stored papers

    for interest in profile.interests:
        anchors.append(Anchor("interest", interest))
        texts.append(interest)
    terms = keyword_terms(profile)
    if terms:
        anchors.append(Anchor("keywords", ", ".join(terms)))
        texts.append(", ".join(terms))

    seeds = list(dict.fromkeys(profile.seed_papers))
    stored = store.get_papers(seeds) if seeds else {}
    missing = [arxiv_id for arxiv_id in seeds if arxiv_id not in stored]
    if missing:
        raise ConfigError(
            f"seed papers not in the store: {', '.join(missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''}: fetch them with "
            f"`arxiv-radar backfill --ids {','.join(missing[:5])}` or check the ids"
        )
    for arxiv_id in seeds:
        paper = stored[arxiv_id].paper
        paper_anchors.append((Anchor("seed", f"{paper.title} (arXiv:{arxiv_id})"), arxiv_id))

    entries = load_library(library_path(profile.library, base)) if profile.library else []
    if profile.zotero:  # the copy kept by the last sync (runtime.sync_zotero)
        entries.extend(cached_library(profile.zotero, base).entries)
    if entries:
        known = store.get_papers([e.arxiv_id for e in entries if e.arxiv_id])
        for entry in entries:
            if entry.arxiv_id and entry.arxiv_id in known:
                paper_anchors.append((Anchor("library", entry.label), entry.arxiv_id))
            else:
                anchors.append(Anchor("library", entry.label))
                texts.append(entry.text)

    judged = store.get_papers(list(feedback or {}))
    ups = [i for i, value in (feedback or {}).items() if value > 0 and i in judged]
    downs = [i for i, value in (feedback or {}).items() if value < 0 and i in judged]
    for arxiv_id in ups:
        label = f"{judged[arxiv_id].paper.title} (arXiv:{arxiv_id}), marked up"
        paper_anchors.append((Anchor("feedback", label), arxiv_id))

    if not anchors and not paper_anchors:
        raise ConfigError(
            "semantic ranking needs keywords, interests, seed_papers or a library in the "
            "profile, or a paper marked up with `arxiv-radar feedback ID up`"
        )
    rows = []
    if texts:
        rows.append(np.asarray(embedder.embed(texts), dtype=np.float32))
    if paper_anchors:
        papers = store.get_papers([arxiv_id for _, arxiv_id in paper_anchors])
        vectors = embed_papers(store, embedder, [papers[i].paper for _, i in paper_anchors])
        anchors.extend(anchor for anchor, _ in paper_anchors)
        rows.append(np.vstack([vectors[arxiv_id] for _, arxiv_id in paper_anchors]))
    negatives = np.zeros((0, embedder.dim), dtype=np.float32)
    if downs:
        vectors = embed_papers(store, embedder, [judged[i].paper for i in downs])
        negatives = np.vstack([vectors[i] for i in downs]).astype(np.float32)
    preference = None
    if len(ups) >= MIN_JUDGED and len(downs) >= MIN_JUDGED:
        vectors = embed_papers(store, embedder, [judged[i].paper for i in ups])
        liked = np.vstack([vectors[i] for i in ups]).astype(np.float32)
        preference = learn_preference(liked, negatives)
    return SemanticProfile(
        model_id=embedder.model_id,
        anchors=tuple(anchors),
        positives=np.vstack(rows).astype(np.float32),
        negatives=negatives,
        preference=preference,
    )


def learn_preference(liked: Vectors, disliked: Vectors) -> Preference:
    """A logistic regression (scikit-learn) of up (``liked``) against down (``disliked``)
    on the papers' vectors, classes weighted equally: the direction in which the reader's
    taste lies, as arxiv-sanity learns one from a reader's tags."""
    from sklearn.linear_model import LogisticRegression

    features = np.vstack([liked, disliked])
    labels = np.array([1] * len(liked) + [0] * len(disliked))
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    model.fit(features, labels)
    return Preference(
        coef=np.asarray(model.coef_[0], dtype=np.float32),
        intercept=float(model.intercept_[0]),
        trained_on=len(labels),
    )
