"""Summary calls: the wall time of a day's summaries against an endpoint with a fixed latency.

    python bench/summarize.py [--jobs 30] [--concurrency 8] [--latency 1.0] [--rounds 1]

A local OpenAI-compatible server (tests/summarize/openai_server.py, a real HTTP server on
127.0.0.1) answers every chat completion after ``--latency`` seconds. ``--jobs`` summary
calls go through ChatClient (the openai SDK) and run_summaries with ``--concurrency``
calls in flight. Printed: wall time, calls the server received, the most it had in flight,
tokens. Target: wall <= 1.3 x ceil(jobs / concurrency) x latency (5.2 s for 30 jobs, 8 at a
time, 1 s each; the old tool took 4.6-6.6 s for 15).

A second run over the same papers, which the summary cache should answer without a call,
is measured when ``main(second=...)`` is given the function that runs it (see
:data:`SecondRun`); it passes with 0 calls.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arxiv_radar.store import Store
from arxiv_radar.summarize.llm import ChatClient, Completion
from arxiv_radar.summarize.runner import Job, RunResult, run_summaries

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "summarize"))

from openai_server import OpenAIServer  # noqa: E402

TARGET_FACTOR = 1.3


@dataclass(frozen=True)
class Figures:
    label: str
    wall: float
    calls: int  # chat requests the server received
    max_in_flight: int
    result: RunResult | None = None

    def show(self) -> None:
        line = f"{self.label}: wall {self.wall:.2f} s, {self.calls} calls to the endpoint"
        line += f", at most {self.max_in_flight} in flight"
        if self.result is not None:
            r = self.result
            line += (
                f", {r.succeeded} ok, {r.failures} failed, {r.skipped_by_budget} skipped"
                f", tokens {r.tokens_in} in / {r.tokens_out} out"
            )
        print(line)


def make_jobs(count: int) -> list[Job]:
    return [
        Job(
            id=f"2501.{i:05d}v1",
            messages=[
                {"role": "system", "content": "Summarize the paper in four sections."},
                {"role": "user", "content": f"Title: paper {i}\nAbstract: " + "words " * 200},
            ],
        )
        for i in range(count)
    ]


def first_run(server: OpenAIServer, jobs: list[Job], concurrency: int) -> Figures:
    """Every job is a call: the LLM client and the runner against the server."""

    async def scenario() -> RunResult:
        async with ChatClient(base_url=server.base_url, model="qwen-long", max_retries=0) as client:

            async def call(job: Job) -> Completion:
                return await client.complete(job.messages)

            return await run_summaries(jobs, call, concurrency=concurrency)

    server.reset()
    started = time.perf_counter()
    result = asyncio.run(scenario())
    wall = time.perf_counter() - started
    return Figures("first run", wall, len(server.chat_requests), server.max_in_flight, result)


SecondRun = Callable[[OpenAIServer, list[Job], Store], RunResult]
"""The same papers again through the summarize stage, with its cache in the store the first
pass filled; every summary should come from the cache, with no call to the endpoint."""


def second_run(
    server: OpenAIServer,
    jobs: list[Job],
    run: SecondRun | None = None,
    store: Store | None = None,
) -> Figures | None:
    """Measure ``run`` over ``jobs`` with ``store`` (a temporary SQLite store when None).

    Returns None (nothing measured) when no ``run`` is given.
    """
    if run is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        owned = store is None
        active = store if store is not None else Store.open(str(Path(folder) / "bench.db"))
        try:
            server.reset()
            started = time.perf_counter()
            result = run(server, jobs, active)
            wall = time.perf_counter() - started
        finally:
            if owned:
                active.close()
    return Figures("second run", wall, len(server.chat_requests), server.max_in_flight, result)


def warm_up(server: OpenAIServer) -> None:
    """One call, so the SDK's one-time start-up cost is not counted in the first run."""
    latency, server.latency = server.latency, 0.0
    first_run(server, make_jobs(1), 1)
    server.latency = latency


def main(
    argv: list[str] | None = None,
    *,
    second: SecondRun | None = None,
    store: Store | None = None,
) -> int:
    """Run the benchmark; ``second`` (with an optional ``store``) adds the cached re-run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    jobs = make_jobs(args.jobs)
    target = TARGET_FACTOR * math.ceil(args.jobs / args.concurrency) * args.latency
    print(
        f"python {sys.version.split()[0]}: {args.jobs} jobs, concurrency {args.concurrency}, "
        f"latency {args.latency:g} s; target wall <= {target:.2f} s"
    )
    ok = True
    with OpenAIServer(latency=args.latency) as server:
        warm_up(server)
        for _ in range(args.rounds):
            figures = first_run(server, jobs, args.concurrency)
            figures.show()
            ok = ok and figures.wall <= target and figures.calls == args.jobs
            ok = ok and figures.max_in_flight <= args.concurrency
            again = second_run(server, jobs, second, store)
            if again is None:
                print("second run: not measured (no second-run function given)")
            else:
                again.show()
                ok = ok and again.calls == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
