"""A reader's own library: the papers of a BibTeX (``.bib``) or CSL-JSON (``.json``) export.

Zotero, Mendeley and JabRef all export both. Each entry gives a title, an abstract when the
export has one, and, when it names one, the paper's arXiv id (``eprint`` with
``archivePrefix = arXiv``, an ``arxiv.org`` URL, arXiv's DOI ``10.48550/arXiv.<id>`` or an
``arXiv:<id>`` note or number) and DOI. Semantic ranking uses the entries as anchors: an
entry with an arXiv id stands for that paper, the others for their title and abstract.

:func:`load_library` reads a file, or raises :class:`~arxiv_radar.errors.ConfigError`
naming the file and what is wrong with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arxiv_radar.arxiv.ids import InvalidArxivId, parse_arxiv_id
from arxiv_radar.errors import ConfigError
from arxiv_radar.text.plain import one_line

__all__ = ["LibraryEntry", "arxiv_id_in", "library_path", "load_library"]

_ARXIV_MENTION = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv[:\s]\s*|10\.48550/arxiv\.)"
    r"(?P<id>[a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?",
    re.IGNORECASE,
)
_TEX_COMMAND = re.compile(r"\\[a-zA-Z]+\*?\s*")
_TEX_ESCAPE = re.compile(r"\\([&%$#_{}])")


@dataclass(frozen=True)
class LibraryEntry:
    """One paper of the reader's library."""

    title: str
    abstract: str = ""
    arxiv_id: str | None = None
    doi: str | None = None

    @property
    def text(self) -> str:
        """What is embedded for an entry that is not an arXiv paper: title and abstract."""
        return f"{self.title}. {self.abstract}".strip() if self.abstract else self.title

    @property
    def label(self) -> str:
        """How explanations name it: its title, and its arXiv id when it has one."""
        return f"{self.title} (arXiv:{self.arxiv_id})" if self.arxiv_id else self.title


def arxiv_id_in(*texts: str | None) -> str | None:
    """The first arXiv id mentioned in ``texts`` (URL, DOI or ``arXiv:`` form), or None."""
    for text in texts:
        if not text:
            continue
        for found in _ARXIV_MENTION.finditer(text):
            try:
                return parse_arxiv_id(found["id"]).base
            except InvalidArxivId:
                continue
    return None


def _tex_to_text(value: str) -> str:
    """BibTeX field text as plain text: escapes undone, commands and braces dropped."""
    text = _TEX_ESCAPE.sub(r"\1", value)
    text = _TEX_COMMAND.sub("", text)
    return one_line(text.replace("{", "").replace("}", "").replace("~", " "))


def _from_bibtex(path: Path, text: str) -> list[LibraryEntry]:
    from bibtexparser.entrypoint import parse_string

    library = parse_string(text)
    if library.failed_blocks and not library.entries:
        line = getattr(library.failed_blocks[0], "start_line", None)
        where = f" (line {line + 1})" if isinstance(line, int) else ""
        raise ConfigError(
            f"library {path}: not a BibTeX file{where}: export it from your reference "
            "manager as BibTeX (.bib) or CSL JSON (.json)"
        )
    entries = []
    for item in library.entries:
        fields = {
            key.lower(): str(getattr(field, "value", field))
            for key, field in item.fields_dict.items()
        }
        title = _tex_to_text(fields.get("title", ""))
        if not title:
            continue
        eprint = fields.get("eprint")
        prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
        arxiv_id = None
        if eprint and prefix in ("arxiv", ""):
            arxiv_id = arxiv_id_in(f"arXiv:{eprint}")
        arxiv_id = arxiv_id or arxiv_id_in(
            fields.get("url"), fields.get("doi"), fields.get("journal"), fields.get("note")
        )
        entries.append(
            LibraryEntry(
                title=title,
                abstract=_tex_to_text(fields.get("abstract", "")),
                arxiv_id=arxiv_id,
                doi=fields.get("doi") or None,
            )
        )
    return entries


def _from_csl_json(path: Path, text: str) -> list[LibraryEntry]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"library {path}: not valid JSON (line {error.lineno}: {error.msg}): export it "
            "from your reference manager as CSL JSON"
        ) from error
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ConfigError(
            f"library {path}: CSL JSON is a list of items, found a {type(data).__name__}"
        )
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        title = one_line(str(item.get("title") or ""))
        if not title:
            continue
        doi = str(item.get("DOI") or "") or None
        arxiv_id = arxiv_id_in(
            str(item.get("URL") or ""),
            doi,
            str(item.get("number") or ""),
            str(item.get("note") or ""),
            str(item.get("archive_location") or ""),
        )
        entries.append(
            LibraryEntry(
                title=title,
                abstract=one_line(str(item.get("abstract") or "")),
                arxiv_id=arxiv_id,
                doi=doi,
            )
        )
    return entries


def library_path(library: str, base: Path | None) -> Path:
    """Where a profile's ``library`` setting points: ``~`` expanded, a relative path read from
    ``base`` (the configuration file's folder; None: the current folder)."""
    path = Path(library).expanduser()
    return base / path if base is not None and not path.is_absolute() else path


def load_library(path: Path | str) -> list[LibraryEntry]:
    """The entries of the library file at ``path`` (``.bib``, or CSL ``.json``), in order;
    entries without a title are skipped."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"library {path} does not exist: set `library` to your reference manager's "
            "BibTeX (.bib) or CSL JSON (.json) export"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"library {path} cannot be read: {error}") from error
    looks_json = path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{"))
    entries = _from_csl_json(path, text) if looks_json else _from_bibtex(path, text)
    if not entries:
        raise ConfigError(f"library {path} has no entry with a title")
    return entries
