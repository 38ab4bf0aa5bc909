"""Reading a reader's library: BibTeX and CSL-JSON as Zotero, Mendeley and JabRef export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arxiv_radar.errors import ConfigError
from arxiv_radar.library import LibraryEntry, arxiv_id_in, load_library

ZOTERO_BIB = r"""
@article{vaswani_attention_2017,
	title = {Attention {Is} {All} {You} {Need}},
	url = {http://arxiv.org/abs/1706.03762},
	doi = {10.48550/arXiv.1706.03762},
	abstract = {The dominant sequence transduction models are based on complex recurrent or
convolutional neural networks.},
	urldate = {2024-01-02},
	publisher = {arXiv},
	author = {Vaswani, Ashish and Shazeer, Noam},
	month = dec,
	year = {2017},
	note = {arXiv:1706.03762 [cs]},
}

@inproceedings{he_deep_2016,
	title = {Deep {Residual} {Learning} for {Image} {Recognition}},
	doi = {10.1109/CVPR.2016.90},
	booktitle = {{CVPR}},
	author = {He, Kaiming and Zhang, Xiangyu},
	year = {2016},
}

@misc{jabref,
  author        = {Doe, Jane},
  title         = {Proofs \& {Types} for \emph{Everyone}},
  eprint        = {hep-th/9901001v2},
  archivePrefix = {arXiv},
}

@misc{untitled, author = {Nobody}}
"""

ZOTERO_CSL = [
    {
        "id": "http://zotero.org/users/1/items/A",
        "type": "article",
        "title": "Language Models are Few-Shot Learners",
        "abstract": "Recent work has demonstrated substantial gains.",
        "URL": "http://arxiv.org/abs/2005.14165",
        "number": "arXiv:2005.14165",
        "DOI": "10.48550/arXiv.2005.14165",
    },
    {"id": "B", "type": "book", "title": "Programming Pearls", "DOI": "10.5555/315263"},
    {"id": "C", "type": "article"},
]


def test_a_zotero_bibtex_export(tmp_path: Path) -> None:
    path = tmp_path / "My Library.bib"
    path.write_text(ZOTERO_BIB, encoding="utf-8")
    entries = load_library(path)
    assert entries == [
        LibraryEntry(
            title="Attention Is All You Need",
            abstract="The dominant sequence transduction models are based on complex "
            "recurrent or convolutional neural networks.",
            arxiv_id="1706.03762",
            doi="10.48550/arXiv.1706.03762",
        ),
        LibraryEntry(
            title="Deep Residual Learning for Image Recognition", doi="10.1109/CVPR.2016.90"
        ),
        LibraryEntry(title="Proofs & Types for Everyone", arxiv_id="hep-th/9901001"),
    ]
    assert entries[0].label == "Attention Is All You Need (arXiv:1706.03762)"
    assert entries[1].text == "Deep Residual Learning for Image Recognition"
    assert entries[0].text.startswith("Attention Is All You Need. The dominant")


def test_a_csl_json_export(tmp_path: Path) -> None:
    path = tmp_path / "library.json"
    path.write_text(json.dumps(ZOTERO_CSL), encoding="utf-8")
    entries = load_library(path)
    assert [(e.title, e.arxiv_id, e.doi) for e in entries] == [
        ("Language Models are Few-Shot Learners", "2005.14165", "10.48550/arXiv.2005.14165"),
        ("Programming Pearls", None, "10.5555/315263"),
    ]


@pytest.mark.parametrize(
    ("texts", "found"),
    [
        (("https://arxiv.org/pdf/2401.01234v3",), "2401.01234"),
        (("10.48550/ARXIV.2301.00001",), "2301.00001"),
        (("arXiv: 0704.0001",), "0704.0001"),
        ((None, "", "see arXiv:math.GT/0309136"), "math.GT/0309136"),
        (("10.1145/1234", "no id here"), None),
        (("arXiv:1399.00001",), None),  # month 99: not an id
    ],
)
def test_arxiv_ids_are_found_in_urls_dois_and_notes(
    texts: tuple[str | None, ...], found: str | None
) -> None:
    assert arxiv_id_in(*texts) == found


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.bib", None, "does not exist"),
        ("broken.json", "[{", "not valid JSON (line 1"),
        ("object.json", '{"title": "x"}', "CSL JSON is a list of items, found a dict"),
        ("empty.bib", "@comment{nothing}", "has no entry with a title"),
        ("garbage.bib", "@article{a, title={x}", "not a BibTeX file"),
        ("latin1.bib", b"@misc{a, title={Caf\xe9}}", "cannot be read"),
    ],
)
def test_bad_libraries_are_config_errors_naming_the_file(
    tmp_path: Path, name: str, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_library(path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert caught.value.exit_code == 2
