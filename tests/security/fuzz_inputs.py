"""Hypothesis strategies for fuzzing every parser of untrusted input, and the entry points.

Shared by ``test_parser_fuzz.py`` (a modest number of examples per run) and ``bench/fuzz.py``
(long campaigns). Four targets, each with the only exceptions it documents:

- ``rss``: :func:`arxiv_radar.arxiv.rss.parse_listing` (rss.arxiv.org listings) raises
  :class:`~arxiv_radar.errors.ArxivParseError`;
- ``atom``: :func:`arxiv_radar.arxiv.atom.parse_feed` (export API) raises ``ArxivParseError``
  or, for arXiv's error feed, :class:`~arxiv_radar.errors.ArxivAPIError`;
- ``oai``: :func:`arxiv_radar.arxiv.oai.parse_list_records` (OAI-PMH, streamed in chunks)
  raises ``ArxivParseError`` or :class:`~arxiv_radar.arxiv.oai.OaiError` (an ``ArxivAPIError``);
- ``config``: :func:`arxiv_radar.config.load_config` (TOML and the old ``config.json``, plus
  ``ARXIV_RADAR_*`` overrides) raises :class:`~arxiv_radar.errors.ConfigError`.

Each target has two kinds of input: **structured** (a document of the right shape whose
fields are drawn from arXiv-like values, hostile text and arbitrary text, escaped or not,
with some elements dropped, repeated or renamed, then sometimes damaged at the byte level)
and **raw** (arbitrary bytes, or a recorded response damaged at the byte level).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hypothesis import strategies as st

from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.arxiv.oai import parse_list_records
from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import (
    ENV_OVERRIDES,
    ArxivConfig,
    Config,
    ProfileConfig,
    PublishConfig,
    StoreConfig,
    SummaryConfig,
    load_config,
)
from arxiv_radar.errors import ArxivAPIError, ArxivParseError, ConfigError

from payloads import PAYLOADS, xml_safe

__all__ = ["TARGETS", "Target", "config_file"]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARXIV_FIXTURES = FIXTURES / "arxiv"
RSS_FIXTURE = "synthetic_rss_cs.AI+cs.CL+cs.DC+cs.LG_mixed.xml"
ATOM_FIXTURE = "api_atom_search_testing_start10_10entries_2026.xml"
OAI_FIXTURE = "oai_dc_ListRecords_set_cs_trimmed_with_resumptionToken_2024.xml"
OAI_ARXIV_FIXTURE = "oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml"
LEGACY_CONFIG = FIXTURES / "config" / "legacy_config.json"

_SHORT_PAYLOADS = [xml_safe(p.text) for p in PAYLOADS if len(p.text) <= 300]

# -- field values ----------------------------------------------------------------------------

_IDS = st.sampled_from(
    [
        *("2604.21935", "2604.21935v1", "2604.21935v12", "hep-th/9901001", "hep-th/9901001v3"),
        *("math.GT/0309136", "1605.08386v0", "0000.0000", "2604.2193", "99999.99999v1"),
        *("2604.21935v99999999999999999999", "abs/2604.21935", "", "v1", "2604.21935v-1"),
    ]
)
_DATES = st.sampled_from(
    [
        *("Mon, 27 Apr 2026 00:00:00 -0400", "Sat, 25 Apr 2026 00:00:00 +0000", "", "  "),
        *("Fri, 31 Dec 9999 23:00:00 -0500", "Mon, 01 Jan 0001 00:00:00 +0100", "yesterday"),
        *("Mon, 27 Apr 2026 00:00:00 +9999", "Mon, 27 Apr 2026 25:61:61 -0400", "27 Apr 2026"),
        *("2026-04-27T00:00:00Z", "2026-04-27", "9999-12-31T23:59:59-23:59", "0001-01-01"),
        *("2026-02-30", "2026-04-27T00:00:00+24:00", "1e9", "-1", "\u0662\u0660\u0662\u0666"),
        *("Mon, 27 Apr 99999 00:00:00 -0400", "Tue, 31 Feb 2026 00:00:00 GMT", "0"),
    ]
)
_ANNOUNCE_TYPES = st.sampled_from(
    ["new", "cross", "replace", "replace-cross", "", "NEW", "deleted", "new\n"]
)
_CATEGORIES = st.sampled_from(
    [
        "cs.AI",
        "cs.LG",
        "hep-th",
        "math.GT",
        "",
        "cs.ai",
        "Computer Science - Artificial Intelligence",
    ]
)


def _text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=80),
        st.sampled_from(_SHORT_PAYLOADS),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
        st.sampled_from(["", " ", "\n", "Title", "A. Author, B. Author (MIT, CMU)", "Abstract:"]),
    )


_TEXT = _text()
_MESSY = st.shared(st.integers(0, 2), key="messy-document")


@st.composite
def _field(draw: st.DrawFn, values: st.SearchStrategy[str]) -> str:
    """A value as it may appear in a document: escaped (mostly), raw, or in CDATA."""
    value = draw(values)
    # One document in three is messy: its fields may be raw, in CDATA or hold characters XML
    # cannot carry; the others are well-formed, so the parsers' later stages see them too.
    messy = draw(_MESSY) == 0
    how = draw(st.sampled_from(["clean"] * 3 + ["escaped", "raw", "cdata"])) if messy else "clean"
    if how == "raw":
        return value
    if how == "cdata":
        return f"<![CDATA[{value}]]>"
    if how == "escaped":  # may keep characters XML cannot carry (NUL, ESC ...)
        return escape(value)
    return escape(xml_safe(value))


_F_TEXT = _field(_TEXT)
_F_IDS = _field(_IDS)
_F_DATES = _field(_DATES)
_F_TYPES = _field(_ANNOUNCE_TYPES)
_F_CATEGORIES = _field(_CATEGORIES)


def _element(tag: str, value: str, draw: st.DrawFn) -> str:
    """``<tag>value</tag>``, sometimes missing, repeated, empty or self-closed."""
    shape = draw(st.sampled_from(["one"] * 6 + ["missing", "twice", "empty", "selfclosed"]))
    if shape == "missing":
        return ""
    if shape == "empty":
        return f"<{tag}></{tag}>"
    if shape == "selfclosed":
        return f"<{tag}/>"
    one = f"<{tag}>{value}</{tag}>"
    return one * (2 if shape == "twice" else 1)


_PROLOGS = [
    *["<?xml version='1.0' encoding='UTF-8'?>\n"] * 8,
    *[""] * 4,
    '<?xml version="1.0"?>\n',
    '<?xml version="1.1" encoding="UTF-8"?>\n',
    "<?xml version='1.0' encoding='ISO-8859-1'?>\n",
    "\ufeff<?xml version='1.0' encoding='UTF-8'?>\n",
    '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://127.0.0.1:9/x.dtd">\n',
    "<!-- a comment -->\n<?pi data?>\n",
]


@st.composite
def _entity_use(draw: st.DrawFn) -> str:
    """Nothing, or (in a messy document) an entity or character reference XML may refuse."""
    if draw(_MESSY) != 0:
        return ""
    return draw(
        st.sampled_from(["", "&xxe;", "&d;", "&unknown;", "&#0;", "&#xD800;", "&#1114112;"])
    )


_ENTITY_USE = _entity_use()


@st.composite
def _encoded(draw: st.DrawFn, text: str) -> bytes:
    """``text`` as bytes: UTF-8 mostly, sometimes another encoding, then maybe damaged."""
    encoding = draw(st.sampled_from(["utf-8"] * 12 + ["utf-16", "latin-1", "utf-8-sig"]))
    data = text.encode(encoding, errors="replace")
    return draw(_damaged(data))


@st.composite
def _damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` unchanged (mostly) or with a few byte-level mutations."""
    for _ in range(draw(st.sampled_from([0] * 7 + [1, 2, 4]))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "duplicate"]))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip":
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)) :]
        else:
            end = min(len(data), at + draw(st.integers(1, 256)))
            data = data[:end] + data[at:end] + data[end:]
    return data


