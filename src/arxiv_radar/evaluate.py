"""Evaluation: how well each ranking mode puts the papers a reader wants first.

Long on purpose: the labels file, the metrics and the evaluation are one small discipline.

A *labels file* (JSON Lines) says which papers are relevant to which profile, one judgement
per line; blank lines are allowed::

    {"profile": "cs_CR", "arxiv_id": "0704.0002", "relevant": false}
    {"profile": "cs_CR", "arxiv_id": "arXiv:0704.0027v2", "relevant": true}

Ids are written in any form arXiv uses and normalized without their version
(``arXiv:0704.0027v2`` is ``0704.0027``): a label is about a paper, not one of its versions.
:func:`load_labels` reads and checks the file; every problem is a
:class:`~arxiv_radar.errors.UsageError` naming the file, the line and what is wrong.

:func:`evaluate` ranks each profile's candidates in each mode with :func:`rank_for_eval` and
scores the ranked list against the labels with binary relevance. For one profile, let
*ranked* be the ranking's arXiv ids, best first (only the papers the ranking kept: a paper
its filters drop, or that ``max_papers`` cuts, is not retrieved), and *R* the number of
*relevant* papers **among the candidates handed to the ranking**, whether or not the ranking
kept them (a candidate without a label is not relevant). Then, for ``k >= 1``:

- ``P@k`` = (relevant papers among the first k of *ranked*) / k. The denominator is k even
  when *ranked* is shorter: a place left empty counts as a paper that is not relevant.
- ``R@k`` = (relevant papers among the first k of *ranked*) / R.
- ``nDCG@k`` = DCG@k / IDCG@k, where DCG@k = sum over the places i = 1..k of *ranked*
  holding a relevant paper of 1 / log2(i + 1), and IDCG@k = sum over i = 1..min(k, R) of
  1 / log2(i + 1): the DCG of an ideal ranking that puts the R relevant candidates first.
- ``AP`` (average precision) = the sum, over the relevant papers in *ranked*, of P@i at
  the place i of each, divided by R (a relevant paper that is not ranked adds 0). ``MAP`` is
  its mean over profiles.

A profile with R = 0 has no value for any metric (``None``): it is reported, and left out of
the means, rather than counted as 0 or 1. Papers with equal scores are in the order the
ranking gives them (score, then position, then arXiv id); :func:`candidates_for` positions
the candidates in arXiv id order, so the order of the labels file never breaks a tie.

Everything here is pure except :func:`load_labels`, which reads the labels file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, cast, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Strict,
    StrictBool,
    StrictStr,
    ValidationError,
)

from arxiv_radar.arxiv.ids import parse_arxiv_id
from arxiv_radar.config import ProfileConfig
from arxiv_radar.config.values import ProfileName
from arxiv_radar.errors import UsageError
from arxiv_radar.models import AnnounceType, Paper
from arxiv_radar.rank import compile_profile
from arxiv_radar.rank.scoring import SEMANTIC_MODES, Candidate, Mode
from arxiv_radar.schemas import EvalMeanOut, EvalReportOut, EvalResultOut, MetricsAtOut

__all__ = [
    "DEFAULT_KS",
    "LABEL_FORM",
    "Labels",
    "RankFunction",
    "average_precision",
    "candidates_for",
    "default_modes",
    "evaluate",
    "load_labels",
    "ndcg_at",
    "precision_at",
    "rank_for_eval",
    "recall_at",
]

DEFAULT_KS = (5, 10, 20)
"""The cut-offs reported when none are asked for."""

LABEL_FORM = '{"profile": "NAME", "arxiv_id": "ID", "relevant": true}'
"""One line of a labels file, as error messages show it."""


# ---------------------------------------------------------------- labels


def _base_id(value: str) -> str:
    return parse_arxiv_id(value).base


class _Label(BaseModel):
    """One line of a labels file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: Annotated[ProfileName, Strict()]
    arxiv_id: Annotated[StrictStr, AfterValidator(_base_id)]
    relevant: StrictBool


@dataclass(frozen=True)
class Labels:
    """The judgements of a labels file: for each profile, in the order the file first names
    them, each labelled paper (arXiv id without version, in file order) and whether it is
    relevant. ``source`` is the file they came from."""

    source: str
    judgements: Mapping[str, Mapping[str, bool]]

    @property
    def profiles(self) -> list[str]:
        return list(self.judgements)

    def papers(self, profile: str) -> list[str]:
        """The ids labelled for ``profile``, relevant or not."""
        return list(self.judgements.get(profile, {}))

    def relevant(self, profile: str) -> frozenset[str]:
        """The ids labelled relevant to ``profile``."""
        labels = self.judgements.get(profile, {})
        return frozenset(arxiv_id for arxiv_id, relevant in labels.items() if relevant)

    def arxiv_ids(self) -> list[str]:
        """Every labelled id, once, in the order the file first names it."""
        return list(dict.fromkeys(i for labels in self.judgements.values() for i in labels))


