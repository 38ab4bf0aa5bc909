"""How long the command line takes to start and stop, as whole processes.

    python bench/cli_start.py [--repeat 7]

Runs ``arxiv-radar --version`` and ``arxiv-radar --help`` (the console script installed next
to this Python, or ``python -m arxiv_radar`` when there is none) ``--repeat`` times each,
after one warm-up run, and prints the median and the fastest wall time of the whole process
(interpreter start, imports, the command, interpreter exit) against the targets: 0.3 s for
``--version`` and 0.6 s for ``--help`` on two cores. ``python -c pass`` is timed too: the
interpreter's own floor, which no change to arxiv-radar can remove.

``--imports`` also prints the ten slowest imports of ``--version`` (``python -X importtime``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGETS = {"--version": 0.3, "--help": 0.6}


def command() -> list[str]:
    """The ``arxiv-radar`` console script of this Python, or ``python -m arxiv_radar``."""
    script = Path(sys.executable).parent / "arxiv-radar"
    if script.exists():
        return [str(script)]
    found = shutil.which("arxiv-radar")
    return [found] if found else [sys.executable, "-m", "arxiv_radar"]


def wall(argv: list[str]) -> float:
    env = {**os.environ, "COLUMNS": "100"}
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()}")
    return seconds


def timings(argv: list[str], repeat: int) -> list[float]:
    wall(argv)  # warm-up: the file system cache, .pyc files
    return [wall(argv) for _ in range(repeat)]


def slowest_imports(argv: list[str], count: int = 10) -> list[tuple[int, str]]:
    """The ``count`` imports with the largest cumulative time (microseconds), nested ones
    indented as ``-X importtime`` prints them."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(argv, capture_output=True, env=env, text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        rows.append((int(parts[1]), parts[2][1:]))
    return sorted(rows, reverse=True)[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--imports", action="store_true", help="show the slowest imports")
    args = parser.parse_args(argv)
    cli = command()
    print(f"command: {' '.join(cli)}; {os.cpu_count()} cores; {args.repeat} runs each")
    floor = timings([sys.executable, "-c", "pass"], args.repeat)
    print(f"python -c pass   median {statistics.median(floor):.3f} s, min {min(floor):.3f} s")
    ok = True
    for flag, target in TARGETS.items():
        figures = timings([*cli, flag], args.repeat)
        median = statistics.median(figures)
        verdict = "ok" if median <= target else "over"
        ok = ok and median <= target
        print(
            f"arxiv-radar {flag:<9} median {median:.3f} s, min {min(figures):.3f} s, "
            f"max {max(figures):.3f} s (target <= {target} s: {verdict})"
        )
    if args.imports:
        print("slowest imports of --version (cumulative microseconds):")
        for micros, name in slowest_imports([*cli, "--version"]):
            print(f"  {micros:>9}  {name}")
    print("PASS" if ok else "OVER TARGET")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