@st.composite
def _damaged_fixture(draw: st.DrawFn, names: list[str]) -> bytes:
    data = (ARXIV_FIXTURES / draw(st.sampled_from(names))).read_bytes()
    if len(data) > 200_000:  # the 1000-record OAI page: keep a slice, the head or the tail
        start = draw(st.sampled_from([0, len(data) - 100_000]))
        data = data[start : start + 100_000]
    mutated = draw(_damaged(data))
    if mutated == data:  # always damage something: the intact fixture is tested elsewhere
        at = draw(st.integers(0, len(data) - 1))
        mutated = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return mutated


def _raw(names: list[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=512),
        _damaged_fixture(names),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


# -- RSS -------------------------------------------------------------------------------------


@st.composite
def _rss_item(draw: st.DrawFn) -> str:
    arxiv_id = draw(_IDS)
    description = (
        f"arXiv:{draw(_F_IDS)} Announce Type: {draw(_F_TYPES)} \nAbstract: {draw(_F_TEXT)}"
        if draw(st.booleans())
        else draw(_F_TEXT)
    )
    parts = [
        _element("title", draw(_F_TEXT), draw),
        _element("link", f"https://arxiv.org/abs/{escape(arxiv_id)}", draw),
        _element("description", description, draw),
        _element("guid", f"oai:arXiv.org:{draw(_F_IDS)}", draw),
        _element("category", draw(_F_CATEGORIES), draw),
        _element("category", draw(_F_TEXT), draw),
        _element("pubDate", draw(_F_DATES), draw),
        _element("arxiv:announce_type", draw(_F_TYPES), draw),
        _element("dc:rights", draw(_F_TEXT), draw),
        _element("arxiv:DOI", draw(_F_TEXT), draw),
        _element("arxiv:journal_reference", draw(_F_TEXT), draw),
        _element("dc:creator", draw(_F_TEXT), draw),
        draw(_ENTITY_USE),
    ]
    return "<item>" + "".join(draw(st.permutations(parts))) + "</item>"


@st.composite
def rss_documents(draw: st.DrawFn) -> bytes:
    """An rss.arxiv.org listing with fuzzed fields and structure."""
    root = draw(st.sampled_from(["rss"] * 8 + ["feed", "html", "rdf:RDF", "channel"]))
    title = draw(
        st.sampled_from(["cs.AI updates on arXiv.org", "Feed error for query: cs.XX", "", "x"]).map(
            escape
        )
    )
    error = "Bad subject class 'XX'" if draw(st.booleans()) else draw(_F_TEXT)
    items = "".join(draw(st.lists(_rss_item(), max_size=5)))
    text = (
        draw(st.sampled_from(_PROLOGS)) + f'<{root} xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:rdf="urn:rdf" version="2.0">'
        f"<channel><title>{title}</title><description>{error}</description>"
        + _element("pubDate", draw(_F_DATES), draw)
        + items
        + f"</channel></{root}>"
    )
    return draw(_encoded(text))


# -- Atom (export API) -----------------------------------------------------------------------


@st.composite
def _atom_entry(draw: st.DrawFn) -> str:
    ns = draw(st.sampled_from(["", "", "", "arxiv:"]))
    parts = [
        _element("id", f"http://arxiv.org/abs/{draw(_F_IDS)}", draw),
        _element("title", draw(_F_TEXT), draw),
        _element("summary", draw(_F_TEXT), draw),
        _element("published", draw(_F_DATES), draw),
        _element("updated", draw(_F_DATES), draw),
        f"<category term={quoteattr(draw(_CATEGORIES))}/>",
        f"<arxiv:primary_category term={quoteattr(xml_safe(draw(_TEXT)))}/>",
        _element("author", f"<name>{draw(_F_TEXT)}</name>", draw),
        _element("author", f"<{ns}name>{draw(_F_TEXT)}</{ns}name>", draw),
        _element("arxiv:comment", draw(_F_TEXT), draw),
        _element("arxiv:journal_ref", draw(_F_TEXT), draw),
        _element("arxiv:doi", draw(_F_TEXT), draw),
        draw(_ENTITY_USE),
    ]
    if draw(st.integers(0, 9)) == 0:  # arXiv's error entry
        parts = [
            "<id>http://arxiv.org/api/errors#incorrect_id_format</id><title>Error</title>",
            f"<summary>{draw(_F_TEXT)}</summary>",
            "<author><name>arXiv api core</name></author>",
        ]
    return "<entry>" + "".join(draw(st.permutations(parts))) + "</entry>"


@st.composite
def atom_documents(draw: st.DrawFn) -> bytes:
    """An export API response with fuzzed fields and structure."""
    root = draw(st.sampled_from(["feed"] * 8 + ["rss", "entry", "html"]))
    numbers = st.one_of(st.integers(-5, 10**30).map(str), _F_TEXT)
    text = (
        draw(st.sampled_from(_PROLOGS)) + f'<{root} xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        + _element("opensearch:totalResults", draw(numbers), draw)
        + _element("opensearch:startIndex", draw(numbers), draw)
        + _element("opensearch:itemsPerPage", draw(numbers), draw)
        + "".join(draw(st.lists(_atom_entry(), max_size=5)))
        + f"</{root}>"
    )
    return draw(_encoded(text))


# -- OAI-PMH ---------------------------------------------------------------------------------


@st.composite
def _oai_metadata(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["arXiv", "arXivRaw", "oai_dc", "other", "none"]))
    if kind == "none":
        return ""
    if kind == "arXiv":
        author = (
            f"<author><keyname>{draw(_F_TEXT)}</keyname>"
            f"<forenames>{draw(_F_TEXT)}</forenames>"
            f"<suffix>{draw(_F_TEXT)}</suffix></author>"
        )
        parts = [
            _element("id", draw(_F_IDS), draw),
            _element("created", draw(_F_DATES), draw),
            _element("updated", draw(_F_DATES), draw),
            _element("authors", author * draw(st.integers(0, 3)), draw),
            _element("title", draw(_F_TEXT), draw),
            _element("categories", draw(_F_TEXT), draw),
            _element("comments", draw(_F_TEXT), draw),
            _element("journal-ref", draw(_F_TEXT), draw),
            _element("doi", draw(_F_TEXT), draw),
            _element("license", draw(_F_TEXT), draw),
            _element("abstract", draw(_F_TEXT), draw),
        ]
        body = "".join(draw(st.permutations(parts)))
        return f'<arXiv xmlns="http://arxiv.org/OAI/arXiv/">{body}</arXiv>'
    if kind == "arXivRaw":
        labels = st.sampled_from(["v1", "v2", "v0", "v", "x1", "v\u00b2", "v\u0663", "V3", ""])
        versions = "".join(
            f"<version version={quoteattr(draw(labels))}>"
            + _element("date", draw(_F_DATES), draw)
            + "</version>"
            for _ in range(draw(st.integers(0, 3)))
        )
        parts = [
            _element("id", draw(_F_IDS), draw),
            versions,
            _element("title", draw(_F_TEXT), draw),
            _element("authors", draw(_F_TEXT), draw),
            _element("categories", draw(_F_TEXT), draw),
            _element("abstract", draw(_F_TEXT), draw),
        ]
        body = "".join(draw(st.permutations(parts)))
        return f'<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">{body}</arXivRaw>'
    if kind == "oai_dc":
        subjects = st.sampled_from(
            ["Computer Science - Artificial Intelligence", "Mathematics - Numerical Analysis"]
        )
        parts = [
            _element("dc:title", draw(_F_TEXT), draw),
            _element("dc:creator", draw(_F_TEXT), draw),
            _element("dc:subject", draw(_field(st.one_of(subjects, _TEXT))), draw),
            _element("dc:description", draw(_F_TEXT), draw),
            _element("dc:description", f"Comment: {draw(_F_TEXT)}", draw),
            _element("dc:date", draw(_F_DATES), draw),
            _element("dc:identifier", f"http://arxiv.org/abs/{draw(_F_IDS)}", draw),
            _element("dc:identifier", f"doi:{draw(_F_TEXT)}", draw),
            _element("dc:identifier", draw(_F_TEXT), draw),
        ]
        body = "".join(draw(st.permutations(parts)))
        return (
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/">{body}</oai_dc:dc>'
        )
    return f"<unknown xmlns='urn:x'>{draw(_F_TEXT)}</unknown>"


