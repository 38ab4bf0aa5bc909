"""Followed authors: folding names and comparing them."""

from __future__ import annotations

import pytest

from arxiv_radar.rank.authors import AuthorIndex, given_names_agree, name_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Yann LeCun", ("yann", "lecun")),
        ("Y. LeCun", ("y", "lecun")),
        ("LeCun, Yann", ("yann", "lecun")),
        ("Yann A. LeCun", ("yann", "lecun")),
        ("Léon Bottou", ("leon", "bottou")),
        ("Łukasz Kaiser", ("lukasz", "kaiser")),
        ("Søren Hauberg", ("soren", "hauberg")),
        ("Conor O'Brien", ("conor", "obrien")),
        ("Jean-Pierre Serre", ("jean", "serre")),
        ("J.-P. Serre", ("j", "serre")),
        ("Martin Luther King Jr.", ("martin", "king")),
        ("King, Jr., Martin Luther", ("martin", "king")),
        ("Martin Luther King, Jr.", ("martin", "king")),
        ("Guido van Rossum", ("guido", "rossum")),
        ("van Rossum, Guido", ("guido", "rossum")),
        ("Plato", ("", "plato")),
        ("  ", None),
        ("...", None),
    ],
)
def test_name_keys(name: str, key: tuple[str, str] | None) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(
    ("first", "second", "agree"),
    [
        ("yann", "yann", True),
        ("y", "yann", True),
        ("yann", "y", True),
        ("", "yann", True),
        ("yann", "yves", False),
        ("y", "z", False),
        ("jo", "john", False),
    ],
)
def test_given_names(first: str, second: str, agree: bool) -> None:
    assert given_names_agree(first, second) is agree


def test_the_index_finds_each_followed_author_once() -> None:
    index = AuthorIndex(["Yann LeCun", "Y. Bengio", "Hinton"])
    found = index.find(["Yoshua Bengio", "Yann Lecun", "Y. LeCun", "Geoffrey E. Hinton", "Yves X"])
    assert found == {0: "Yann Lecun", 1: "Yoshua Bengio", 2: "Geoffrey E. Hinton"}
    assert index.find(["Yves LeCun", "Samy Bengio"]) == {}
    assert not AuthorIndex([]) and AuthorIndex(["A B"])
    with pytest.raises(ValueError, match="not a person's name"):
        AuthorIndex(["..."])
