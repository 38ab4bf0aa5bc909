"""Word-aware matching of keywords in titles and abstracts.

The rules, as documented for users in ``docs/configuration.md`` ("How keywords match"):

* Text is compared in lower case. A *word* is a run of letters and digits (any script);
  everything else separates words.
* A *plain* keyword is made of letters, digits, spaces and hyphens only ("LLM",
  "kv cache", "State-Space"). It is a sequence of words and matches where the text has
  those words one after another, each separated from the next only by whitespace, hyphens
  or ``~`` ("kv cache" = "KV-cache" = "KV~cache"), or where the text writes them as one
  word ("KVCache"). Each word of the keyword matches itself and the forms
  :func:`word_forms` gives it, and never the inside of a longer word ("RL" does not
  match "world" or "RLHF").
* Any other keyword ("C++", "Node.js", "A/B testing") matches as written, ignoring case,
  not inside a word, with no other forms.
* A regex rule matches where :func:`re.search` finds a non-empty match, ignoring case.

Plain keywords are found by :class:`WordScanner` in one pass over a text for all keywords
at once; the others by :class:`PatternMatcher`, one regular expression each.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

__all__ = [
    "PatternMatcher",
    "PreparedText",
    "WordScanner",
    "is_plain",
    "literal_pattern",
    "lower",
    "prepare",
    "required_literal",
    "term_key",
    "term_regex",
    "word_forms",
    "words_of",
]

_WORD = re.compile(r"[^\W_]+")
_SEPARATOR = r"[\s\-\u2010\u2011~]+"
_PLAIN = re.compile(rf"(?:{_SEPARATOR})?[^\W_]+(?:{_SEPARATOR}[^\W_]+)*(?:{_SEPARATOR})?")
_NOT_BEFORE = r"(?<![^\W_])"
_NOT_AFTER = r"(?![^\W_])"
_VOWELS = frozenset("aeiou")
_CONSONANTS = frozenset("bcdfghjklmnpqrstvz")  # no w, x, y: they never double
# ASCII fast path: letters lowered, digits kept, everything else a space.
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256)
)
_ASCII_WORDS_HIGH_KEPT = _ASCII_WORDS[:128] + bytes(range(128, 256))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# The ASCII characters that :mod:`re` matches, ignoring case, with a non-ASCII one:
# "İ" and "ı" for "i", the Kelvin sign for "k", the long "ſ" for "s" (checked over all
# of Unicode). Every other ASCII character, ignoring case, matches only itself and its
# ASCII other case.
_FOLDED_BEYOND_ASCII = frozenset("iksIKS")


# ---------------------------------------------------------------- words and forms


def lower(text: str) -> str:
    """Lower case for matching. ``str.lower`` turns "İ" into "i" plus a combining dot above
    (U+0307), which would split a word in two; the dot is dropped."""
    lowered = text.lower()
    return lowered if lowered.isascii() else lowered.replace("\u0307", "")


def words_of(text: str) -> list[str]:
    """The words of ``text``: its runs of letters and digits, in lower case."""
    return _WORD.findall(lower(text))


def is_plain(term: str) -> bool:
    """True for a keyword made only of letters, digits, spaces and hyphens (and ``~``)."""
    return _PLAIN.fullmatch(lower(term)) is not None


def term_key(term: str) -> str:
    """What two spellings of one keyword have in common ("KV-Cache" and "kv cache")."""
    if is_plain(term):
        return " ".join(words_of(term))
    return " ".join(lower(term).split())


def word_forms(word: str) -> frozenset[str]:
    """The forms a keyword word matches (``word`` is one lower-case word).

    * A word ending in a single "s" (not "ss", "us" or "is") and at least four characters
      long is taken as a plural: it matches itself and the word without the "s" ("llms" ->
      "llm"; "policies" -> "policie" and "policy"), nothing else.
    * Any other word matches itself and the word + "s" (plural, third person).
    * A word ending in "e" also matches + "d", and the "e" replaced by "ing" or "ings"
      ("decode" -> "decodes", "decoded", "decoding", "decodings"), and + "ing" ("freeing").
    * Any other word also matches + "es", + "ed", + "ing" and + "ings" ("patch" ->
      "patches", "patched", "patching", "patchings"); a word ending in a consonant and "y"
      also matches "ies" and "ied" for the "y" ("query" -> "queries", "queried"); a word
      ending in consonant, vowel, consonant (not w, x, y) also matches with the last letter
      doubled before "ed", "ing", "ings" ("embed" -> "embedded", "embeddings"; "model" ->
      "modelling").

    No other suffixes: "decode" does not match "decoder", "fast" not "faster", "linear" not
    "linearly", "attention" not "attentional".
    """
    forms = {word}
    if len(word) >= 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        forms.add(word[:-1])
        if len(word) >= 5 and word.endswith("ies"):
            forms.add(word[:-3] + "y")
        return frozenset(forms)
    forms.add(word + "s")
    if word.endswith("e"):
        stem = word[:-1]
        forms.update((word + "d", stem + "ing", stem + "ings", word + "ing"))
        return frozenset(forms)
    forms.update(word + suffix for suffix in ("es", "ed", "ing", "ings"))
    if len(word) >= 2 and word[-1] == "y" and word[-2] in _CONSONANTS:
        forms.update((word[:-1] + "ies", word[:-1] + "ied"))
    elif (
        len(word) >= 3
        and word[-1] in _CONSONANTS
        and word[-2] in _VOWELS
        and word[-3] in _CONSONANTS
    ):
        doubled = word + word[-1]
        forms.update(doubled + suffix for suffix in ("ed", "ing", "ings"))
    return frozenset(forms)


def _alternation(strings: Iterable[str]) -> str:
    ordered = sorted(strings, key=lambda s: (-len(s), s))
    return "(?:" + "|".join(re.escape(s) for s in ordered) + ")"


def term_regex(words: Sequence[str]) -> re.Pattern[str]:
    """The regular expression (over :func:`lower`-ed text) of a plain keyword's words.

    It starts with the literal prefix that every form shares and checks the word boundary
    just after it, so that :mod:`re` can jump from one occurrence of the prefix to the next
    instead of trying every position of the text.
    """
    first = word_forms(words[0])
    joined = word_forms("".join(words)) if len(words) > 1 else frozenset()
    prefix = os.path.commonprefix(sorted(first | joined))
    tail = [_alternation(word_forms(word)) for word in words[1:]]
    spaced = _alternation(form[len(prefix) :] for form in first) + "".join(
        _SEPARATOR + alternative for alternative in tail
    )
    body = spaced
    if joined:
        body = f"(?:{spaced}|{_alternation(form[len(prefix) :] for form in joined)})"
    head = re.escape(prefix)
    start = f"{head}(?<![^\\W_]{head})" if prefix else _NOT_BEFORE
    return re.compile(start + body + _NOT_AFTER)


def literal_pattern(term: str) -> str:
    """The regular expression of a keyword that is not plain: as written, not inside a word
    (where it starts or ends with a letter or digit), any whitespace for its spaces."""
    core = r"\s+".join(re.escape(part) for part in term.split())
    before = _NOT_BEFORE if term.strip()[:1].isalnum() else ""
    after = _NOT_AFTER if term.strip()[-1:].isalnum() else ""
    return before + core + after


# ---------------------------------------------------------------- texts


class PreparedText:
    """A title or an abstract, ready to be matched.

    ``words`` is the text in lower case with every character that is not a letter or digit
    turned into a space, and a space at both ends: one regular expression can then visit
    word starts only. ``lowered`` is :func:`lower` of ``original`` (made when first used).
    """

    __slots__ = ("_lowered", "original", "words")

    def __init__(self, original: str, words: str, lowered: str | None = None) -> None:
        self.original = original
        self.words = words
        self._lowered = lowered

    @property
    def lowered(self) -> str:
        if self._lowered is None:
            self._lowered = lower(self.original)
        return self._lowered

    def span_text(self, start: int, end: int) -> str:
        """The text of a span of ``lowered`` as the original writes it."""
        if len(self.lowered) == len(self.original):
            return self.original[start:end]
        return self.lowered[start:end]  # lowering changed the length (rare scripts)


@lru_cache(maxsize=16384)
def prepare(text: str) -> PreparedText:
    """``text`` made ready for matching; remembered, since every profile reads the same
    papers (the result's lazily lowered text is the same for all of them)."""
    if text.isascii():
        return PreparedText(text, f" {text.encode('ascii').translate(_ASCII_WORDS).decode()} ")
    lowered = lower(text)
    # UTF-8 keeps every byte of a non-ASCII character >= 128, so the ASCII table applies
    # as is; then the few distinct non-ASCII characters that are not letters or digits.
    words = lowered.encode("utf-8").translate(_ASCII_WORDS_HIGH_KEPT).decode("utf-8")
    for char in set(_NON_ASCII.findall(words)):
        if not char.isalnum():
            words = words.replace(char, " ")
    return PreparedText(text, f" {words} ", lowered)


# ---------------------------------------------------------------- plain keywords


_Node = dict[str, "_Node"]


def _trie(strings: Iterable[str]) -> str:
    """One regular expression matching exactly ``strings``, their common prefixes factored
    out (much faster in :mod:`re` than a flat alternation)."""
    root: _Node = {}
    for string in strings:
        node = root
        for char in string:
            node = node.setdefault(char, {})
        node[""] = {}  # a string ends here

    def emit(node: _Node) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        if "" in node:  # the string may end here: an empty last branch, cheaper than "?"
            return "(?:" + "|".join(branches) + "|)"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(root)


class WordScanner:
    """Finds which of many plain keywords occur in a text, in one pass.

    ``terms[i]`` is keyword ``i`` as a tuple of words (:func:`words_of`), or None for a
    keyword this scanner does not handle. One regular expression, anchored at the word
    starts of :attr:`PreparedText.words`, finds every word of the text that is a form of a
    single-word keyword, a form of a phrase's first word, or a phrase written as one word;
    phrases found by their first word are then confirmed with :func:`term_regex`.
    """

    def __init__(self, terms: Sequence[tuple[str, ...] | None]) -> None:
        sure: defaultdict[str, list[int]] = defaultdict(list)
        maybe: defaultdict[str, list[int]] = defaultdict(list)
        self._phrases: dict[int, re.Pattern[str]] = {}
        for index, words in enumerate(terms):
            if words is None:
                continue
            if not words:
                raise ValueError("a keyword needs at least one word")
            if len(words) == 1:
                for form in word_forms(words[0]):
                    sure[form].append(index)
                continue
            self._phrases[index] = term_regex(words)
            for form in word_forms(words[0]):
                maybe[form].append(index)
            for form in word_forms("".join(words)):
                sure[form].append(index)
        # " " + form -> the terms it completes; " " + form -> the phrases it may start.
        # (The scan returns each form with the space before it: no group to capture.)
        forms = sure.keys() | maybe.keys()
        self._complete = {f" {form}": frozenset(sure.get(form, ())) for form in forms}
        self._starts = {f" {form}": tuple(indexes) for form, indexes in maybe.items()}
        self._scan = re.compile(f" (?:{_trie(forms)})(?= )") if forms else None

    def find(self, text: PreparedText) -> set[int]:
        """Indexes of the terms that occur in ``text``."""
        found: set[int] = set()
        if self._scan is None:
            return found
        forms = self._scan.findall(text.words)
        if not forms:
            return found
        complete = self._complete
        for form in forms:
            found |= complete[form]
        starts = self._starts
        if starts.keys().isdisjoint(forms):
            return found
        for form in set(forms):
            for term in starts.get(form, ()):
                if term not in found and self._phrases[term].search(text.lowered):
                    found.add(term)
        return found


# ---------------------------------------------------------------- regular expressions


def required_literal(pattern: str, flags: int = re.IGNORECASE) -> str | None:
    """The longest ASCII text (lower case) that every match of ``pattern`` contains, if any.

    Read from the top level of the parsed expression (literal characters outside
    alternations, repetitions and lookarounds). Used only as a quick "cannot match" test
    on ASCII texts; ``None`` when nothing is certain or the parser is not available.
    """
    try:
        from re import _constants as constants  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]

        parsed = parser.parse(pattern, flags)
    except Exception:  # private module moved, or a pattern it cannot read: no shortcut
        return None
    runs: list[str] = []
    current: list[str] = []

    def walk(items: Iterable[tuple[object, object]]) -> None:
        for op, argument in items:
            if op is constants.LITERAL and isinstance(argument, int) and argument < 128:
                current.append(chr(argument).lower())
                continue
            if op is constants.SUBPATTERN and isinstance(argument, tuple):
                walk(argument[-1])
                continue
            runs.append("".join(current))
            current.clear()

    try:
        walk(parsed)
    except Exception:
        return None
    runs.append("".join(current))
    best = max(runs, key=len)
    return best if len(best) >= 2 else None


