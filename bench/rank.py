"""Ranking throughput: papers per second in ``keywords`` mode and in ``legacy`` mode.

    python bench/rank.py [--papers 100000] [--rounds 3]

The 100 recorded abstracts and titles of the export API fixture, repeated up to
``--papers`` papers (each with its own copy of the strings), are ranked against the old
tool's 39 keywords plus one regex rule (40 rules), with ``max_papers`` 50. Paper objects
are built before the clock starts; the time covers ``rank_papers`` only (matching,
scoring, sorting, explanations of the kept papers). Best and median of several rounds,
one core. Target: >= 50,000 papers/s in ``keywords`` mode.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from lxml import etree

from arxiv_radar.config import DEFAULT_KEYWORDS, KeywordRule, ProfileConfig
from arxiv_radar.models import AnnounceType, Paper
from arxiv_radar.rank import Candidate, Mode, rank_papers

FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "fixtures"
    / "arxiv"
    / "api_atom_search_testing_100entries_2026.xml"
)
ATOM = "{http://www.w3.org/2005/Atom}"
TARGET = 50_000.0


def recorded_texts() -> list[tuple[str, str]]:
    """(title, abstract) of every entry of the recorded API response, whitespace as is."""
    root = etree.parse(str(FIXTURE)).getroot()
    return [
        (entry.findtext(f"{ATOM}title") or "", entry.findtext(f"{ATOM}summary") or "")
        for entry in root.iter(f"{ATOM}entry")
    ]


def candidates(count: int) -> list[Candidate]:
    texts = recorded_texts()
    out = []
    for i in range(count):
        title, abstract = texts[i % len(texts)]
        # Fresh string objects for every paper, as 100,000 real papers have: nothing may
        # gain from meeting the very same text object again (caches, memory locality).
        title, abstract = "".join(list(title)), "".join(list(abstract))
        paper = Paper(arxiv_id=f"2601.{i:05d}", version=1, title=title, abstract=abstract)
        out.append(Candidate(paper, AnnounceType.NEW, i))
    return out


def profile() -> ProfileConfig:
    rule = KeywordRule(regex=r"\bMoE\b", weight=1.5, label="MoE")
    return ProfileConfig(keywords=[*DEFAULT_KEYWORDS, rule], max_papers=50)


def measure(mode: Mode, papers: list[Candidate], rounds: int) -> list[float]:
    rates = []
    chosen = profile()
    for _ in range(rounds):
        start = time.perf_counter()
        ranked = rank_papers(papers, chosen, mode=mode)
        elapsed = time.perf_counter() - start
        assert ranked, "nothing ranked: the benchmark would measure nothing"
        rates.append(len(papers) / elapsed)
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    papers = candidates(args.papers)
    print(f"{len(papers):,} papers, {len(profile().keywords)} keyword rules, max_papers 50")
    verdict = 0
    for mode in ("keywords", "legacy"):
        rates = measure(mode, papers, args.rounds)
        best, median = max(rates), statistics.median(rates)
        print(f"{mode:>8}: best {best:>9,.0f} papers/s, median {median:>9,.0f} papers/s")
        if mode == "keywords" and best < TARGET:
            print(f"          below the target of {TARGET:,.0f} papers/s")
            verdict = 1
    return verdict


if __name__ == "__main__":
    raise SystemExit(main())
