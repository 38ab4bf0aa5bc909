"""A process of its own that makes model calls through :class:`RedisLimits`, for
``test_limits.py`` (two of them show what the limits share; one killed, what a lease is for).

``python limits_child.py run SETTINGS``: prints ``ready``, waits for a line on stdin (so that
two processes start together), calls the model at ``base_url`` for ``jobs`` jobs with
``run_summaries`` (``local`` tasks of its own, within ``concurrency`` shared slots,
``rate_limit``, the budget ``max_tokens`` of ``scope``), then prints one JSON line: each job's
status and the wall-clock time each call started.

``python limits_child.py hold SETTINGS``: takes a slot (lease ``lease`` seconds), prints
``held`` and keeps it until killed.

SETTINGS is a JSON object; see :func:`limits`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import replace
from typing import Any

from arxiv_radar.summarize.limits import RedisLimits
from arxiv_radar.summarize.llm import LLM_RETRY, ChatClient, Completion
from arxiv_radar.summarize.runner import Budget, Job, run_summaries

ENDPOINT = "m@test"


def limits(settings: dict[str, Any]) -> RedisLimits:
    return RedisLimits(
        settings["redis"],
        concurrency=settings.get("concurrency", 1),
        endpoint=settings.get("endpoint", ENDPOINT),
        rate_limit=settings.get("rate_limit"),
        scope=settings.get("scope"),
        lease=settings.get("lease", 60.0),
    )


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def run(settings: dict[str, Any]) -> dict[str, Any]:
    shared = limits(settings)
    started: list[float] = []
    client = ChatClient(
        base_url=settings["base_url"], model="m", retry=replace(LLM_RETRY, max_retries=0)
    )
    jobs = [
        Job(f"{settings['name']}-{i}", [{"role": "user", "content": f"paper {i}"}])
        for i in range(settings["jobs"])
    ]

    async def call(job: Job) -> Completion:
        started.append(time.time())
        return await client.complete(job.messages)

    try:
        async with client:
            result = await run_summaries(
                jobs,
                call,
                concurrency=settings.get("local", 4),
                budget=Budget(max_tokens=settings.get("max_tokens")),
                limits=shared,
            )
    finally:
        shared.close()
    return {
        "statuses": [outcome.status.value for outcome in result.outcomes],
        "started": started,
        "budget_reason": result.budget_reason,
    }


async def hold(settings: dict[str, Any]) -> None:
    shared = limits(settings)
    async with shared.slot():
        say("held")
        await asyncio.sleep(3600)


def main() -> None:
    mode, settings = sys.argv[1], json.loads(sys.argv[2])
    if mode == "hold":
        asyncio.run(hold(settings))
        return
    say("ready")
    sys.stdin.readline()
    say(json.dumps(asyncio.run(run(settings))))


if __name__ == "__main__":
    main()
