"""Ingest throughput and streaming memory of the arXiv parsers.

    python bench/ingest.py [--rounds 5] [--pages 100] [--part a|b|all]

(a) Parse + store: the recorded 1000-record OAI-PMH page (streamed in 64 KiB chunks) and the
    recorded 100-entry export API response, each written into a fresh temp-file SQLite store.
    Records per second over several rounds, best and median; target >= 5,000 records/s.
(b) Flat memory: harvest() over an in-process httpx.MockTransport serving the OAI page again
    and again (the resumption token rewritten so the pages chain, the last one empty), and
    the Python heap peak (tracemalloc) and resident memory after 1, 10 and 100 pages. Neither
    should grow with the number of pages.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from arxiv_radar.arxiv.atom import parse_feed
from arxiv_radar.arxiv.http import ArxivClient, RateGate
from arxiv_radar.arxiv.oai import CHUNK_SIZE, harvest, parse_list_records
from arxiv_radar.models import IngestCounts
from arxiv_radar.net import RetryPolicy
from arxiv_radar.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "arxiv"
OAI_PAGE = FIXTURES / "oai_arXiv_ListRecords_set_cs_first_page_with_resumptionToken_2016.xml"
API_PAGE = FIXTURES / "api_atom_search_testing_100entries_2026.xml"
TARGET = 5000.0
RECORDED_TOKEN = (
    b'<resumptionToken cursor="0" completeListSize="102133">1114880|1001</resumptionToken>'
)


def chunks(data: bytes, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def resident_mb() -> float | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return None


# -- (a) parse + store ----------------------------------------------------------------------


def time_rounds(label: str, rounds: int, run: Callable[[Store], int]) -> list[float]:
    """Records/s of ``run(store)`` over ``rounds`` fresh temp-file stores (opening not timed)."""
    rates = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            store = Store.open(str(Path(folder) / "bench.db"))  # created and migrated here
            try:
                gc.collect()
                started = time.perf_counter()
                count = run(store)
                rates.append(count / (time.perf_counter() - started))
            finally:
                store.close()
    best, median = max(rates), statistics.median(rates)
    verdict = "ok" if median >= TARGET else "BELOW TARGET"
    print(
        f"  {label:<44} best {best:>9,.0f}  median {median:>9,.0f} records/s  "
        f"({rounds} rounds, {verdict})"
    )
    return rates


def parse_only(label: str, rounds: int, parse: Callable[[], int]) -> None:
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        count = parse()
        rates.append(count / (time.perf_counter() - started))
    print(
        f"  {label:<44} best {max(rates):>9,.0f}  median {statistics.median(rates):>9,.0f} "
        f"records/s"
    )


def _stored(counts: IngestCounts) -> int:
    return counts.papers_inserted + counts.papers_updated + counts.papers_unchanged


def bench_store(rounds: int) -> bool:
    oai_data = OAI_PAGE.read_bytes()
    api_data = API_PAGE.read_bytes()

    def oai_into_store(store: Store) -> int:
        return _stored(store.upsert_papers(parse_list_records(chunks(oai_data))))

    def api_into_store(store: Store) -> int:
        return _stored(store.upsert_papers(parse_feed(api_data).papers))

    print("(a) parse + store into a fresh temp-file SQLite store")
    oai = time_rounds("OAI-PMH page, 1000 records, 64 KiB chunks", rounds, oai_into_store)
    api = time_rounds("export API page, 100 entries", rounds * 4, api_into_store)
    print("    parse only, for comparison:")
    parse_only("OAI-PMH page", rounds, lambda: sum(1 for _ in parse_list_records(chunks(oai_data))))
    parse_only("export API page", rounds * 4, lambda: len(parse_feed(api_data).papers))
    return statistics.median(oai) >= TARGET and statistics.median(api) >= TARGET


# -- (b) flat memory over many pages --------------------------------------------------------


class _PageStream(httpx.SyncByteStream):
    """A response body delivered in 64 KiB chunks, as a socket would (nothing held per page)."""

    def __init__(self, body: bytes, tail: bytes) -> None:
        self._body = body
        self._tail = tail

    def __iter__(self) -> Iterator[bytes]:
        yield from chunks(self._body)
        yield self._tail


def chained_pages(pages: int) -> Callable[[httpx.Request], httpx.Response]:
    """A MockTransport handler serving the recorded page ``pages`` times, tokens chained."""
    data = OAI_PAGE.read_bytes()
    if RECORDED_TOKEN not in data:
        raise SystemExit(f"{OAI_PAGE.name}: the recorded resumptionToken was not found")
    records, _, end = data.partition(RECORDED_TOKEN)
    size = pages * 1000

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("resumptionToken")
        number = int(token.split("|")[1]) if token else 1
        attributes = f'cursor="{(number - 1) * 1000}" completeListSize="{size}"'
        if number < pages:
            tail = f"<resumptionToken {attributes}>bench|{number + 1}</resumptionToken>"
        else:
            tail = f"<resumptionToken {attributes}/>"
        return httpx.Response(
            200,
            stream=_PageStream(records, tail.encode() + end),
            headers={"Content-Type": "text/xml"},
        )

    return handler


def bench_memory(pages: int) -> bool:
    checkpoints = sorted({1, min(10, pages), pages})
    page_bytes = OAI_PAGE.stat().st_size
    print(f"(b) harvest() of {pages} chained pages through httpx.MockTransport")
    client = ArxivClient(
        min_interval=0,
        transport=httpx.MockTransport(chained_pages(pages)),
        gate=RateGate(),
        retry=RetryPolicy(max_retries=0),
    )
    gc.collect()
    rss_start = resident_mb()
    tracemalloc.start()
    marks: dict[int, tuple[int, int, float | None]] = {}
    started = time.perf_counter()
    try:
        run = harvest(client, "http://oai.bench.invalid/oai", set_spec="cs")
        for _paper in run:
            if run.pages in checkpoints and run.pages not in marks:
                marks[run.pages] = (*tracemalloc.get_traced_memory(), resident_mb())
        marks[run.pages] = (*tracemalloc.get_traced_memory(), resident_mb())
    finally:
        tracemalloc.stop()
        client.close()
    elapsed = time.perf_counter() - started
    print(
        f"  {run.papers:,} records, {run.pages} pages of {page_bytes / 1e6:.2f} MB, "
        f"{client.requests_sent} requests, {elapsed:.1f} s (tracemalloc on)"
    )
    for number in checkpoints:
        current, peak, rss = marks[number]
        rss_text = "n/a" if rss is None or rss_start is None else f"+{rss - rss_start:.1f} MB"
        print(
            f"  after {number:>4} page(s): tracemalloc peak {peak / 1e6:5.2f} MB, "
            f"held {current / 1e6:5.2f} MB, resident {rss_text}"
        )
    first_peak, last_peak = marks[checkpoints[0]][1], marks[checkpoints[-1]][1]
    # What the heap may gain: bounded caches warming up (urllib's urlsplit keeps the last
    # 128 URLs, each page has a new one) -- a small fraction of one page, never per record.
    flat = last_peak - first_peak < page_bytes / 4 and last_peak < page_bytes / 3
    print(
        f"  peak {'flat' if flat else 'GROWS'}: +{(last_peak - first_peak) / 1e6:.2f} MB over "
        f"{checkpoints[-1] - checkpoints[0]} pages ({page_bytes * (pages - 1) / 1e6:.0f} MB parsed)"
    )
    return flat and run.papers == pages * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--part", choices=("a", "b", "all"), default="all")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, fixtures in {FIXTURES}")
    ok = True
    if args.part in ("a", "all"):
        ok = bench_store(args.rounds) and ok
    if args.part in ("b", "all"):
        ok = bench_memory(args.pages) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
