"""The daily run end to end on the demo day, in one process.

    python bench/run.py [--top 15] [--concurrency 8] [--latency 1.0]

1. Summaries off: the demo day (207 papers) fetched through the local transport, stored in a
   new SQLite store, ranked, and published (README, feeds, site, exports). Target < 3 s.
2. Summaries on: the same with a local OpenAI-compatible server (tests/openai_server.py) that
   answers each call after ``--latency`` seconds, the top ``--top`` papers summarized
   ``--concurrency`` at a time. Target <= 1.3 x ceil(top / concurrency) x latency plus the
   summaries-off time (2.6 s + that for 15 papers, 8 at a time, 1 s each).

Each figure is the wall time of ``pipeline.run`` inside this process; imports and the
SDK's first-use set-up are excluded by one warm-up call before the measured run.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

from arxiv_radar import pipeline
from arxiv_radar.arxiv.http import ArxivClient, RateGate
from arxiv_radar.config import Config, SummaryConfig
from arxiv_radar.demo import DEMO_NOW, demo_transport
from arxiv_radar.models import RunReport
from arxiv_radar.store import Store
from arxiv_radar.summarize.llm import ChatClient
from arxiv_radar.summarize.service import summarize_configured

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from openai_server import OpenAIServer, Reply  # noqa: E402

ANSWER = (
    "TL;DR: One line.\n\n## 1. Contributions\nA.\n\n## 2. Method\nB.\n\n"
    "## 3. Results\nC 12%.\n\n## 4. Conclusions\nD.\n"
)


def one_run(config: Config, folder: Path, *, summaries: bool) -> tuple[float, RunReport]:
    with Store.open(str(folder / "radar.db")) as store:
        # Each run stands for its own process: its own rate gate (the shared one would make
        # the second run wait out arXiv's 3 s since the first run's request).
        client = ArxivClient(
            min_interval=0, transport=demo_transport(), cache=store, gate=RateGate()
        )
        options = pipeline.RunOptions(output=folder / "out", catch_up=False, now=DEMO_NOW)

        def summarize(papers):  # type: ignore[no-untyped-def]
            return summarize_configured(papers, config=config, store=store, env={})

        began = time.perf_counter()
        report = pipeline.run(
            config, store, client, options, summarize=summarize if summaries else None
        )
        wall = time.perf_counter() - began
        client.close()
    return wall, report


def warm_up(base_url: str) -> None:
    """One call before the measured run, so that what the SDK and its HTTP stack import on
    first use (the async backends) is not counted: the figures are the pipeline's."""

    async def call() -> None:
        async with ChatClient(base_url=base_url, model="bench") as client:
            await client.complete([{"role": "user", "content": "warm up"}])

    asyncio.run(call())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=1.0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        off, report = one_run(Config(), Path(folder), summaries=False)
    print(
        f"summaries off: {off:.2f} s for {report.papers_announced} papers "
        f"({report.papers_shown} published; target < 3 s)"
    )

    with OpenAIServer(latency=args.latency, models=("bench",)) as server:
        server.respond(lambda request: Reply(text=ANSWER))
        config = Config(
            summaries=SummaryConfig(
                provider="openai-compatible",
                base_url=server.base_url,
                model="bench",
                max_papers=args.top,
                concurrency=args.concurrency,
            )
        )
        warm_up(server.base_url)
        with tempfile.TemporaryDirectory() as folder:
            on, report = one_run(config, Path(folder), summaries=True)
        calls = len(server.chat_requests) - 1
    print("  stages:", ", ".join(f"{s.name} {s.seconds:.2f} s" for s in report.stages))
    target = 1.3 * math.ceil(args.top / args.concurrency) * args.latency + off
    print(
        f"summaries on: {on:.2f} s, {calls} calls ({report.summaries_made} summaries, "
        f"at most {server.max_in_flight} in flight; target <= {target:.2f} s)"
    )
    ok = off < 3 and on <= target and calls == args.top
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