def _describe(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _problem(error: Mapping[str, Any]) -> str:
    """One validation problem of a label, in words."""
    key = ".".join(str(part) for part in error["loc"][:1])
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return f"key '{key}' is missing"
    if kind == "extra_forbidden":
        return f"unknown key '{key}' (expected profile, arxiv_id and relevant)"
    found = f"found {_describe(error['input'])}"
    if kind == "bool_type":
        return f"key '{key}': {found} (expected true or false)"
    if kind == "string_type":
        return f"key '{key}': {found} (expected a string)"
    if kind == "arxiv_radar":
        return f"key '{key}': {ctx['message']} (expected {ctx['expected']})"
    if kind == "value_error":
        return f"key '{key}': {ctx.get('error', error['msg'])}"
    return f"key '{key}': {found} ({error['msg']})"


def _parse_line(text: str, where: str) -> _Label:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{where}: not valid JSON: {error.msg} (at column {error.colno}; expected {LABEL_FORM})"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(
            f"{where}: found {_describe(data)}, not a JSON object (expected {LABEL_FORM})"
        )
    try:
        return _Label.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            _problem(cast(Mapping[str, Any], item)) for item in error.errors(include_url=False)
        )
        raise UsageError(f"{where}: {problems}") from None


def load_labels(path: Path | str) -> Labels:
    """Read and check a labels file (see the module's documentation).

    A line that is not a JSON object with exactly the keys ``profile`` (a profile name),
    ``arxiv_id`` (an arXiv id) and ``relevant`` (``true`` or ``false``), or that labels a
    paper for a profile again with the opposite judgement, raises :class:`UsageError` naming
    the file and the line; so does a file that cannot be read or holds no label. The same
    judgement given twice counts once.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read the labels file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{path}: not UTF-8 text (byte {error.start}): a labels file is JSON Lines"
        ) from None
    judgements: dict[str, dict[str, bool]] = {}
    first_line: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}: line {number}"
        label = _parse_line(line, where)
        labels = judgements.setdefault(label.profile, {})
        seen = labels.get(label.arxiv_id)
        if seen is None:
            labels[label.arxiv_id] = label.relevant
            first_line[label.profile, label.arxiv_id] = number
        elif seen != label.relevant:
            earlier = first_line[label.profile, label.arxiv_id]
            raise UsageError(
                f"{where}: {label.arxiv_id} is labelled "
                f"{'relevant' if label.relevant else 'not relevant'} to profile "
                f"'{label.profile}', but line {earlier} labels it "
                f"{'relevant' if seen else 'not relevant'}: keep one of the two"
            )
    if not judgements:
        raise UsageError(f"{path}: no labels (expected one per line: {LABEL_FORM})")
    return Labels(source=str(path), judgements=judgements)


# ---------------------------------------------------------------- metrics


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")


def _hits(ranked: Sequence[str], relevant: Set[str], k: int) -> int:
    _check_k(k)
    return sum(1 for arxiv_id in ranked[:k] if arxiv_id in relevant)


def precision_at(ranked: Sequence[str], relevant: Set[str], k: int) -> float | None:
    """P@k: relevant papers among the first ``k`` of ``ranked``, divided by ``k`` (always
    ``k``, even when ``ranked`` is shorter). ``None`` when ``relevant`` is empty."""
    hits = _hits(ranked, relevant, k)
    return hits / k if relevant else None


def recall_at(ranked: Sequence[str], relevant: Set[str], k: int) -> float | None:
    """R@k: relevant papers among the first ``k`` of ``ranked``, divided by the number of
    ``relevant`` papers (those among the candidates). ``None`` when there are none."""
    hits = _hits(ranked, relevant, k)
    return hits / len(relevant) if relevant else None


def _discount(place: int) -> float:
    return 1.0 / math.log2(place + 1)


def ndcg_at(ranked: Sequence[str], relevant: Set[str], k: int) -> float | None:
    """nDCG@k with binary gains and the log2 discount: DCG@k = sum of 1 / log2(i + 1) over
    the places i <= k of ``ranked`` holding a relevant paper, divided by IDCG@k = sum of
    1 / log2(i + 1) for i = 1 .. min(k, number of ``relevant`` papers). ``None`` when
    ``relevant`` is empty."""
    _check_k(k)
    if not relevant:
        return None
    dcg = sum(
        _discount(place)
        for place, arxiv_id in enumerate(ranked[:k], start=1)
        if arxiv_id in relevant
    )
    ideal = sum(_discount(place) for place in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


def average_precision(ranked: Sequence[str], relevant: Set[str]) -> float | None:
    """AP: the sum of P@i over the places i of ``ranked`` that hold a relevant paper,
    divided by the number of ``relevant`` papers (a relevant paper missing from ``ranked``
    adds 0). ``None`` when ``relevant`` is empty."""
    if not relevant:
        return None
    hits = 0
    total = 0.0
    for place, arxiv_id in enumerate(ranked, start=1):
        if arxiv_id in relevant:
            hits += 1
            total += hits / place
    return total / len(relevant)


# ---------------------------------------------------------------- ranking and evaluation


RankFunction = Callable[[ProfileConfig, Mode, Sequence[Candidate]], list[str]]
"""Ranks one profile's candidates in one mode: arXiv ids, best first."""


