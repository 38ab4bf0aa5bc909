"""The digest as data: a BibTeX file to cite from and a JSON document to build on.

BibTeX (:func:`render_bibtex`): one entry per paper, in rank order. ``@article`` when arXiv
knows a journal reference, ``@misc`` otherwise, with ``title``, ``author`` (names as arXiv
writes them, joined by `` and ``), ``year`` and ``month`` (of the paper's first submission,
read from its id; the announcement date for ids that carry none), ``eprint``,
``archivePrefix = {arXiv}``, ``primaryClass``, ``url`` and, when known, ``doi`` and
``journal``. Keys are ``<first author's last name><year><first title word>`` in ASCII
(``cooper2026math``), made unique with a letter (``cooper2026mathb``). Text is LaTeX-escaped
(``\\&``, ``\\%``, ``\\$``, ``\\_``, ``\\#``, braces and backslashes as ``\\textbraceleft{}``,
``\\textbackslash{}`` ...), so any title parses and every brace is balanced; a name holding a
comma or the word "and" is braced whole so it stays one author.

JSON (:func:`digest_to_dict`, :func:`render_json`): the digest as
:class:`~arxiv_radar.schemas.DigestOut`, the one JSON shape of a digest (the same document
as ``site/data.json``; docs/publishing.md shows it), schema version
:data:`~arxiv_radar.schemas.DIGEST_SCHEMA_VERSION`. Text fields hold the untrusted text from
arXiv or the model cleaned of control characters but not escaped: escape them wherever they
are shown. ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX`` escapes, so the
document can be embedded in an HTML ``<script>`` element as it is.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id
from arxiv_radar.models import Digest, DigestEntry, Paper
from arxiv_radar.schemas import DIGEST_SCHEMA_VERSION, DigestOut, dump_json
from arxiv_radar.text.links import abs_url
from arxiv_radar.text.plain import one_line

__all__ = [
    "JSON_SCHEMA_VERSION",
    "bibtex_entry",
    "bibtex_escape",
    "bibtex_key",
    "digest_to_dict",
    "render_bibtex",
    "render_json",
]

JSON_SCHEMA_VERSION = DIGEST_SCHEMA_VERSION

# -- BibTeX ----------------------------------------------------------------------------------

_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX)) + "]")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_ASCII_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l"})
_ASCII_FOLD.update(str.maketrans({"Ł": "L", "đ": "d", "Đ": "D", "œ": "oe", "Œ": "OE"}))
_STOPWORDS = frozenset(
    "a an the on of in for to and with toward towards via from by at is are do does can "
    "what how why when which your our we".split()
)


def bibtex_escape(text: str) -> str:
    """``text`` on one line with LaTeX's special characters escaped (braces stay balanced)."""
    return _LATEX_SPECIAL.sub(lambda match: _LATEX[match.group()], one_line(text))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode().lower())


def _last_name(author: str) -> str:
    """The family name: before the comma of "Last, First", else the last word (less any
    "Jr." or "III" after a comma or at the end)."""
    first, *rest = (part.strip() for part in one_line(author).split(","))
    if any(part.strip(".").lower() not in _NAME_SUFFIXES for part in rest):
        return first
    words = [w for w in first.split() if w.strip(".").lower() not in _NAME_SUFFIXES]
    return words[-1] if words else ""


def _year_month(paper: Paper, announced_on: dt.date) -> tuple[int, int]:
    """The year and month of the paper's first version: from a new- or old-style id, else
    from its publication date, else the announcement day."""
    try:
        base = parse_arxiv_id(paper.arxiv_id).base
    except InvalidArxivId:
        base = ""
    digits = base.split("/")[-1][:4]
    if digits.isdigit():
        year = int(digits[:2])
        return (1900 + year if year >= 91 else 2000 + year), int(digits[2:])
    day = paper.published.date() if paper.published else announced_on
    return day.year, day.month


