"""Mode ``keywords``: word-aware keyword rules, followed authors and category weights.

A paper's score is the sum of

* for each keyword rule that matches its title or abstract: the rule's weight, once
  however often it occurs, plus ``title_bonus`` x weight when it matches the title;
* for each followed author among its authors: that author's weight;
* for each category of ``category_weights`` the paper is listed in (any of its
  categories; an archive such as ``cs`` covers all its subject classes): that weight,
  only for papers that matched a keyword or an author.

A paper is dropped, in this order of reasons, when its announce type is not in
``announce_types``, when an ``exclude`` rule matches, when ``required`` rules exist and
none matches, when no keyword and no author matched, or when its score is below
``min_score``. Keywords that are the same once case, spaces and hyphens are ignored
("framework" and "Framework") are merged into one rule that counts once, with the highest
of their weights. How a keyword matches text is described in :mod:`.matching`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from arxiv_radar.config import DEFAULT_AUTHOR_WEIGHT, AuthorRule, KeywordRule, ProfileConfig
from arxiv_radar.models import AnnounceType, DropReason, Explanation, Match, Paper
from arxiv_radar.rank.authors import AuthorIndex, name_key
from arxiv_radar.rank.matching import (
    PatternMatcher,
    PreparedText,
    WordScanner,
    is_plain,
    literal_pattern,
    prepare,
    term_key,
    term_regex,
    words_of,
)
from arxiv_radar.rank.scoring import Scorer, points

__all__ = ["KeywordScorer", "Rule", "compile_rules"]

RuleKind = Literal["keyword", "exclude", "required"]


@dataclass(slots=True)
class Rule:
    """One keyword rule after duplicates were merged.

    ``words`` is set for a plain keyword (matched word by word), ``pattern`` for any other
    keyword and for regex rules. ``merged`` lists the other spellings merged into it.
    """

    label: str
    kind: RuleKind
    weight: float
    words: tuple[str, ...] | None = None
    pattern: PatternMatcher | None = None
    merged: tuple[str, ...] = ()
    _locator: re.Pattern[str] | None = field(default=None, repr=False)

    def locate(self, text: PreparedText) -> str | None:
        """The first text in ``text`` this rule matches, as the paper writes it."""
        if self.pattern is not None:
            found = self.pattern.search(text)
            return found.group() if found else None
        if self._locator is None:
            assert self.words is not None
            self._locator = term_regex(self.words)
        found = self._locator.search(text.lowered)
        return text.span_text(found.start(), found.end()) if found else None


def compile_rules(items: list[str | KeywordRule], kind: RuleKind) -> list[Rule]:
    """Rules from a profile list, duplicates merged (first spelling kept, highest weight)."""
    rules: dict[tuple[str, str], Rule] = {}
    for item in items:
        if isinstance(item, str):
            text, regex, weight, label = item, None, 1.0, item.strip()
        else:
            text, regex, weight = item.term or "", item.regex, item.weight
            label = item.label or (regex if regex is not None else text.strip())
        key = ("regex", regex) if regex is not None else ("term", term_key(text))
        seen = rules.get(key)
        if seen is not None:
            seen.merged += (label,)
            seen.weight = max(seen.weight, weight)
            continue
        if regex is not None:
            rules[key] = Rule(label, kind, weight, pattern=PatternMatcher(regex))
        elif is_plain(text):
            rules[key] = Rule(label, kind, weight, words=tuple(words_of(text)))
        else:
            rules[key] = Rule(label, kind, weight, pattern=PatternMatcher(literal_pattern(text)))
    return list(rules.values())


class _Author(NamedTuple):
    label: str
    weight: float
    merged: tuple[str, ...]


class _Outcome(NamedTuple):
    in_title: set[int]
    in_abstract: set[int]
    keywords: float
    title_bonus: float
    authors: dict[int, str]
    author_points: float
    categories: list[tuple[str, str]]
    category_points: float
    total: float
    dropped: DropReason | None
    excluded_by: int | None


class KeywordScorer(Scorer):
    """Scores papers in ``keywords`` mode (see the module docstring)."""

    mode = "keywords"

    def __init__(self, profile: ProfileConfig) -> None:
        super().__init__(profile)
        self.rules = (
            compile_rules(profile.keywords, "keyword")
            + compile_rules(profile.exclude, "exclude")
            + compile_rules(profile.required, "required")
        )
        self._scanner = WordScanner([rule.words for rule in self.rules])
        self._patterns = [
            (index, rule.pattern) for index, rule in enumerate(self.rules) if rule.pattern
        ]
        self._keyword_weights = {
            index: rule.weight for index, rule in enumerate(self.rules) if rule.kind == "keyword"
        }
        self._excluding = frozenset(
            index for index, rule in enumerate(self.rules) if rule.kind == "exclude"
        )
        self._requiring = frozenset(
            index for index, rule in enumerate(self.rules) if rule.kind == "required"
        )
        self.authors = self._compile_authors(profile.authors)
        self._author_index = AuthorIndex([author.label for author in self.authors])
        self._category_weights = dict(profile.category_weights)
        self._kept_types = frozenset(AnnounceType(name) for name in profile.announce_types)

    @staticmethod
    def _compile_authors(items: list[str | AuthorRule]) -> list[_Author]:
        authors: dict[tuple[str, str] | None, _Author] = {}
        for item in items:
            if isinstance(item, str):
                name, weight = item, DEFAULT_AUTHOR_WEIGHT
            else:
                name, weight = item.name, item.weight
            key = name_key(name)
            seen = authors.get(key)
            if seen is None:
                authors[key] = _Author(name, weight, ())
            else:
                authors[key] = _Author(seen.label, max(seen.weight, weight), (*seen.merged, name))
        return list(authors.values())

    # ------------------------------------------------------------ matching

    def _find(self, title: PreparedText, abstract: PreparedText) -> tuple[set[int], set[int]]:
        in_title = self._scanner.find(title)
        in_abstract = self._scanner.find(abstract)
        for index, pattern in self._patterns:
            if pattern.search(title):
                in_title.add(index)
            if pattern.search(abstract):
                in_abstract.add(index)
        return in_title, in_abstract

    def _categories(self, paper: Paper) -> list[tuple[str, str]]:
        """(configured category, the paper's category it matched), in configured order."""
        listed = list(paper.categories)
        if paper.primary_category and paper.primary_category not in listed:
            listed.append(paper.primary_category)
        found = []
        for wanted in self._category_weights:
            for category in listed:
                if category == wanted or category.split(".", 1)[0] == wanted:
                    found.append((wanted, category))
                    break
        return found

    def _evaluate(
        self,
        paper: Paper,
        announce_type: AnnounceType,
        title: PreparedText,
        abstract: PreparedText,
    ) -> _Outcome:
        in_title, in_abstract = self._find(title, abstract)
        found = in_title | in_abstract
        keyword_points = bonus = 0.0
        weights = self._keyword_weights
        matched = False
        for index in sorted(found):
            if index in weights:
                matched = True
                keyword_points += weights[index]
                if index in in_title:
                    bonus += weights[index] * self.profile.title_bonus
        excluded_by = None
        if not self._excluding.isdisjoint(found):
            excluded_by = min(found & self._excluding)
        required_met = not self._requiring or not self._requiring.isdisjoint(found)
        authors: dict[int, str] = {}
        author_points = category_points = 0.0
        if self._author_index:
            authors = self._author_index.find(paper.authors)
            author_points = sum(self.authors[i].weight for i in sorted(authors))
        categories: list[tuple[str, str]] = []
        if self._category_weights and (matched or authors):
            categories = self._categories(paper)
            category_points = sum(self._category_weights[wanted] for wanted, _ in categories)
        total = points(keyword_points + bonus + author_points + category_points)
        dropped: DropReason | None = None
        if announce_type not in self._kept_types:
            dropped = "announce_type"
        elif excluded_by is not None:
            dropped = "excluded"
        elif not required_met:
            dropped = "no_required"
        elif not matched and not authors:
            dropped = "no_match"
        elif total < self.profile.min_score:
            dropped = "below_min_score"
        return _Outcome(
            in_title,
            in_abstract,
            keyword_points,
            bonus,
            authors,
            author_points,
            categories,
            category_points,
            total,
            dropped,
            excluded_by,
        )

    # ------------------------------------------------------------ the Scorer interface

    @property
    def reads_text(self) -> bool:
        """Whether exclude or required keywords can drop a paper (by its title and abstract)."""
        return bool(self._excluding or self._requiring)

    @property
    def kept_types(self) -> frozenset[AnnounceType]:
        """The announce types the profile ranks."""
        return self._kept_types

    def score(self, paper: Paper, announce_type: AnnounceType) -> float | None:
        found = self.points(paper, announce_type)
        if found is None or not found[1]:
            return None
        return None if found[0] < self.profile.min_score else found[0]

    def points(self, paper: Paper, announce_type: AnnounceType) -> tuple[float, bool] | None:
        """The paper's score, and whether a keyword or a followed author matched it; None
        when the announce type, ``exclude`` or ``required`` drop it. ``min_score`` is not
        applied. The fast path of :meth:`score` (and of the hybrid mode)."""
        # The decisions and sums of :meth:`_evaluate`, in the same order, without the
        # parts only an explanation needs; a paper is dropped as soon as it must be.
        if announce_type not in self._kept_types:
            return None
        in_title, in_abstract = self._find(prepare(paper.title), prepare(paper.abstract))
        found = in_title | in_abstract if in_title else in_abstract
        if found:
            if self._excluding and not self._excluding.isdisjoint(found):
                return None
            if self._requiring and self._requiring.isdisjoint(found):
                return None
        elif self._requiring:
            return None
        weights = self._keyword_weights
        keyword_points = bonus = 0.0
        matched = False
        for index in sorted(found) if len(found) > 1 else found:
            if index in weights:
                matched = True
                keyword_points += weights[index]
                if index in in_title:
                    bonus += weights[index] * self.profile.title_bonus
        authors: dict[int, str] = {}
        author_points = category_points = 0.0
        if self._author_index:
            authors = self._author_index.find(paper.authors)
            author_points = sum(self.authors[i].weight for i in sorted(authors))
        if not matched and not authors:
            return 0.0, False
        if self._category_weights:
            category_points = sum(
                self._category_weights[wanted] for wanted, _ in self._categories(paper)
            )
        return points(keyword_points + bonus + author_points + category_points), True

    def explain(self, paper: Paper, announce_type: AnnounceType = AnnounceType.NEW) -> Explanation:
        announce_type = AnnounceType(announce_type)
        title, abstract = prepare(paper.title), prepare(paper.abstract)
        outcome = self._evaluate(paper, announce_type, title, abstract)
        matches = []
        for index in sorted(outcome.in_title | outcome.in_abstract):
            rule = self.rules[index]
            is_keyword = rule.kind == "keyword"
            weight = rule.weight if is_keyword else 0.0
            if index in outcome.in_title:
                earned = weight * (1 + self.profile.title_bonus)
                matches.append(self._match(rule, "title", title, weight, earned))
            if index in outcome.in_abstract:
                earned = 0.0 if index in outcome.in_title else weight
                matches.append(self._match(rule, "abstract", abstract, weight, earned))
        for index, author in sorted(outcome.authors.items()):
            followed = self.authors[index]
            matches.append(
                Match(
                    rule=followed.label,
                    kind="author",
                    where="author",
                    text=author,
                    weight=followed.weight,
                    points=followed.weight,
                    merged=followed.merged,
                )
            )
        for wanted, category in outcome.categories:
            weight = self._category_weights[wanted]
            matches.append(
                Match(
                    rule=wanted,
                    kind="category",
                    where="category",
                    text=category,
                    weight=weight,
                    points=weight,
                )
            )
        return Explanation(
            mode="keywords",
            matches=tuple(matches),
            keywords=points(outcome.keywords),
            title_bonus=points(outcome.title_bonus),
            authors=points(outcome.author_points),
            categories=points(outcome.category_points),
            total=outcome.total,
            dropped=outcome.dropped,
            reason=self._reason(outcome, announce_type, matches),
        )

    @staticmethod
    def _match(
        rule: Rule,
        where: Literal["title", "abstract"],
        text: PreparedText,
        weight: float,
        earned: float,
    ) -> Match:
        return Match(
            rule=rule.label,
            kind=rule.kind,
            where=where,
            text=rule.locate(text) or rule.label,
            weight=weight,
            points=points(earned),
            merged=rule.merged,
        )

    def _reason(
        self, outcome: _Outcome, announce_type: AnnounceType, matches: list[Match]
    ) -> str | None:
        if outcome.dropped == "announce_type":
            kept = ", ".join(self.profile.announce_types)
            return f"announced as {announce_type.value}; this profile keeps {kept}"
        if outcome.dropped == "excluded":
            assert outcome.excluded_by is not None
            label = self.rules[outcome.excluded_by].label
            found = next(m for m in matches if m.kind == "exclude" and m.rule == label)
            return f'excluded by "{label}" ({found.where}: "{found.text}")'
        if outcome.dropped == "no_required":
            wanted = ", ".join(f'"{r.label}"' for r in self.rules if r.kind == "required")
            return f"none of the required keywords matched ({wanted})"
        if outcome.dropped == "no_match":
            return "no keyword and no followed author matched"
        if outcome.dropped == "below_min_score":
            return f"score {outcome.total:g} is below min_score {self.profile.min_score:g}"
        return None