@st.composite
def _oai_record(draw: st.DrawFn) -> str:
    status = draw(st.sampled_from(["", "", "", ' status="deleted"', ' status="x"']))
    header = (
        f"<header{status}>"
        + _element("identifier", f"oai:arXiv.org:{draw(_F_IDS)}", draw)
        + _element("datestamp", draw(_F_DATES), draw)
        + "</header>"
    )
    metadata = _element("metadata", draw(_oai_metadata()), draw)
    return f"<record>{header}{metadata}</record>"


@st.composite
def oai_documents(draw: st.DrawFn) -> bytes:
    """A ListRecords response with fuzzed records, token and errors."""
    root = draw(st.sampled_from(["OAI-PMH"] * 8 + ["feed", "rss", "ListRecords"]))
    tail = ""
    if draw(st.booleans()):
        attributes = draw(
            st.sampled_from(
                ['cursor="0" completeListSize="1162"', 'cursor="x" completeListSize="-1"', ""]
            )
        )
        tail = f"<resumptionToken {attributes}>{draw(_F_TEXT)}</resumptionToken>"
    error = ""
    if draw(st.integers(0, 5)) == 0:
        code = draw(st.sampled_from(["noRecordsMatch", "badArgument", "badResumptionToken", ""]))
        error = f"<error code={quoteattr(code)}>{draw(_F_TEXT)}</error>"
    text = (
        draw(st.sampled_from(_PROLOGS))
        + f'<{root} xmlns="http://www.openarchives.org/OAI/2.0/">'
        + _element("responseDate", draw(_F_DATES), draw)
        + error
        + "<ListRecords>"
        + "".join(draw(st.lists(_oai_record(), max_size=4)))
        + tail
        + f"</ListRecords></{root}>"
    )
    return draw(_encoded(text))


