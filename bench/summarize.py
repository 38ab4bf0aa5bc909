"""Summaries: a day's calls against an endpoint with a fixed latency, then the cached re-run.

    python bench/summarize.py [--papers 30] [--concurrency 8] [--latency 1.0]

A local OpenAI-compatible server (tests/openai_server.py, a real HTTP server on 127.0.0.1)
answers every chat completion after ``--latency`` seconds. ``--papers`` papers of the demo
day go through the summarize stage (the openai SDK, ``--concurrency`` calls in flight, each
answer parsed and stored in a SQLite store); then the same papers again, which the summary
cache answers without a call. Printed: wall time, calls the server received, the most it had
in flight. Targets: first run <= 1.3 x ceil(papers / concurrency) x latency (5.2 s for 30
papers, 8 at a time, 1 s each; the old tool took 4.6-6.6 s for 15), second run 0 calls in
under 1 s.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

from arxiv_radar.arxiv.rss import parse_listing
from arxiv_radar.config import SummaryConfig
from arxiv_radar.demo import demo_feed_bytes
from arxiv_radar.store import Store
from arxiv_radar.summarize.llm import ChatClient
from arxiv_radar.summarize.providers import ProviderSpec
from arxiv_radar.summarize.stage import summarize_papers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from openai_server import OpenAIServer, Reply  # noqa: E402

ANSWER = (
    "TL;DR: One line.\n\n## 1. Contributions\nA.\n\n## 2. Method\nB.\n\n"
    "## 3. Results\nC 12%.\n\n## 4. Conclusions\nD.\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=1.0)
    args = parser.parse_args(argv)
    listing = parse_listing(demo_feed_bytes())
    papers = [entry.paper for entry in listing.entries][: args.papers]
    config = SummaryConfig(
        provider="openai-compatible", model="bench", concurrency=args.concurrency, language="en"
    )
    target = 1.3 * math.ceil(len(papers) / args.concurrency) * args.latency
    with OpenAIServer(latency=args.latency, models=("bench",)) as server:
        server.respond(lambda request: Reply(text=ANSWER))
        spec = ProviderSpec("openai-compatible", server.base_url, "bench")
        with tempfile.TemporaryDirectory() as folder, Store.open(f"{folder}/b.db") as store:
            store.ingest(listing.entries)
            figures = []
            for label in ("first run", "second run (cached)"):
                sent = len(server.chat_requests)
                began = time.perf_counter()
                report = summarize_papers(
                    papers,
                    store=store,
                    spec=spec,
                    config=config,
                    client=lambda: ChatClient.from_spec(spec, config),
                )
                wall = time.perf_counter() - began
                calls = len(server.chat_requests) - sent
                figures.append((wall, calls))
                print(
                    f"{label}: {len(papers)} papers, wall {wall:.2f} s, {calls} calls, "
                    f"{report.cache_hits} cache hits, {report.succeeded} summarized, "
                    f"at most {server.max_in_flight} in flight"
                )
    (first, first_calls), (second, second_calls) = figures
    print(f"target: first run <= {target:.2f} s; second run 0 calls and < 1 s")
    ok = first <= target and first_calls == len(papers) and second_calls == 0 and second < 1
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
