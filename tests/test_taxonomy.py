"""The arXiv category taxonomy: membership, names, case repair, suggestions, OAI sets."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_radar.arxiv.taxonomy import (
    ALIASES,
    ARCHIVES,
    CATEGORIES,
    RETIRED,
    canonical_category,
    category_name,
    is_known_category,
    oai_set_for,
    suggest_categories,
)

SAMPLE = [
    "cs.AI", "cs.CL", "cs.DC", "cs.LG", "cs.SY", "math.QA", "math.NA", "math.MP", "hep-th",
    "hep-ph", "hep-ex", "hep-lat", "q-bio.NC", "stat.ML", "stat.TH", "eess.SP", "eess.SY",
    "econ.EM", "econ.GN", "q-fin.ST", "q-fin.EC", "astro-ph.CO", "astro-ph.HE",
    "cond-mat.str-el", "cond-mat.quant-gas", "physics.optics", "physics.atm-clus", "nlin.AO",
    "gr-qc", "quant-ph", "math-ph", "nucl-th", "nucl-ex",
]  # fmt: skip


def _count(archive: str) -> int:
    return sum(1 for cat in CATEGORIES if cat.startswith(f"{archive}."))


def test_default_categories_and_a_sample_across_archives_are_known() -> None:
    for cat in ["cs.AI", "cs.CL", "cs.DC", "cs.LG", *SAMPLE]:
        assert is_known_category(cat), cat


@pytest.mark.parametrize(
    ("archive", "count"),
    [
        ("cs", 40),
        ("math", 32),
        ("physics", 22),
        ("cond-mat", 9),
        ("astro-ph", 6),
        ("q-bio", 10),
        ("q-fin", 9),
        ("stat", 6),
        ("eess", 4),
        ("econ", 3),
        ("nlin", 5),
    ],
)
def test_every_subject_class_of_each_archive_is_present(archive: str, count: int) -> None:
    assert _count(archive) == count


def test_archives_are_valid_feed_names_on_their_own() -> None:
    for archive in ["cs", "math", "physics", "astro-ph", "cond-mat", "q-bio", "q-fin", "stat"]:
        assert is_known_category(archive)
    for archive in ["eess", "econ", "nlin", "hep-th", "gr-qc", "quant-ph", "math-ph"]:
        assert is_known_category(archive)
    assert len(ARCHIVES) == 20
    assert set(ARCHIVES) <= set(CATEGORIES)


def test_both_names_of_every_alias_pair_are_valid() -> None:
    assert ALIASES["cs.NA"] == "math.NA"
    assert ALIASES["math.MP"] == "math-ph"
    for alias, canonical in ALIASES.items():
        assert is_known_category(alias), alias
        assert is_known_category(canonical), canonical


def test_retired_archives_are_named_but_not_accepted() -> None:
    assert not is_known_category("chao-dyn")
    assert RETIRED["chao-dyn"] == "nlin.CD"
    assert category_name("chao-dyn") == "Chaotic Dynamics"
    for successor in RETIRED.values():
        assert is_known_category(successor), successor


@pytest.mark.parametrize(
    "text", ["cs.AII", "cs.ai", "CS.AI", "", "cs.", "hep-th.XX", "math.qa", "test", "cs.AI "]
)
def test_unknown_or_miscased_ids_are_not_known(text: str) -> None:
    assert not is_known_category(text)


def test_ids_are_well_formed_and_names_are_filled_in() -> None:
    pattern = re.compile(r"^[a-z]+(-[a-z]+)?(\.([A-Z]{2}|[a-z]+(-[a-z]+)?))?$")
    for cat, name in CATEGORIES.items():
        assert pattern.match(cat), cat
        assert name and name == name.strip(), cat
    assert list(CATEGORIES) == sorted(CATEGORIES)


def test_the_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        CATEGORIES["cs.XX"] = "Nothing"  # type: ignore[index]


@pytest.mark.parametrize(
    ("cat", "name"),
    [
        ("cs.AI", "Artificial Intelligence"),
        ("cs.DC", "Distributed, Parallel, and Cluster Computing"),
        ("math.QA", "Quantum Algebra"),
        ("hep-th", "High Energy Physics - Theory"),
        ("astro-ph.CO", "Cosmology and Nongalactic Astrophysics"),
        ("cond-mat.str-el", "Strongly Correlated Electrons"),
        ("q-bio.NC", "Neurons and Cognition"),
        ("stat.ML", "Machine Learning"),
        ("eess.SP", "Signal Processing"),
        ("econ.EM", "Econometrics"),
        ("q-fin.ST", "Statistical Finance"),
        ("cs", "Computer Science"),
        ("no.such", "no.such"),
    ],
)
def test_category_name(cat: str, name: str) -> None:
    assert category_name(cat) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cs.ai", "cs.AI"),
        ("CS.LG", "cs.LG"),
        ("HEP-TH", "hep-th"),
        (" stat.ml ", "stat.ML"),
        ("astro-ph.co", "astro-ph.CO"),
        ("COND-MAT.STR-EL", "cond-mat.str-el"),
        ("physics.OPTICS", "physics.optics"),
        ("Q-BIO.nc", "q-bio.NC"),
        ("cs.AI", "cs.AI"),
        ("cs.AII", None),
        ("chao-dyn", None),
        ("", None),
    ],
)
def test_canonical_category_repairs_case(text: str, expected: str | None) -> None:
    assert canonical_category(text) == expected


def test_every_category_survives_any_case() -> None:
    for cat in CATEGORIES:
        assert canonical_category(cat.upper()) == cat
        assert canonical_category(cat.lower()) == cat


@given(st.text(max_size=20))
def test_canonical_category_returns_only_known_ids(text: str) -> None:
    result = canonical_category(text)
    assert result is None or is_known_category(result)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("cs.AII", "cs.AI"),
        ("cs.LGG", "cs.LG"),
        ("hep_th", "hep-th"),
        ("quantph", "quant-ph"),
        ("astroph.CO", "astro-ph.CO"),
        ("AI", "cs.AI"),
        ("cs.ML", "stat.ML"),
        ("chao-dyn", "nlin.CD"),
        ("math.qaa", "math.QA"),
    ],
)
def test_suggestions_put_the_likely_meaning_first(text: str, first: str) -> None:
    assert suggest_categories(text)[0] == first


def test_suggestions_stay_short_and_known() -> None:
    assert suggest_categories("cs.AII") == ["cs.AI"]
    assert suggest_categories("zzzzzz") == []
    assert suggest_categories("cs.A", n=2) == suggest_categories("cs.A")[:2]
    assert len(suggest_categories("cs.A", n=2)) == 2
    assert suggest_categories("cs.AII", n=0) == []
    for text in ["cs.A", "math.X", "physics.opt", "stat", "q-fin.XX"]:
        assert all(is_known_category(s) for s in suggest_categories(text))


@pytest.mark.parametrize(
    ("cat", "spec"),
    [
        ("cs.AI", "cs:cs:AI"),
        ("hep-th", "physics:hep-th"),
        ("math.NA", "math:math:NA"),
        ("astro-ph.CO", "physics:astro-ph:CO"),
        ("q-bio.NC", "q-bio:q-bio:NC"),
        ("stat.ML", "stat:stat:ML"),
        ("eess.SP", "eess:eess:SP"),
        ("econ.EM", "econ:econ:EM"),
        ("q-fin.ST", "q-fin:q-fin:ST"),
        ("cond-mat.str-el", "physics:cond-mat:str-el"),
        ("physics.optics", "physics:physics:optics"),
        ("nlin.AO", "physics:nlin:AO"),
        ("gr-qc", "physics:gr-qc"),
        ("quant-ph", "physics:quant-ph"),
        ("math-ph", "physics:math-ph"),
        ("nucl-th", "physics:nucl-th"),
        ("cs", "cs"),
        ("math", "math"),
        ("physics", "physics:physics"),
        ("astro-ph", "physics:astro-ph"),
    ],
)
def test_oai_set_for(cat: str, spec: str) -> None:
    assert oai_set_for(cat) == spec


def test_physics_archives_live_under_the_physics_group() -> None:
    physics = {"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th"}
    physics |= {"math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph"}
    for cat in CATEGORIES:
        archive = cat.partition(".")[0]
        spec = oai_set_for(cat)
        assert spec.startswith("physics:") == (archive in physics), cat


def test_oai_set_for_an_unknown_category_raises_with_a_suggestion() -> None:
    with pytest.raises(
        ValueError, match=r"unknown arXiv category 'cs\.AII' \(did you mean cs\.AI\?\)"
    ):
        oai_set_for("cs.AII")