def bibtex_key(paper: Paper, year: int) -> str:
    """``<last name><year><first significant title word>`` in lower-case ASCII (each part at
    most 20 characters; ``anon`` for a paper without a usable author name)."""
    last = _ascii_word(_last_name(paper.authors[0])) if paper.authors else ""
    words = (_ascii_word(word) for word in re.split(r"[\s\-_/:]+", paper.title))
    word = next((w for w in words if w and w not in _STOPWORDS), "")
    return f"{last[:20] or 'anon'}{year}{word[:20]}"


def _author_field(authors: Sequence[str]) -> str:
    names = []
    for author in authors:
        name = bibtex_escape(author)
        if not name:
            continue
        single = "," in name or re.search(r"\band\b", name, re.IGNORECASE) or name == "others"
        names.append(f"{{{name}}}" if single else name)
    return " and ".join(names)


def bibtex_entry(entry: DigestEntry, key: str, announced_on: dt.date) -> str:
    """One paper as a BibTeX entry under ``key``."""
    paper = entry.ranked.paper
    year, month = _year_month(paper, announced_on)
    try:
        eprint = parse_arxiv_id(paper.arxiv_id).base
    except InvalidArxivId:
        eprint = bibtex_escape(paper.arxiv_id)
    fields: list[tuple[str, str]] = [("title", f"{{{bibtex_escape(paper.title)}}}")]
    authors = _author_field(paper.authors)
    if authors:
        fields.append(("author", f"{{{authors}}}"))
    fields += [
        ("year", f"{{{year}}}"),
        ("month", _MONTHS[month - 1]),
        ("eprint", f"{{{eprint}}}"),
        ("archivePrefix", "{arXiv}"),
    ]
    category = paper.primary_category or next(iter(paper.categories), None)
    if category:
        fields.append(("primaryClass", f"{{{bibtex_escape(category)}}}"))
    fields.append(("url", f"{{{abs_url(paper.arxiv_id)}}}"))
    if paper.doi:
        doi = re.sub(r"[{}\\%\s]", "", paper.doi)
        if doi:
            fields.append(("doi", f"{{{doi}}}"))
    if paper.journal_ref:
        fields.append(("journal", f"{{{bibtex_escape(paper.journal_ref)}}}"))
    kind = "article" if paper.journal_ref else "misc"
    width = max(len(name) for name, _ in fields)
    body = "".join(f"  {name.ljust(width)} = {value},\n" for name, value in fields)
    return f"@{kind}{{{key},\n{body}}}\n"


def render_bibtex(digest: Digest) -> str:
    """Every paper of ``digest`` as BibTeX, in rank order, with unique keys."""
    profile = re.sub(r"[^\w.-]", "", digest.profile)
    header = (
        f"% arxiv-radar digest of {digest.announced_on.isoformat()}, profile {profile}: "
        f"{len(digest.entries)} papers\n"
    )
    used: set[str] = set()
    entries = []
    for entry in digest.entries:
        year, _ = _year_month(entry.ranked.paper, digest.announced_on)
        base = key = bibtex_key(entry.ranked.paper, year)
        suffix = 1
        while key in used:
            suffix += 1
            key = base + (chr(ord("a") + suffix - 1) if suffix <= 26 else str(suffix))
        used.add(key)
        entries.append(bibtex_entry(entry, key, digest.announced_on))
    return header + "".join(f"\n{entry}" for entry in entries)


# -- JSON ------------------------------------------------------------------------------------


def digest_to_dict(digest: Digest) -> dict[str, Any]:
    """``digest`` as the JSON-ready dictionary of :class:`~arxiv_radar.schemas.DigestOut`."""
    return DigestOut.of(digest).model_dump(mode="json", by_alias=True)


def render_json(digest: Digest, *, indent: int | None = 2) -> str:
    """``digest`` as JSON text (UTF-8 friendly, ``<>&`` escaped; ends with a newline)."""
    return dump_json(DigestOut.of(digest), indent=indent)
