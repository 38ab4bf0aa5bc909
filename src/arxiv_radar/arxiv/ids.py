"""arXiv identifiers: parsing and normalisation of new-style and old-style ids.

New style (since April 2007): ``YYMM.NNNN`` (0704-1412) or ``YYMM.NNNNN`` (1501 on),
optionally followed by ``vN``. Old style (1991-2007): ``archive(.SC)/YYMMNNN``,
e.g. ``hep-th/9901001`` or ``math.GT/0309136``.

Every form arXiv uses to write an id is accepted: a bare id, ``arXiv:ID``,
``oai:arXiv.org:ID``, and ``https://arxiv.org/abs|pdf|html/ID``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arxiv_radar.errors import UsageError

_PREFIX = re.compile(
    r"^(?:arxiv:|oai:arxiv\.org:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)",
    re.IGNORECASE,
)
_NEW = re.compile(r"^(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<version>[1-9]\d*))?\Z", re.ASCII)
_OLD = re.compile(
    r"^(?P<archive>[a-z]+(?:-[a-z]+)*)(?P<subject>\.[A-Z]{2})?/(?P<yymm>\d{4})(?P<num>\d{3})"
    r"(?:v(?P<version>[1-9]\d*))?\Z",
    re.ASCII,
)


class InvalidArxivId(UsageError, ValueError):
    """Text that is not an arXiv identifier."""


@dataclass(frozen=True, slots=True)
class ArxivId:
    """A parsed identifier: ``base`` has no version; ``version`` is ``None`` for "latest"."""

    base: str
    version: int | None = None

    @property
    def is_old_style(self) -> bool:
        return "/" in self.base

    def __str__(self) -> str:
        return self.base if self.version is None else f"{self.base}v{self.version}"


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse any written form of an arXiv id; raise :class:`InvalidArxivId` if it is none."""
    raw = text.strip()
    candidate = _PREFIX.sub("", raw)
    if candidate.endswith(".pdf"):
        candidate = candidate[: -len(".pdf")]
    candidate = candidate.rstrip("/")
    match = _NEW.match(candidate)
    if match:
        yymm, num = match["yymm"], match["num"]
        month = int(yymm[2:])
        if not 1 <= month <= 12:
            raise InvalidArxivId(f"'{text}' is not an arXiv id: month {yymm[2:]} is not 01-12")
        five_digit_era = yymm >= "1501"
        if yymm < "0704" or (len(num) == 5) != five_digit_era:
            raise InvalidArxivId(
                f"'{text}' is not an arXiv id: {yymm} ids have "
                f"{'5' if five_digit_era else '4'}-digit numbers"
                if yymm >= "0704"
                else f"'{text}' is not an arXiv id: new-style ids start in 0704"
            )
        version = int(match["version"]) if match["version"] else None
        return ArxivId(f"{yymm}.{num}", version)
    match = _OLD.match(candidate)
    if match:
        month = int(match["yymm"][2:])
        if not 1 <= month <= 12:
            raise InvalidArxivId(
                f"'{text}' is not an arXiv id: month {match['yymm'][2:]} is not 01-12"
            )
        base = f"{match['archive']}{match['subject'] or ''}/{match['yymm']}{match['num']}"
        version = int(match["version"]) if match["version"] else None
        return ArxivId(base, version)
    raise InvalidArxivId(
        f"'{text}' is not an arXiv id (expected e.g. 2401.01234, 2401.01234v2 or hep-th/9901001)"
    )


def normalize_arxiv_id(text: str) -> str:
    """The id without prefix or version, e.g. ``arXiv:2401.01234v2`` -> ``2401.01234``."""
    return parse_arxiv_id(text).base


def split_versioned(text: str, *, default_version: int = 1) -> tuple[str, int]:
    """``(base, version)`` of an id; a bare id gets ``default_version``."""
    parsed = parse_arxiv_id(text)
    return parsed.base, parsed.version if parsed.version is not None else default_version
