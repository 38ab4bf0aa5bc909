"""Mode ``legacy``: the old arXiv Papers Bot's scoring and filter, exactly.

For a paper announced as ``new`` (any other announce type is dropped), with
``text = (title + " " + abstract).lower()``::

    score = sum over the entries of `keywords`, in order, duplicates included, of
            1.0 if entry.lower() in text, plus 0.5 if entry.lower() in title.lower()

A paper with any ``exclude`` entry in ``text``, or with score 0, is dropped; the rest are
sorted by score, ties in announcement order, and cut after ``max_papers``. Entries are
matched as written, spaces included (" RL " needs spaces around it). ``min_score``,
``required``, ``authors``, ``category_weights``, ``announce_types``, ``title_bonus`` and
keyword weights are not used, as the old tool had none of them. A keyword table counts
as its term (a substring, as above) or its regular expression (searched ignoring case).

One difference, so that the score does not depend on which arXiv interface a paper came
from: line breaks, with the spaces around them, count as one space (the export API wraps
abstracts; the listing feeds the old tool read do not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arxiv_radar.config import KeywordRule, ProfileConfig
from arxiv_radar.models import AnnounceType, DropReason, Explanation, Match, Paper
from arxiv_radar.rank.matching import PatternMatcher
from arxiv_radar.rank.scoring import Scorer, points

__all__ = ["LegacyScorer"]

_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n)\s*")
_PRESENCE, _TITLE = 1.0, 0.5


def _one_line(text: str) -> str:
    return _LINE_BREAK.sub(" ", text) if "\n" in text or "\r" in text else text


@dataclass(frozen=True, slots=True)
class _Entry:
    """One entry of the keyword (or exclude) list: a lower-case substring or a regex."""

    label: str
    needle: str | None
    regex: PatternMatcher | None

    @classmethod
    def of(cls, item: str | KeywordRule) -> _Entry:
        if isinstance(item, str):
            return cls(item, item.lower(), None)
        if item.regex is not None:
            return cls(item.label or item.regex, None, PatternMatcher(item.regex))
        term = item.term or ""
        return cls(item.label or term, term.lower(), None)

    def span(self, lowered: str, original: str) -> tuple[int, int] | None:
        if self.needle is not None:
            start = lowered.find(self.needle)
            return None if start < 0 else (start, start + len(self.needle))
        assert self.regex is not None
        found = self.regex.search_lowered(original, lowered)
        return None if found is None else found.span()

    def occurs(self, lowered: str, original: str) -> bool:
        if self.needle is not None:
            return self.needle in lowered
        assert self.regex is not None
        return self.regex.search_lowered(original, lowered) is not None


class LegacyScorer(Scorer):
    """Scores papers in ``legacy`` mode (see the module docstring)."""

    mode = "legacy"

    def __init__(self, profile: ProfileConfig) -> None:
        super().__init__(profile)
        self._keywords = [_Entry.of(item) for item in profile.keywords]
        self._exclude = [_Entry.of(item) for item in profile.exclude]
        # The fast path: plain substrings apart from expressions (sums of 1.0 and 0.5 are
        # exact in any order, so the split cannot change a score).
        self._needles = [e.needle for e in self._keywords if e.needle is not None]
        self._regexes = [e.regex for e in self._keywords if e.regex is not None]
        self._exclude_needles = [e.needle for e in self._exclude if e.needle is not None]
        self._exclude_regexes = [e.regex for e in self._exclude if e.regex is not None]

    @staticmethod
    def _texts(paper: Paper) -> tuple[str, str, str, str]:
        title = _one_line(paper.title)
        text = title + " " + _one_line(paper.abstract)
        return title, title.lower(), text, text.lower()

    def score(self, paper: Paper, announce_type: AnnounceType) -> float | None:
        if announce_type != AnnounceType.NEW:
            return None
        title, title_lower, text, text_lower = self._texts(paper)
        if any(needle in text_lower for needle in self._exclude_needles) or any(
            regex.search_lowered(text, text_lower) for regex in self._exclude_regexes
        ):
            return None
        score = 0.0
        for needle in self._needles:
            if needle in text_lower:
                score += _PRESENCE + _TITLE if needle in title_lower else _PRESENCE
        for regex in self._regexes:
            if regex.search_lowered(text, text_lower):
                titled = regex.search_lowered(title, title_lower)
                score += _PRESENCE + _TITLE if titled else _PRESENCE
        return score or None

    def explain(self, paper: Paper, announce_type: AnnounceType = AnnounceType.NEW) -> Explanation:
        announce_type = AnnounceType(announce_type)
        title, title_lower, text, text_lower = self._texts(paper)
        same_length = len(text) == len(text_lower)
        matches: list[Match] = []
        excluded: Match | None = None
        found = 0
        in_title = 0
        for kind, entries in (("keyword", self._keywords), ("exclude", self._exclude)):
            for entry in entries:
                span = entry.span(text_lower, text)
                if span is None:
                    continue
                source = text if same_length or entry.needle is None else text_lower
                titled = entry.occurs(title_lower, title)
                earned = 0.0
                if kind == "keyword":
                    found += 1
                    in_title += titled
                    earned = _PRESENCE + (_TITLE if titled else 0.0)
                match = Match(
                    rule=entry.label,
                    kind="keyword" if kind == "keyword" else "exclude",
                    where="title" if titled else "abstract",
                    text=source[span[0] : span[1]],
                    weight=_PRESENCE if kind == "keyword" else 0.0,
                    points=earned,
                )
                excluded = match if excluded is None and kind == "exclude" else excluded
                matches.append(match)
        total = points(found * _PRESENCE + in_title * _TITLE)
        dropped: DropReason | None = None
        reason = None
        if announce_type is not AnnounceType.NEW:
            dropped = "announce_type"
            reason = f"announced as {announce_type.value}; legacy mode keeps only new papers"
        elif excluded is not None:
            dropped = "excluded"
            reason = f'excluded by "{excluded.rule}" ({excluded.where}: "{excluded.text}")'
        elif total == 0:
            dropped = "no_match"
            reason = "no keyword found in the title or abstract"
        return Explanation(
            mode="legacy",
            matches=tuple(matches),
            keywords=points(found * _PRESENCE),
            title_bonus=points(in_title * _TITLE),
            total=total,
            dropped=dropped,
            reason=reason,
        )
