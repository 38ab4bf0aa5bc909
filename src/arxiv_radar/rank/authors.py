"""Followed authors: comparing people's names as arXiv writes them.

Two names are the same person when their surnames are equal and their first given names
agree, after folding both (:func:`name_key`):

* accents and case are dropped (Unicode NFKD, combining marks removed, case-folded), and
  ø, ł, đ, ð, æ, œ, ı, þ are spelt o, l, d, d, ae, oe, i, th;
* apostrophes are dropped ("O'Brien" = "OBrien"); other punctuation separates words;
* "Surname, Given names" is read as "Given names Surname"; a trailing "Jr", "Sr", "II",
  "III" or "IV" is ignored;
* the surname is the last word, the first given name the first word before it;
* first given names agree when they are equal, when either is a single letter (an
  initial) that starts the other, or when either name has no given name.

So "Yann LeCun" is "Y. LeCun", "Yann Lecun", "LeCun, Yann" and "Yann A. LeCun", but not
"Yves LeCun"; "Y. LeCun" is also "Yves LeCun"; "Łukasz Kaiser" is "Lukasz Kaiser".
Surnames written in two words ("Le Cun") or names in another order are not recognised.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

__all__ = ["AuthorIndex", "given_names_agree", "name_key"]

_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`\u00b4]")
_SPELLING = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ı": "i", "þ": "th"})
_LIGATURES = (("æ", "ae"), ("œ", "oe"))
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    folded = stripped.casefold().translate(_SPELLING)
    for ligature, spelling in _LIGATURES:
        folded = folded.replace(ligature, spelling)
    return _APOSTROPHES.sub("", folded)


def _drop_suffixes(words: list[str]) -> list[str]:
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words = words[:-1]
    return words


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> tuple[str, str] | None:
    """``(first given name, surname)`` of a person's name, folded; None without a word.

    The first given name is "" when the name is a single word.
    """
    folded = _fold(name)
    surname_part, comma, given_part = folded.partition(",")
    given = [word for word in _WORD.findall(given_part) if word not in _SUFFIXES]
    if comma and given:
        surname_words = _WORD.findall(surname_part)
        if not surname_words:
            return None
        return given[0], surname_words[-1]
    words = _drop_suffixes(_WORD.findall(surname_part))
    if not words:
        return None
    return (words[0] if len(words) > 1 else ""), words[-1]


def given_names_agree(first: str, second: str) -> bool:
    if not first or not second or first == second:
        return True
    return (len(first) == 1 or len(second) == 1) and first[0] == second[0]


class AuthorIndex:
    """The followed authors of a profile, looked up by surname."""

    def __init__(self, names: Sequence[str]) -> None:
        self._by_surname: dict[str, list[tuple[str, int]]] = {}
        for index, name in enumerate(names):
            key = name_key(name)
            if key is None:
                raise ValueError(f"'{name}' is not a person's name")
            given, surname = key
            self._by_surname.setdefault(surname, []).append((given, index))

    def __bool__(self) -> bool:
        return bool(self._by_surname)

    def find(self, authors: Sequence[str]) -> dict[int, str]:
        """Followed author index -> the first of ``authors`` that is that person."""
        found: dict[int, str] = {}
        for author in authors:
            key = name_key(author)
            if key is None:
                continue
            for given, index in self._by_surname.get(key[1], ()):
                if index not in found and given_names_agree(given, key[0]):
                    found[index] = author
        return found
