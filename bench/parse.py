"""Parsing and extractive summaries: how long a full listing feed and a day's summaries take.

    python bench/parse.py [--rounds 5]

(a) ``parse_listing`` on a full 2000-item rss.arxiv.org feed (the largest a feed holds), built
    from the recorded cs.AI feed's items as tests/arxiv/test_rss.py builds it. Target: < 1 s.
(b) ``summarize_extractive`` (TextRank, no model) on the 100 recorded abstracts of the export
    API fixture, in English. Target: < 5 ms per abstract.

Best and median of several rounds, one core. The tests check what these produce; the times
are measured here only, because a busy machine makes any time limit in a test flaky.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.arxiv.rss import MAX_FEED_RESULTS, parse_listing
from arxiv_radar.summarize.extractive import summarize_extractive

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path[:0] = [str(TESTS), str(TESTS / "arxiv")]

from test_rss import big_feed  # noqa: E402

API_PAGE = TESTS / "fixtures" / "arxiv" / "api_atom_search_testing_100entries_2026.xml"
FEED_TARGET_S = 1.0
SUMMARY_TARGET_MS = 5.0


def timed(work: Callable[[], object], rounds: int) -> list[float]:
    """Seconds each of ``rounds`` runs of ``work`` took, after one warm-up run."""
    work()
    times: list[float] = []
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {args.rounds} rounds after a warm-up")

    feed = big_feed(MAX_FEED_RESULTS)
    entries = len(parse_listing(feed).entries)
    feed_times = timed(lambda: parse_listing(feed), args.rounds)
    best, median = min(feed_times), statistics.median(feed_times)
    print(
        f"(a) parse_listing, {entries} items ({len(feed) / 1e6:.1f} MB): "
        f"best {best:.3f} s, median {median:.3f} s (target < {FEED_TARGET_S:.1f} s)"
    )

    papers = parse_feed(API_PAGE.read_bytes()).papers

    def summarize_all() -> None:
        for paper in papers:
            summarize_extractive(paper, language="en")

    per_abstract = [1000 * t / len(papers) for t in timed(summarize_all, args.rounds)]
    best_ms, median_ms = min(per_abstract), statistics.median(per_abstract)
    print(
        f"(b) summarize_extractive, {len(papers)} abstracts: best {best_ms:.2f} ms, "
        f"median {median_ms:.2f} ms per abstract (target < {SUMMARY_TARGET_MS:.0f} ms)"
    )
    ok = median < FEED_TARGET_S and median_ms < SUMMARY_TARGET_MS
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
