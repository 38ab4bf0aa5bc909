"""Fuzzing campaigns: every parser of untrusted input, 10,000+ generated inputs each.

    python bench/fuzz.py [--examples 10000] [--targets rss,atom,oai,config] [--seed 0]

The targets and their inputs are the test suite's (``tests/security/fuzz_inputs.py``):
rss.arxiv.org listings (``parse_listing``), export API Atom feeds (``parse_feed``), OAI-PMH
``ListRecords`` pages streamed in chunks (``parse_list_records``) and configuration files
with ``ARXIV_RADAR_*`` overrides (``load_config``). Each runs ``--examples`` structured
inputs (documents of the right shape with fuzzed fields and structure, sometimes damaged
byte by byte) and as many raw ones (arbitrary bytes, recorded responses damaged).

Printed per target and kind: inputs, inputs/s (generating included), parsed/s (the
parser alone), how many parsed, how many raised the
documented error (ArxivParseError / ArxivAPIError, ConfigError), how many raised anything
else (must be 0: each is shown with its input and where it was raised), and the slowest
input. Exits 1 when any input raised an undocumented exception.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "security"))

from fuzz_inputs import TARGETS, Target  # noqa: E402


@dataclass
class Campaign:
    target: str
    kind: str
    inputs: int = 0
    parsed: int = 0
    expected: int = 0
    seconds: float = 0.0  # generating and parsing
    parse_seconds: float = 0.0
    slowest: float = 0.0
    failures: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def unexpected(self) -> int:
        return self.inputs - self.parsed - self.expected


def run(target: Target, kind: str, examples: int, random_seed: int) -> Campaign:
    campaign = Campaign(target.name, kind)
    strategy = target.structured if kind == "structured" else target.raw

    @seed(random_seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def fuzz(value: object) -> None:
        campaign.inputs += 1
        started = time.perf_counter()
        try:
            target.parse(value)
            campaign.parsed += 1
        except target.expected:
            campaign.expected += 1
        except Exception as error:  # the finding: keep the first input of each kind
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
            key = (type(error).__name__, where)
            campaign.failures.setdefault(key, f"{error!s:.200} <- {value!r:.300}")
        finally:
            spent = time.perf_counter() - started
            campaign.parse_seconds += spent
            campaign.slowest = max(campaign.slowest, spent)

    started = time.perf_counter()
    fuzz()
    campaign.seconds = time.perf_counter() - started
    return campaign


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per target and kind")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the parsers log every skipped item: not the point here
    names = [name.strip() for name in args.targets.split(",") if name.strip()]
    print(
        f"{'target':8} {'kind':10} {'inputs':>7} {'inputs/s':>9} {'parsed/s':>9} {'parsed':>7} "
        f"{'documented error':>16} {'unexpected':>10} {'slowest':>9}"
    )
    campaigns = []
    for name in names:
        for kind in ("structured", "raw"):
            campaign = run(TARGETS[name], kind, args.examples, args.seed)
            campaigns.append(campaign)
            rate = campaign.inputs / campaign.seconds if campaign.seconds else 0.0
            parse_rate = campaign.inputs / campaign.parse_seconds if campaign.parse_seconds else 0.0
            print(
                f"{name:8} {kind:10} {campaign.inputs:7d} {rate:9.0f} {parse_rate:9.0f} "
                f"{campaign.parsed:7d} "
                f"{campaign.expected:16d} {campaign.unexpected:10d} "
                f"{campaign.slowest * 1000:7.1f}ms",
                flush=True,
            )
            for (kind_name, where), example in campaign.failures.items():
                print(f"    {kind_name} at {where}: {example}")
    total = sum(c.inputs for c in campaigns)
    bad = sum(c.unexpected for c in campaigns)
    print(f"total: {total} inputs, {bad} undocumented exceptions")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