class PatternMatcher:
    """A keyword matched by a regular expression (a regex rule or a non-plain keyword)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.regex = re.compile(pattern, re.IGNORECASE)
        self._needs = required_literal(pattern)
        # Letters and digits alone occur in ``words`` exactly where they occur in
        # ``lowered`` (only other characters differ), and ``words`` is always made.
        self._needs_words = self._needs is not None and self._needs.isalnum()
        # Ignoring case, an ASCII character matches only ASCII characters, except those
        # of _FOLDED_BEYOND_ASCII; without them, the shortcut holds for any text.
        self._needs_any_text = self._needs is not None and _FOLDED_BEYOND_ASCII.isdisjoint(
            self._needs
        )
        # ``needs in text``, but faster: re's literal search beats ``str.__contains__``.
        self._has_needs = re.compile(re.escape(self._needs)).search if self._needs else None

    def search(self, text: PreparedText) -> re.Match[str] | None:
        """The first non-empty match in ``text``, or None."""
        has_needs = self._has_needs
        if has_needs is not None and (self._needs_any_text or text.original.isascii()):
            if has_needs(text.words if self._needs_words else text.lowered) is None:
                return None
        return self._first(text.original)

    def search_lowered(self, original: str, lowered: str) -> re.Match[str] | None:
        """As :meth:`search`, for a text and its lower case (``str.lower``)."""
        has_needs = self._has_needs
        if has_needs is not None and (self._needs_any_text or original.isascii()):
            if has_needs(lowered) is None:
                return None
        return self._first(original)

    def _first(self, text: str) -> re.Match[str] | None:
        found = self.regex.search(text)
        if found is not None and found.end() == found.start():
            found = next((m for m in self.regex.finditer(text) if m.end() > m.start()), None)
        return found