# -- configuration ---------------------------------------------------------------------------

_SECTIONS: dict[str, type] = {
    "arxiv": ArxivConfig,
    "summaries": SummaryConfig,
    "store": StoreConfig,
    "publish": PublishConfig,
}
_LEGACY_KEYS = [
    *("categories", "keywords", "exclude_keywords", "max_papers", "min_score", "days_back"),
    *("enable_deduplication", "deduplication_methods", "ai_summary"),
]
_LEGACY_SUMMARY_KEYS = [
    *("enabled", "api_key_env", "base_url", "model", "prompt_file"),
    *("max_papers_to_summarize", "max_workers"),
]


def _scalars() -> st.SearchStrategy[Any]:
    plausible = st.sampled_from(
        [
            *("cs.AI", "cs.LG", "hep-th", "LLM", "kv cache", "https://api.example.org/v1"),
            *("openai-compatible", "extractive", "en", "fulltext", "Europe/Berlin", "0 7 * * *"),
            *(True, False, 2, 5, 10, 0.5, 1.0, 2.5, 120.0),
        ]
    )
    return st.one_of(
        plausible,
        plausible,
        _TEXT,
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.sampled_from(
            [
                *("cs.AI", "cs.XX", "https://example.org/v1", "javascript:alert(1)", "UTC"),
                *("Mars/Olympus", "30 6 * * 1-5", "61 25 * * *", "DASHSCOPE_API_KEY", "sk-x"),
                *("auto", "dashscope", "zh", "en", "abstract", "new", "cross", "../../etc"),
                *("sqlite:///x.db", "postgresql://u:p@h/d", 0, 1, -1, 3.0, 0.5, 10**9),
            ]
        ),
    )


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.one_of(_TEXT, st.sampled_from(["name", "weight", "term"]))
    return st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=3))