def default_modes() -> tuple[Mode, ...]:
    """The modes evaluated when none are asked for: every mode of
    :data:`~arxiv_radar.rank.scoring.Mode` that :func:`rank_for_eval` can run, in the order
    ``Mode`` lists them. The modes of :data:`~arxiv_radar.rank.scoring.SEMANTIC_MODES` rank
    with embeddings, which :func:`rank_for_eval` is not given, so they are left out."""
    every = cast(tuple[Mode, ...], get_args(Mode))
    return tuple(mode for mode in every if mode not in SEMANTIC_MODES)


def rank_for_eval(profile: ProfileConfig, mode: Mode, candidates: Sequence[Candidate]) -> list[str]:
    """``candidates`` ranked for ``profile`` in ``mode``, as the digest would rank them (the
    profile's filters, ``min_score`` and ``max_papers`` apply): arXiv ids, best first."""
    scorer = compile_profile(profile, mode=mode)
    return [item.paper.arxiv_id for item in scorer.rank(candidates)]


def candidates_for(labels: Labels, profile: str, papers: Mapping[str, Paper]) -> list[Candidate]:
    """The papers labelled for ``profile`` as new announcements, positioned in arXiv id
    order (so ties never follow the labels file); ``papers`` must hold every one of them."""
    return [
        Candidate(papers[arxiv_id], AnnounceType.NEW, position)
        for position, arxiv_id in enumerate(sorted(labels.papers(profile)))
    ]


def _mean(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return sum(known) / len(known) if known else None


def _scores(ranked: Sequence[str], relevant: Set[str], ks: Sequence[int]) -> list[MetricsAtOut]:
    return [
        MetricsAtOut(
            k=k,
            precision=precision_at(ranked, relevant, k),
            recall=recall_at(ranked, relevant, k),
            ndcg=ndcg_at(ranked, relevant, k),
        )
        for k in ks
    ]


def _mean_of(mode: Mode, results: Sequence[EvalResultOut], ks: Sequence[int]) -> EvalMeanOut:
    counted = [result for result in results if result.mode == mode and result.relevant]
    return EvalMeanOut(
        mode=mode,
        profiles=len(counted),
        mean_average_precision=_mean(result.average_precision for result in counted),
        at=tuple(
            MetricsAtOut(
                k=k,
                precision=_mean(result.at[index].precision for result in counted),
                recall=_mean(result.at[index].recall for result in counted),
                ndcg=_mean(result.at[index].ndcg for result in counted),
            )
            for index, k in enumerate(ks)
        ),
    )


def evaluate(
    labels: Labels,
    profiles: Mapping[str, ProfileConfig],
    candidates: Mapping[str, Sequence[Candidate]],
    *,
    modes: Sequence[Mode] | None = None,
    ks: Sequence[int] = DEFAULT_KS,
    rank: RankFunction = rank_for_eval,
    day: dt.date | None = None,
) -> EvalReportOut:
    """Each profile of ``profiles`` (in that order) ranked in each of ``modes`` (default:
    :func:`default_modes`) with ``rank``, and scored against ``labels`` at each of ``ks``
    (sorted, each counted once); then the mean of every metric over the profiles that have
    a relevant candidate, per mode.

    ``candidates`` holds each profile's candidates (:func:`candidates_for`, or a day's
    papers); those without a label are not relevant. ``day`` is reported as it is (the
    announcement day ranked, or None).
    """
    cutoffs = sorted(set(ks))
    if not cutoffs:
        raise ValueError("no cut-off k to evaluate at")
    for k in cutoffs:
        _check_k(k)
    chosen = tuple(dict.fromkeys(modes if modes is not None else default_modes()))
    results: list[EvalResultOut] = []
    excluded: list[str] = []
    for name, profile in profiles.items():
        pool = candidates[name]
        in_pool = {candidate.paper.arxiv_id for candidate in pool}
        relevant = labels.relevant(name) & in_pool
        if not relevant:
            excluded.append(name)
        for mode in chosen:
            ranked = rank(profile, mode, pool)
            results.append(
                EvalResultOut(
                    profile=name,
                    mode=mode,
                    papers=len(in_pool),
                    relevant=len(relevant),
                    ranked=len(ranked),
                    average_precision=average_precision(ranked, relevant),
                    at=tuple(_scores(ranked, relevant, cutoffs)),
                )
            )
    return EvalReportOut.model_validate(
        {
            "labels": labels.source,
            "day": day,
            "ks": tuple(cutoffs),
            "modes": chosen,
            "results": tuple(results),
            "means": tuple(_mean_of(mode, results, cutoffs) for mode in chosen),
            "excluded": tuple(excluded),
        }
    )
