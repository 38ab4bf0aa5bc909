"""The key a profile's rankings are stored under, computed without ranking anything.

:func:`ranking_key` gives the mode a ranking is asked in and the configuration hash of the
``rankings`` read model: the profile's settings, and in the semantic modes what the anchors
come from (:func:`anchors_fingerprint`). :func:`~arxiv_radar.rank.ranker.rank_day` reads and
writes rankings under it; ``serve`` looks them up by it, and imports nothing else of
``rank/``. Nothing here scores, embeds or loads a model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_radar.config import ProfileConfig
from arxiv_radar.rank.scoring import SEMANTIC_MODES, Mode
from arxiv_radar.store import Store
from arxiv_radar.store.rankings import config_hash

if TYPE_CHECKING:
    from arxiv_radar.embed.model import Embedder

__all__ = ["anchors_fingerprint", "ranking_key"]


def ranking_key(
    store: Store,
    profile_name: str,
    profile: ProfileConfig,
    *,
    mode: Mode | None = None,
    embedder: Embedder | None = None,
    follow_feedback: bool = True,
) -> tuple[Mode | None, str]:
    """The mode a ranking of ``profile`` is asked in (``mode``; None: the profile's own,
    except ``hybrid`` for a profile that names no mode once a paper is marked up, unless not
    ``follow_feedback``) and the configuration hash its rankings are stored under: the
    profile's ranking settings and, in the semantic modes, the model's id. What
    :func:`rank_day` reads and writes, and what ``serve`` looks rankings up by. What the
    anchors come from (feedback, library file, Zotero library) is not in it but in the
    ranking's inputs (:func:`anchors_fingerprint`): a ranking made before a paper was marked
    up stays where ``serve`` finds it until the day is ranked again."""
    if (
        follow_feedback
        and mode is None
        and "mode" not in profile.model_fields_set
        and any(value > 0 for value in store.feedback(profile_name).values())
    ):
        mode = "hybrid"  # a paper marked up says what the profile is about, as interests do
    semantic = (mode or profile.mode) in SEMANTIC_MODES
    extra = model_id(embedder) if semantic else ""
    return mode, config_hash(profile, mode, extra=extra)


def model_id(embedder: Embedder | None) -> str:
    """``embedder``'s model id, or the default model's, read without loading it."""
    from arxiv_radar.embed.model import model_spec

    return embedder.model_id if embedder is not None else model_spec().model_id


def anchors_fingerprint(
    profile: ProfileConfig, base: Path | None, feedback: Mapping[str, int]
) -> str:
    """What a semantic ranking depends on beyond the profile's settings and model, read from
    its sources without loading the model: the library file's content, the version of the
    kept Zotero library and the reader's feedback (interests and seed papers are settings).
    Part of a stored ranking's inputs, beside its papers: a ranking whose inputs changed is
    computed again, one whose inputs did not is read back without embedding anything."""
    digest = hashlib.sha256(b"anchors")
    if profile.library:
        from arxiv_radar.library import library_path

        try:
            content = library_path(profile.library, base).read_bytes()
            digest.update(b"\nlibrary\n" + hashlib.sha256(content).digest())
        except OSError:
            digest.update(b"\nlibrary unreadable")  # ranking says why, with the path
    if profile.zotero:  # the version of the kept copy: a changed library ranks again
        from arxiv_radar.zotero import cached_version

        version = cached_version(profile.zotero, base)
        digest.update(f"\nzotero\n{profile.zotero}\n{version}".encode())
    for arxiv_id, judgement in sorted(feedback.items()):
        digest.update(f"\n{arxiv_id}\t{judgement}".encode())
    return digest.hexdigest()[:16]