def _values() -> st.SearchStrategy[Any]:
    return st.recursive(_scalars(), _containers, max_leaves=8)


_VALUES = _values()


def _known_table(model: type) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from([*model.model_fields, "unknown_key"])  # type: ignore[attr-defined]
    return st.dictionaries(keys, _VALUES, max_size=6)


_TABLES = {name: _known_table(model) for name, model in _SECTIONS.items()}
_PROFILE_TABLE = _known_table(ProfileConfig)


@st.composite
def config_data(draw: st.DrawFn) -> dict[str, Any]:
    """A configuration of the right shape with fuzzed keys and values."""
    data: dict[str, Any] = {}
    for name in _SECTIONS:
        if draw(st.booleans()):
            data[name] = draw(_TABLES[name])
    if draw(st.booleans()):
        profiles = st.dictionaries(
            st.one_of(st.sampled_from(["default", "other", "", "a b"]), _TEXT),
            st.one_of(_PROFILE_TABLE, _VALUES),
            max_size=2,
        )
        data["profiles"] = draw(profiles)
    if draw(st.integers(0, 4)) == 0:
        data[draw(st.sampled_from([*Config.model_fields, "keywords", "x"]))] = draw(_VALUES)
    return data


@st.composite
def legacy_data(draw: st.DrawFn) -> Any:
    """The old tool's config.json, keys known and unknown, values fuzzed."""
    if draw(st.integers(0, 9)) == 0:
        return draw(_VALUES)
    data = draw(st.dictionaries(st.sampled_from([*_LEGACY_KEYS, "other"]), _VALUES, max_size=6))
    if draw(st.booleans()):
        keys = st.sampled_from([*_LEGACY_SUMMARY_KEYS, "other"])
        data["ai_summary"] = draw(st.dictionaries(keys, _VALUES, max_size=4))
    return data


