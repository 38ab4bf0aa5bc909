"""arXiv identifiers: every written form, both eras, and what is not an id."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.arxiv.ids import (
    ArxivId,
    InvalidArxivId,
    normalize_arxiv_id,
    parse_arxiv_id,
    split_versioned,
)
from arxiv_radar.errors import UsageError

VALID = [
    # bare, versioned
    ("2401.01234", "2401.01234", None),
    ("2401.01234v2", "2401.01234", 2),
    ("2604.21935v1", "2604.21935", 1),
    ("1501.00001v12", "1501.00001", 12),
    # the 4-digit era, 0704 to 1412
    ("0704.0001", "0704.0001", None),
    ("0804.0970v1", "0804.0970", 1),
    ("1412.9999", "1412.9999", None),
    # prefixes
    ("arXiv:2401.01234", "2401.01234", None),
    ("arxiv:2401.01234v3", "2401.01234", 3),
    ("ARXIV:2401.01234", "2401.01234", None),
    ("oai:arXiv.org:2604.21935v1", "2604.21935", 1),
    ("oai:arXiv.org:hep-th/9901001", "hep-th/9901001", None),
    # URLs
    ("https://arxiv.org/abs/2401.01234", "2401.01234", None),
    ("http://arxiv.org/abs/2401.01234v2", "2401.01234", 2),
    ("https://arxiv.org/pdf/2401.01234v2", "2401.01234", 2),
    ("https://arxiv.org/pdf/2401.01234v2.pdf", "2401.01234", 2),
    ("https://arxiv.org/html/2401.01234v1", "2401.01234", 1),
    ("https://www.arxiv.org/abs/2401.01234", "2401.01234", None),
    ("http://export.arxiv.org/abs/2401.01234", "2401.01234", None),
    ("https://arxiv.org/abs/2401.01234/", "2401.01234", None),
    ("http://arxiv.org/abs/hep-ph/0301050v2", "hep-ph/0301050", 2),
    # old style, with and without subject class
    ("hep-th/9901001", "hep-th/9901001", None),
    ("hep-th/9901001v3", "hep-th/9901001", 3),
    ("math/0211159", "math/0211159", None),
    ("math.GT/0309136", "math.GT/0309136", None),
    ("math-ph/0701001v2", "math-ph/0701001", 2),
    ("cond-mat/0412498v1", "cond-mat/0412498", 1),
    ("cs/0503050", "cs/0503050", None),
    # surrounding whitespace
    ("  2401.01234v2\n", "2401.01234", 2),
]

INVALID = [
    "",
    "   ",
    "2401",
    "2401.",
    "2401.123",  # too short
    "2401.123456",  # too long
    "2400.01234",  # month 00
    "2413.01234",  # month 13
    "0703.0001",  # new style starts in April 2007
    "0612.1234",
    "1501.1234",  # 5-digit era needs 5 digits
    "2401.1234",
    "1412.12345",  # 4-digit era needs 4 digits
    "0704.00001",
    "2401.01234v0",  # versions start at 1
    "2401.01234v",
    "2401.01234v01",
    "2401.01234V2",
    "2401.01234 v2",
    "2401-01234",
    "hep-th/990100",  # old style has 7 digits
    "hep-th/99010011",
    "hep-th/9900001",  # month 00
    "hep-th/9913001",  # month 13
    "HEP-TH/9901001",
    "math.gt/0309136",  # subject class is upper case
    "math.GTX/0309136",
    "hep-th9901001",
    "/9901001",
    "arXiv:",
    "arXiv: 2401.01234",
    "arXiv:arXiv:2401.01234",
    "https://example.org/abs/2401.01234",
    "https://arxiv.org/list/cs.AI/2401.01234",
    "doi:10.1000/182",
    "2401.01234v2 extra",
]


@pytest.mark.parametrize(("text", "base", "version"), VALID)
def test_valid_ids(text: str, base: str, version: int | None) -> None:
    parsed = parse_arxiv_id(text)
    assert parsed == ArxivId(base, version)
    assert normalize_arxiv_id(text) == base
    assert parsed.is_old_style == ("/" in base)


@pytest.mark.parametrize("text", INVALID)
def test_invalid_ids(text: str) -> None:
    with pytest.raises(InvalidArxivId) as caught:
        parse_arxiv_id(text)
    assert "not an arXiv id" in str(caught.value)
    # One error family: a usage error for the CLI, a ValueError for everyone else.
    assert isinstance(caught.value, UsageError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2413.01234", "month 13 is not 01-12"),
        ("hep-th/9900001", "month 00 is not 01-12"),
        ("1501.1234", "1501 ids have 5-digit numbers"),
        ("1412.12345", "1412 ids have 4-digit numbers"),
        ("0612.1234", "new-style ids start in 0704"),
    ],
)
def test_invalid_ids_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidArxivId, match=reason):
        parse_arxiv_id(text)


@pytest.mark.parametrize("text", ["٢٤٠١.٠١٢٣٤", "hep-th/٩٩٠١٠٠١", "2401.0123４"])
def test_non_ascii_digits_are_not_ids(text: str) -> None:
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(text)


def test_split_versioned() -> None:
    assert split_versioned("2401.01234v3") == ("2401.01234", 3)
    assert split_versioned("2401.01234") == ("2401.01234", 1)
    assert split_versioned("hep-th/9901001", default_version=7) == ("hep-th/9901001", 7)


def test_str_writes_the_canonical_form() -> None:
    assert str(ArxivId("2401.01234", 2)) == "2401.01234v2"
    assert str(ArxivId("hep-th/9901001")) == "hep-th/9901001"


# -- properties ---------------------------------------------------------------------------------


@st.composite
def new_style(draw: st.DrawFn) -> ArxivId:
    year = draw(st.integers(7, 99))
    month = draw(st.integers(4 if year == 7 else 1, 12))
    yymm = f"{year:02d}{month:02d}"
    digits = 5 if yymm >= "1501" else 4
    number = draw(st.integers(0, 10**digits - 1))
    version = draw(st.none() | st.integers(1, 10_000))
    return ArxivId(f"{yymm}.{number:0{digits}d}", version)


@st.composite
def old_style(draw: st.DrawFn) -> ArxivId:
    archive = draw(
        st.sampled_from(
            ["hep-th", "hep-ph", "hep-lat", "math", "math-ph", "cond-mat", "astro-ph", "cs"]
            + ["q-bio", "nlin", "quant-ph", "gr-qc", "physics", "chao-dyn", "solv-int"]
        )
    )
    subject = draw(st.none() | st.from_regex(r"\A[A-Z]{2}\Z"))
    year = draw(st.sampled_from([91, 92, 95, 98, 99, 0, 1, 4, 7]))
    month = draw(st.integers(1, 12))
    number = draw(st.integers(0, 999))
    version = draw(st.none() | st.integers(1, 99))
    prefix = archive if subject is None else f"{archive}.{subject}"
    return ArxivId(f"{prefix}/{year:02d}{month:02d}{number:03d}", version)


IDS = new_style() | old_style()
PREFIXES = [
    "",
    "arXiv:",
    "arxiv:",
    "oai:arXiv.org:",
    "https://arxiv.org/abs/",
    "http://arxiv.org/abs/",
    "https://arxiv.org/pdf/",
    "https://arxiv.org/html/",
    "https://export.arxiv.org/abs/",
]


@given(IDS)
def test_str_and_parse_round_trip(arxiv_id: ArxivId) -> None:
    assert parse_arxiv_id(str(arxiv_id)) == arxiv_id


@given(IDS, st.sampled_from(PREFIXES))
def test_normalize_strips_prefix_and_version(arxiv_id: ArxivId, prefix: str) -> None:
    assert normalize_arxiv_id(prefix + str(arxiv_id)) == arxiv_id.base
    assert parse_arxiv_id(arxiv_id.base).version is None


@given(IDS)
def test_every_prefix_form_parses_to_the_same_id(arxiv_id: ArxivId) -> None:
    forms = {parse_arxiv_id(prefix + str(arxiv_id)) for prefix in PREFIXES}
    forms.add(parse_arxiv_id(f"https://arxiv.org/pdf/{arxiv_id}.pdf"))
    assert forms == {arxiv_id}


@given(st.text())
def test_random_text_only_ever_raises_invalid_arxiv_id(text: str) -> None:
    try:
        parsed = parse_arxiv_id(text)
    except InvalidArxivId:
        return
    assert parsed.base
    assert parsed.version is None or parsed.version >= 1


@given(
    st.from_regex(r"\A[0-9]{4}\.[0-9]{4,5}(v[0-9]{1,3})?\Z")
    | st.from_regex(r"\A[a-z]{2,5}(-[a-z]{2,5})?(\.[A-Z]{2})?/[0-9]{7}(v[0-9]{1,2})?\Z")
)
def test_id_shaped_text_parses_to_itself_or_says_why(text: str) -> None:
    try:
        parsed = parse_arxiv_id(text)
    except InvalidArxivId as error:
        assert "not an arXiv id" in str(error)
        return
    assert str(parsed) == text
    month = int(parsed.base.split("/")[-1][2:4])
    assert 1 <= month <= 12
