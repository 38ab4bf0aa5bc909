"""Build the labelled relevance set ``arxiv-radar eval`` is measured on:
``tests/fixtures/relevance/labels.jsonl``.

The records are the 1,000 real arXiv records of one OAI-PMH ``ListRecords`` page of the
``cs`` set (``tests/fixtures/arxiv/oai_arXiv_ListRecords_set_cs_first_page_with_
resumptionToken_2016.xml``, papers first submitted April to August 2007; provenance in
``tests/fixtures/arxiv/SOURCES.md``), read with arxiv-radar's own OAI-PMH parser. The readers
are the profiles of ``tests/fixtures/relevance/readers.toml``, a valid arxiv-radar
configuration; each is named after one arXiv category with ``_`` for the dot (``cs_CR`` is the
reader of cs.CR).

A paper is relevant to a reader exactly when arXiv lists the reader's category among the
paper's categories, primary or not. Every reader gets one label for every record, relevant or
not: one JSON object per line, readers in the order of the configuration, records in the order
of the page::

    {"profile": "cs_CR", "arxiv_id": "0704.0002", "relevant": false}

The output is deterministic: the same readers and records give the same bytes. ::

    python scripts/build_relevance_set.py            # write labels.jsonl, print the counts
    python scripts/build_relevance_set.py --check    # exit 1 if labels.jsonl is out of date
    python scripts/build_relevance_set.py --readers FILE --records FILE --output FILE
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from arxiv_radar.arxiv.oai import parse_list_records
from arxiv_radar.arxiv.taxonomy import canonical_category
from arxiv_radar.config import load_config
from arxiv_radar.models import Paper

ROOT = Path(__file__).resolve().parents[1]
RELEVANCE = ROOT / "tests" / "fixtures" / "relevance"
DEFAULT_READERS = RELEVANCE / "readers.toml"
DEFAULT_OUTPUT = RELEVANCE / "labels.jsonl"
DEFAULT_RECORDS = (
    ROOT
    / "tests"
    / "fixtures"
    / "arxiv"
    / "oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml"
)


def reader_categories(readers: Path) -> dict[str, str]:
    """Each reader's name and the category it stands for, in the configuration's order."""
    config = load_config(readers)
    categories: dict[str, str] = {}
    for name, profile in config.profiles.items():
        category = name.replace("_", ".")
        if canonical_category(category) != category:
            raise SystemExit(f"{readers}: profile '{name}' is not named after an arXiv category")
        if profile.category_weights:
            raise SystemExit(f"{readers}: profile '{name}' has category weights: drop them")
        categories[name] = category
    return categories


def read_records(path: Path) -> list[Paper]:
    """The papers of an OAI-PMH ``ListRecords`` page, every record read."""
    with path.open("rb") as source:
        page = parse_list_records(source, url=str(path))
        papers = list(page)
    if page.skipped:
        raise SystemExit(f"{path}: {len(page.skipped)} records could not be read")
    if len({paper.arxiv_id for paper in papers}) != len(papers):
        raise SystemExit(f"{path}: a paper is there twice")
    return papers


def build(readers: Path, records: Path) -> tuple[bytes, dict[str, tuple[str, int]], int]:
    """The labels file's bytes, each reader's category and number of relevant papers, and
    the number of records."""
    categories = reader_categories(readers)
    papers = read_records(records)
    lines: list[str] = []
    counts: dict[str, tuple[str, int]] = {}
    for name, category in categories.items():
        relevant = 0
        for paper in papers:
            is_relevant = category in paper.categories
            relevant += is_relevant
            label = {"profile": name, "arxiv_id": paper.arxiv_id, "relevant": is_relevant}
            lines.append(json.dumps(label))
        counts[name] = (category, relevant)
    return ("\n".join(lines) + "\n").encode("utf-8"), counts, len(papers)


def counts_table(counts: dict[str, tuple[str, int]], total: int) -> str:
    """The counts as the README's Markdown table."""
    rows = ["| reader | category | relevant | not relevant |", "|---|---|---:|---:|"]
    rows += [
        f"| `{name}` | {category} | {relevant} | {total - relevant} |"
        for name, (category, relevant) in counts.items()
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=Path, default=DEFAULT_READERS, help="readers.toml")
    parser.add_argument("--records", type=Path, default=DEFAULT_RECORDS, help="OAI-PMH page")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="labels.jsonl")
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args(argv)
    content, counts, total = build(args.readers, args.records)
    summary = f"{len(counts)} readers x {total} records\n{counts_table(counts, total)}"
    if args.check:
        if not args.output.exists() or args.output.read_bytes() != content:
            print(
                f"{args.output} is out of date: run scripts/build_relevance_set.py",
                file=sys.stderr,
            )
            return 1
        print(f"{args.output} is current: {summary}")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(content)
    print(f"wrote {args.output}: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
