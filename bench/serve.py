"""The feed server under load: ``/rss`` of the demo day from a real uvicorn on 127.0.0.1.

    python bench/serve.py [--workers 1] [--connections 16] [--seconds 10] [--path /rss]

1. The demo day (34 papers, 20 in the digest, five extractive summaries) is run through the
   pipeline into a new SQLite store.
2. ``arxiv-radar serve --workers N`` starts on a free port (production settings: no access
   log, httptools and uvloop when installed) and ``/rss`` is requested once to warm the cache.
3. Load, twice: full responses (``Accept-Encoding: identity``, about 146 KB each) and
   conditional requests answered 304 (``If-None-Match`` with the current ETag). With
   Debian's ``wrk`` installed (``apt-get install -y wrk``) it generates the load; otherwise
   an asyncio httpx client in a second process does (the client is then the bottleneck:
   a few hundred requests/s, whatever the server can do).

Prints requests/s and p50/p99 latency of each. Target for full responses on a two-core
machine: >= 1,500 requests/s with p99 < 25 ms (at the default 16 connections).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from arxiv_radar.config import Config, SummaryConfig
from arxiv_radar.demo import DEMO_NOW, demo_transport
from arxiv_radar.scheduler import pipeline_runner

TARGET_RPS = 1500
TARGET_P99_MS = 25.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fill_store(folder: Path) -> Path:
    config = Config(summaries=SummaryConfig(provider="extractive"))
    db = folder / "radar.db"
    report = pipeline_runner(
        config,
        str(db),
        output=folder / "out",
        transport=demo_transport(),
        now=lambda: DEMO_NOW,
        catch_up=False,
    )()
    assert report.status == "ok", report
    return db


def start_server(
    db: Path, folder: Path, workers: int, *options: str
) -> tuple[subprocess.Popen[bytes], str]:
    """``arxiv-radar serve`` on a free port with ``options`` too; (process, base URL)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ARXIV_RADAR_")}
    command = [sys.executable, "-m", "arxiv_radar", "serve", "--port", str(port)]
    command += ["--db", str(db), "--workers", str(workers), *options]
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start within 30 s")


# -- wrk -----------------------------------------------------------------------------------


def run_wrk(
    url: str, headers: dict[str, str], connections: int, seconds: int, *options: str
) -> dict[str, float]:
    """wrk's requests/s, p50 and p99 (ms) and non-2xx/3xx answers; ``options`` go to wrk
    (``-s script.lua``)."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += options
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    found = {pct: _ms(value) for pct, value in re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": found["50"],
        "p99_ms": found["99"],
        "errors": float(errors[1]) if errors else 0.0,
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# -- httpx fallback (a second process) -------------------------------------------------------


async def _load(url: str, headers: dict[str, str], connections: int, seconds: float) -> str:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as client:
        end = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < end:
                began = time.perf_counter()
                response = await client.get(url)
                await response.aread()
                latencies.append(time.perf_counter() - began)
                errors += response.status_code >= 400

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return json.dumps(
        {
            "rps": len(latencies) / elapsed,
            "p50_ms": cuts[49] * 1000,
            "p99_ms": cuts[98] * 1000,
            "errors": errors,
        }
    )


def run_httpx(
    url: str, headers: dict[str, str], connections: int, seconds: int
) -> dict[str, float]:
    code = (
        "import asyncio, json, sys; from serve import _load; "
        "print(asyncio.run(_load(*json.loads(sys.argv[1]))))"
    )
    argument = json.dumps([url, headers, connections, seconds])
    result = subprocess.run(
        [sys.executable, "-c", code, argument],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


# -- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--path", default="/rss")
    parser.add_argument("--httpx", action="store_true", help="Use httpx even if wrk is there.")
    args = parser.parse_args()
    tool = "wrk" if shutil.which("wrk") and not args.httpx else "httpx"
    load = run_wrk if tool == "wrk" else run_httpx

    with tempfile.TemporaryDirectory(prefix="arxiv-radar-bench-serve-") as temporary:
        folder = Path(temporary)
        db = fill_store(folder)
        process, base = start_server(db, folder, args.workers)
        try:
            url = base + args.path
            warm = httpx.get(url, headers={"Accept-Encoding": "identity"})
            warm.raise_for_status()
            etag = warm.headers["etag"]
            print(
                f"{args.path}: {len(warm.content):,} bytes, ETag {etag}; uvicorn, "
                f"{args.workers} worker(s); load: {tool}, {args.connections} connections, "
                f"{args.seconds} s each; {os.cpu_count()} CPUs"
            )
            results = {}
            for label, headers in (
                ("full (200)", {"Accept-Encoding": "identity"}),
                ("not modified (304)", {"If-None-Match": etag}),
            ):
                figures = load(url, headers, args.connections, args.seconds)
                results[label] = figures
                print(
                    f"  {label:<20} {figures['rps']:>9,.0f} requests/s   "
                    f"p50 {figures['p50_ms']:6.2f} ms   p99 {figures['p99_ms']:6.2f} ms   "
                    f"errors {figures['errors']:.0f}"
                )
        finally:
            process.terminate()
            process.wait(timeout=15)
    if tool == "httpx":
        print("  (the Python client is the bottleneck here: install wrk for the server's figures)")
    full = results["full (200)"]
    met = full["rps"] >= TARGET_RPS and full["p99_ms"] < TARGET_P99_MS
    print(
        f"target (full responses): >= {TARGET_RPS:,} requests/s, p99 < {TARGET_P99_MS:g} ms: "
        f"{'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