def _toml_string(value: str) -> str:
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return (
        key
        if key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
        else (_toml_string(key))
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(type(value))


def to_toml(data: dict[str, Any]) -> str:
    """``data`` as TOML: top-level tables as ``[section]`` (values inline below them)."""
    lines = []
    for key, value in data.items():
        if not isinstance(value, dict):
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"[{_toml_key(key)}]")
            lines.extend(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ConfigInput:
    """A configuration file's name and bytes, and the environment to load it with."""

    suffix: str
    content: bytes
    env: dict[str, str]


_ENV = st.dictionaries(
    st.sampled_from(sorted(ENV_OVERRIDES)),
    st.one_of(_TEXT, st.sampled_from(["0.01", "3", "nan", "inf", "-1", "1e400", "x"])),
    max_size=3,
)


@st.composite
def config_inputs(draw: st.DrawFn) -> ConfigInput:
    """A TOML or JSON configuration, structured, then maybe damaged."""
    env = draw(_ENV) if draw(st.integers(0, 3)) == 0 else {}
    env = {key: value.replace("\x00", "") for key, value in env.items()}
    if draw(st.booleans()):
        text = to_toml(draw(config_data()))
        suffix = ".toml"
    else:
        text = json.dumps(draw(legacy_data()), allow_nan=True, ensure_ascii=draw(st.booleans()))
        suffix = ".json"
    content = draw(_damaged(text.encode("utf-8", "surrogatepass")))
    return ConfigInput(suffix, content, env)


@st.composite
def raw_config_inputs(draw: st.DrawFn) -> ConfigInput:
    """Arbitrary bytes, or the recorded config.json damaged, as a .toml or .json file."""
    suffix = draw(st.sampled_from([".toml", ".json"]))
    content = draw(st.one_of(st.binary(max_size=300), _damaged(LEGACY_CONFIG.read_bytes())))
    return ConfigInput(suffix, content, {})


def config_file(item: ConfigInput, folder: Path) -> Path:
    """Write ``item`` into ``folder`` under the name the loader expects for its kind."""
    path = folder / ("config.json" if item.suffix == ".json" else "arxiv-radar.toml")
    path.write_bytes(item.content)
    return path


# -- the targets -----------------------------------------------------------------------------


def _parse_rss(data: bytes) -> object:
    listing = parse_listing(data)
    for entry in listing.entries:  # what a caller reads: every field is there
        assert entry.paper.title and entry.paper.arxiv_id and entry.paper.version >= 1
    return listing


def _parse_atom(data: bytes) -> object:
    page = parse_feed(data)
    assert all(paper.title and paper.version >= 1 for paper in page.papers)
    return page


def _parse_oai(data: bytes, chunk: int = 97) -> object:
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    page = parse_list_records(chunks)
    papers = list(page)
    assert page.done and all(paper.title for paper in papers)
    return papers


@dataclass(frozen=True)
class Target:
    """A parser, its structured and raw inputs, and the exceptions it may raise."""

    name: str
    parse: Callable[[Any], object]
    structured: st.SearchStrategy[Any]
    raw: st.SearchStrategy[Any]
    expected: tuple[type[BaseException], ...]


def _parse_config(item: ConfigInput) -> object:
    with tempfile.TemporaryDirectory(prefix="arxiv-radar-fuzz-") as folder:
        return load_config(config_file(item, Path(folder)), env=item.env)


TARGETS: dict[str, Target] = {
    "rss": Target(
        "rss",
        _parse_rss,
        rss_documents(),
        _raw([RSS_FIXTURE, "synthetic_rss_empty_weekend.xml"]),
        (ArxivParseError,),
    ),
    "atom": Target(
        "atom",
        _parse_atom,
        atom_documents(),
        _raw([ATOM_FIXTURE, "synthetic_api_error_400.xml"]),
        (ArxivParseError, ArxivAPIError),
    ),
    "oai": Target(
        "oai",
        _parse_oai,
        oai_documents(),
        _raw([OAI_FIXTURE, OAI_ARXIV_FIXTURE]),
        (ArxivParseError, ArxivAPIError),
    ),
    "config": Target(
        "config",
        _parse_config,
        config_inputs(),
        raw_config_inputs(),
        (ConfigError,),
    ),
}
"""Every fuzzed parser by name."""
