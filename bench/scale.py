"""arxiv-radar at scale: many readers on one server, and ranking for many profiles.

    python bench/scale.py readers [--readers 1000] [--connections 16] [--seconds 10]
    python bench/scale.py ranking [--profiles 1000]
    python bench/scale.py workers [--workers 1,2,4] [--latency 1.0]
    python bench/scale.py embedding [--workers 1,2] [--papers 600]

``readers``:

1. The demo day (34 papers) is run through the pipeline into a new SQLite store; a
   configuration gets ``--readers`` profiles (one keyword each, from a list of ten), each day
   is ranked for every profile, and ``arxiv-radar users add`` (the store method it calls)
   makes one reader per profile.
2. ``arxiv-radar serve`` (one process, production settings) starts on a free port with
   ``--rate-limit 1000000/hour``: the load below asks each token for its feed many times a
   second, where a feed reader asks every few minutes, so the default limit (120/minute)
   would answer most of it with 429.
3. Every reader's ``/u/<feed token>/rss`` is requested once (rendered and cached), then
   loaded with wrk (a Lua script going round all the readers' URLs; without wrk, an asyncio
   httpx client in a second process, which is then the bottleneck), full responses
   (``Accept-Encoding: identity``) and gzip.

Prints requests/s, p50 and p99. Target on two cores: >= 4,000 requests/s with p99 < 10 ms, as
the single-reader ``/rss`` (bench/serve.py).

``ranking``: bench/semantic.py's ranking (2,000 papers from stored vectors, three interests per
profile) for ``--profiles`` profiles, in semantic and hybrid mode, with the wall time.

``workers``: the demo day's 34 papers summarized through ``[workers]`` (the run's
dispatcher, :func:`arxiv_radar.summarize.remote.remote_summarizer`) by 1, 2 and 4
``arxiv-radar worker`` processes (``--concurrency 1`` each) on a new redis-server, each
summary from a local OpenAI-compatible server answering after ``--latency`` seconds
(tests/openai_server.py); a new store each round. Prints summaries per second and the
speed-up over one worker. Target: 4 workers >= 3.2 x one.

``embedding``: ``--papers`` abstracts of the recorded arXiv listing (bench/semantic.py's
records) embedded in this process (``embed_papers``), then through ``[workers]`` (the run's
side, :meth:`arxiv_radar.fanout.RemoteFanout.embed`: 32 paper versions per task, the run
waiting until the store has every vector) by 1 and 2 ``arxiv-radar worker`` processes
(``--concurrency 1`` each, each pinned to a core of its own, as a machine of one core: the
model then runs one thread per worker) on a new redis-server; a new store each round, the
workers started before the clock (each loads the model on its first task, inside the time).
Prints abstracts per second and the speed-up of 2 workers over one. Embedding is CPU-bound:
workers on one machine share its cores, so more workers pay off on more machines (or cores).

It prints figures and never fails a build.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from arxiv_radar.config import load_config
from arxiv_radar.demo import DEMO_DAY
from arxiv_radar.rank.ranker import rank_day
from arxiv_radar.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import (  # noqa: E402  (a sibling script)
    fill_store,
    free_port,
    run_httpx,
    run_wrk,
    start_server,
)

TARGET_RPS = 4000
TARGET_P99_MS = 10.0
KEYWORDS = [
    "testing",
    "metamorphic",
    "GAN",
    "agent",
    "learning",
    "fuzzing",
    "generation",
    "deep learning",
    "large language models",
    "software",
]
LUA = """\
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
counter = math.random(#paths)
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
"""


def prepare(folder: Path, readers: int) -> tuple[Path, Path, list[str]]:
    """The demo store, a configuration of ``readers`` profiles ranked on the demo day, and
    each reader's feed path."""
    db = fill_store(folder)
    config_path = folder / "arxiv-radar.toml"
    lines = ['[summaries]\nprovider = "extractive"\n']
    for n in range(readers):
        lines.append(f'[profiles.r{n:04d}]\nkeywords = ["{KEYWORDS[n % len(KEYWORDS)]}"]\n')
    config_path.write_text("\n".join(lines), encoding="utf-8")
    config = load_config(config_path)
    paths = []
    began = time.perf_counter()
    with Store.open(str(db)) as store:
        for name, profile in config.profiles.items():
            rank_day(store, name, profile, day=DEMO_DAY)
            paths.append(f"/u/{store.add_reader(name, [name]).feed_token}/rss")
    print(f"{readers} profiles ranked and readers added in {time.perf_counter() - began:.1f} s")
    return db, config_path, paths


def wrk_round(
    url: str, paths_file: Path, headers: dict[str, str], connections: int, seconds: int
) -> dict[str, float]:
    """wrk going round the paths of ``paths_file`` (a Lua script beside it)."""
    script = paths_file.with_suffix(".lua")
    script.write_text(LUA % paths_file, encoding="utf-8")
    return run_wrk(url, headers, connections, seconds, "-s", str(script))


def readers_bench(args: argparse.Namespace) -> int:
    tool = "wrk" if shutil.which("wrk") and not args.httpx else "httpx"
    with tempfile.TemporaryDirectory(prefix="arxiv-radar-bench-scale-") as temporary:
        folder = Path(temporary)
        db, config, paths = prepare(folder, args.readers)
        process, base = start_server(
            db, folder, 1, "--config", str(config), "--rate-limit", "1000000/hour"
        )
        try:
            began = time.perf_counter()
            sizes = []
            with httpx.Client(base_url=base, headers={"Accept-Encoding": "identity"}) as client:
                for path in paths:
                    answer = client.get(path)
                    answer.raise_for_status()
                    sizes.append(len(answer.content))
            warm = time.perf_counter() - began
            print(
                f"{len(paths)} readers' feeds rendered once in {warm:.1f} s "
                f"({sum(sizes) / len(sizes) / 1000:.0f} KB each on average); load: {tool}, "
                f"{args.connections} connections, {args.seconds} s each; {os.cpu_count()} CPUs"
            )
            paths_file = folder / "paths.txt"
            shuffled = random.sample(paths, len(paths))
            paths_file.write_text("\n".join(shuffled) + "\n", encoding="utf-8")
            for label, headers in (
                ("full (200)", {"Accept-Encoding": "identity"}),
                ("gzip (200)", {"Accept-Encoding": "gzip"}),
            ):
                if tool == "wrk":
                    figures = wrk_round(base, paths_file, headers, args.connections, args.seconds)
                else:
                    figures = run_httpx(base + shuffled[0], headers, args.connections, args.seconds)
                print(
                    f"  {label:<12} {figures['rps']:>9,.0f} requests/s   "
                    f"p50 {figures['p50_ms']:6.2f} ms   p99 {figures['p99_ms']:6.2f} ms   "
                    f"errors {figures['errors']:.0f}"
                )
                met = figures["rps"] >= TARGET_RPS and figures["p99_ms"] < TARGET_P99_MS
                print(
                    f"  target >= {TARGET_RPS:,} requests/s, p99 < {TARGET_P99_MS:.0f} ms: "
                    f"{'met' if met else 'not met'}"
                )
        finally:
            process.terminate()
            process.wait(timeout=15)
    return 0


def ranking_bench(args: argparse.Namespace) -> int:
    from semantic import ranking, records

    began = time.perf_counter()
    ranking(records(), args.profiles, None)
    print(
        f"wall time, embedding the papers and interests included: "
        f"{time.perf_counter() - began:.1f} s"
    )
    return 0


def workers_bench(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from arxiv_radar.summarize.remote import remote_summarizer
    from arxiv_radar.summarize.runner import Spent

    from openai_server import OpenAIServer, Reply

    text = (
        "TL;DR: The paper in one line.\n\n## 1. Main contributions and innovations\nA.\n\n"
        "## 2. Method and experimental setup\nB.\n\n## 3. Key results\nC.\n\n"
        "## 4. Conclusions, limitations and future work\nD.\n"
    )
    counts = [int(n) for n in args.workers.split(",")]
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="arxiv-radar-bench-workers-") as temporary:
        folder = Path(temporary)
        demo_db = fill_store(folder)
        with OpenAIServer(latency=args.latency, models=("m",)) as llm:
            llm.respond(lambda request: Reply(text=text))
            for count in counts:
                round_folder = folder / f"round-{count}"
                round_folder.mkdir()
                db = round_folder / "radar.db"
                shutil.copy(demo_db, db)
                with redis(round_folder) as broker:
                    config_text = (
                        f'[summaries]\nprovider = "openai-compatible"\n'
                        f'base_url = "{llm.base_url}"\nmodel = "m"\nconcurrency = 16\n'
                        f'language = "en"\n\n[workers]\nbroker = "{broker}"\n'
                    )
                    config_path = round_folder / "arxiv-radar.toml"
                    config_path.write_text(config_text, encoding="utf-8")
                    config = load_config(config_path, env={})
                    with Store.open(str(db)) as store, workers(round_folder, db, count):
                        papers = [found.paper for found in store.papers_announced_on(DEMO_DAY)]
                        summarize = remote_summarizer(config, store, {})
                        began = time.perf_counter()
                        report = summarize(papers, Spent())
                        seconds = time.perf_counter() - began
                    assert report.succeeded == len(papers), report.as_dict()
                    rates[count] = len(papers) / seconds
                    print(
                        f"{count} worker(s): {len(papers)} summaries in {seconds:.1f} s, "
                        f"{rates[count]:.2f}/s, x{rates[count] / rates[counts[0]]:.2f}"
                    )
    if 4 in rates and 1 in rates:
        ratio = rates[4] / rates[1]
        print(
            f"4 workers / 1: x{ratio:.2f} (target >= 3.2): {'met' if ratio >= 3.2 else 'not met'}"
        )
    return 0


def embedding_bench(args: argparse.Namespace) -> int:
    from arxiv_radar.embed.model import load_embedder
    from arxiv_radar.embed.papers import embed_papers
    from arxiv_radar.fanout import RemoteFanout
    from arxiv_radar.rank.key import model_id
    from semantic import records

    papers = records()[: args.papers]
    counts = [int(n) for n in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="arxiv-radar-bench-embedding-") as temporary:
        folder = Path(temporary)
        with Store.open(str(folder / "in-process.db")) as store:
            store.upsert_papers(papers)
            began = time.perf_counter()
            embed_papers(store, load_embedder(), papers)
            seconds = time.perf_counter() - began
        print(
            f"in process, all cores: {len(papers)} abstracts in {seconds:.1f} s, "
            f"{len(papers) / seconds:.1f}/s"
        )
        rates: dict[int, float] = {}
        for count in counts:
            round_folder = folder / f"round-{count}"
            round_folder.mkdir()
            db = round_folder / "radar.db"
            with redis(round_folder) as broker:
                config_path = round_folder / "arxiv-radar.toml"
                config_path.write_text(f'[workers]\nbroker = "{broker}"\n', encoding="utf-8")
                config = load_config(config_path, env={})
                with Store.open(str(db)) as store, workers(round_folder, db, count, pin=True):
                    store.upsert_papers(papers)
                    began = time.perf_counter()
                    sent = RemoteFanout(config, store).embed(papers, model_id(None))
                    seconds = time.perf_counter() - began
                    assert not sent.missing, sent
                    assert len(
                        store.embedded(model_id(None), [(p.arxiv_id, p.version) for p in papers])
                    ) == len(papers)
            rates[count] = rate = len(papers) / seconds
            print(
                f"{count} worker(s), a core each: {len(papers)} abstracts in {sent.tasks} "
                f"tasks, {seconds:.1f} s, {rate:.1f}/s, x{rate / rates[counts[0]]:.2f}"
            )
    return 0


@contextmanager
def redis(folder: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def workers(folder: Path, db: Path, count: int, *, pin: bool = False) -> Iterator[None]:
    """``count`` workers; ``pin``: each on a core of its own (as one machine of one core)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ARXIV_RADAR_")}
    cores = sorted(os.sched_getaffinity(0))
    started = []
    for n in range(count):
        log = (folder / f"worker-{n}.log").open("wb")
        core = {cores[n % len(cores)]}
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "arxiv_radar", "worker", "--db", str(db)]
                + ["--concurrency", "1"],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=(lambda core=core: os.sched_setaffinity(0, core)) if pin else None,
            )
        )
        log.close()
    try:
        deadline = time.monotonic() + 60
        while sum("ready" in p.read_text() for p in folder.glob("worker-*.log")) < count:
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start within 60 s")
            time.sleep(0.1)
        yield
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parts = parser.add_subparsers(dest="part", required=True)
    readers = parts.add_parser("readers", help="/u/<token>/rss with many readers")
    readers.add_argument("--readers", type=int, default=1000)
    readers.add_argument("--connections", type=int, default=16)
    readers.add_argument("--seconds", type=int, default=10)
    readers.add_argument("--httpx", action="store_true", help="Use httpx even if wrk is there.")
    ranking = parts.add_parser("ranking", help="ranking 2,000 papers for many profiles")
    ranking.add_argument("--profiles", type=int, default=1000)
    workers_part = parts.add_parser("workers", help="summaries per second by 1, 2, 4 workers")
    workers_part.add_argument("--workers", default="1,2,4")
    workers_part.add_argument("--latency", type=float, default=1.0)
    embedding = parts.add_parser("embedding", help="abstracts embedded by 1 and 2 workers")
    embedding.add_argument("--workers", default="1,2")
    embedding.add_argument("--papers", type=int, default=600)
    args = parser.parse_args()
    run = {
        "readers": readers_bench,
        "ranking": ranking_bench,
        "workers": workers_bench,
        "embedding": embedding_bench,
    }
    return run[args.part](args)


if __name__ == "__main__":
    raise SystemExit(main())
