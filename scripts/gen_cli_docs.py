"""Write docs/cli.md from the commands' own --help (run with --check to verify it is current)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "cli.md"
COMMANDS = [
    "init",
    "fetch",
    "backfill",
    "papers",
    "rank",
    "eval",
    "feedback",
    "feedback-token",
    "summarize",
    "doctor",
    "serve",
    "worker",
    "users",
    "users add",
    "users list",
    "users token",
    "users grant",
    "users remove",
]

HEADER = """# Command-line reference

This page is generated from the commands' own `--help` by `python scripts/gen_cli_docs.py`;
a test fails when it falls out of date.

Exit codes (every command): 0 success, 1 unexpected error, 2 bad configuration or input,
3 arXiv unreachable or answering errors after every retry, 4 store error, 5 the LLM endpoint
failed (`summarize` when every call failed), 6 a check of `doctor` failed, 7 a profile's Zotero
library could not be read (refused, not found, or unreachable with no copy kept), 8 the broker
of `[workers]` could not be reached or no `arxiv-radar worker` listens on it.

`--debug` (debug logs, and the full traceback of an error) is accepted before the command
(`arxiv-radar --debug run`) as well as after it. When the output is not a terminal (a pipe, a
file, a CI log), lines are not wrapped: URLs and messages stay whole.
"""

JSON_SHAPES = """
## JSON output

`arxiv-radar papers --json` prints a JSON array, one paper per object, in listing order, and
`arxiv-radar rank --json` the ranking, best first, one ranked paper per object: the shapes of
a paper and a ranked paper are in [publishing.md](publishing.md#json-shapes), the same as in
`exports/digest.json` and the API. A paper from `papers --json` also lists its
`announcements`, oldest first:

```json
"announcements": [
  {"announced_on": "2026-04-27", "announce_type": "new", "version": 1, "feed": "rss"}
]
```

`feed` says which interface saw the announcement: `rss` (arXiv's own listing), `api`
(derived from an export API look-up) or `oai` (derived from an OAI-PMH harvest).
`published`/`updated` (ISO 8601, UTC) are known for papers read through the API or OAI-PMH.
In `rank --json`, each of a paper's `matches` names its `rule` as the profile writes it (a
keyword scores once: 1 x weight, plus 0.5 x weight when it is in the title), and
`explanation` gives the score's components. `rank --explain ID --json` prints one paper's
whole explanation, with `dropped` and `reason` when the profile's filters dropped it.

`arxiv-radar summarize --json` prints the run's totals and every paper's outcome:

```json
{
  "day": "2026-04-27",
  "profile": "default",
  "provider": "dashscope:qwen-long",
  "model": "qwen-long",
  "extractive": false,
  "language": "zh",
  "input_mode": "abstract",
  "papers": 5,
  "calls": 2,
  "attempts": 3,
  "cache_hits": 3,
  "succeeded": 2,
  "incomplete": 0,
  "failures": 0,
  "skipped": 0,
  "tokens_in": 1840,
  "tokens_out": 912,
  "cost": 0.002376,
  "currency": "CNY",
  "budget_reached": null,
  "seconds": 4.2,
  "items": [
    {"arxiv_id": "2604.21935", "version": 1, "title": "Math Takes Two: ...",
     "status": "ok", "error": null, "missing_sections": [],
     "tokens_in": 920, "tokens_out": 456, "cost": 0.001188}
  ]
}
```

`status` is `cached` (a stored summary was used: no call), `ok`, `incomplete` (kept, with the
`missing_sections` named), `failed` (kept with its `error`, tried again on the next run) or
`skipped` (the budget was reached before its call; not stored). `calls` counts papers whose
call was made, `attempts` every request including retries. `cost` is null-currency 0 when the
model has no price in `[summaries.prices]`.

`arxiv-radar eval --json` prints each profile in each mode, then the means per mode (numbers
shortened here):

```json
{
  "labels": "tests/fixtures/relevance/labels.jsonl",
  "day": null,
  "ks": [5, 10, 20],
  "modes": ["keywords", "legacy"],
  "results": [
    {"profile": "cs_CR", "mode": "keywords", "papers": 1000, "relevant": 47, "ranked": 35,
     "average_precision": 0.393,
     "at": [{"k": 5, "precision": 0.8, "recall": 0.085, "ndcg": 0.786}]}
  ],
  "means": [
    {"mode": "keywords", "profiles": 8, "mean_average_precision": 0.417,
     "at": [{"k": 5, "precision": 0.8, "recall": 0.084, "ndcg": 0.779}]}
  ],
  "excluded": []
}
```

The labels file is JSON Lines, one judgement per line, blank lines allowed:
`{"profile": "cs_CR", "arxiv_id": "0704.0002", "relevant": false}`; an id may be written in
any of arXiv's forms and is read without its version. A malformed line, an unknown key or a
paper labelled both ways for one profile stops the command (exit 2) naming the file and the
line. `papers` counts the candidates handed to the ranking (the profile's labelled papers, or
with `--date` the day's papers), `relevant` those labelled relevant, `ranked` those the mode
kept (its filters, `min_score` and `max_papers` apply; a dropped paper is not retrieved).
P@k divides the relevant papers among the first k by k, even when fewer were ranked; R@k
divides them by `relevant`; nDCG@k sums 1 / log2(i + 1) over the places i <= k that hold a
relevant paper and divides by the same sum over the places 1 .. min(k, `relevant`). A profile
with no relevant candidate has nulls, is named in `excluded` and is left out of `means`.
Papers with equal scores are ordered by arXiv id, never by the labels file. A labelled set of
eight readers and 1,000 real records ships with the repository:
`tests/fixtures/relevance/README.md`.
"""


STORED_DAYS = """
## Stored days, missing stores, no network

A day is **complete in the store** when every followed category's listing of that day was read
whole: from the listing feed by `run` or `fetch`, or through the export API by a finished
catch-up or `backfill --since`. `arxiv-radar run --date D` republishes a complete day from the
store without any request to arXiv; `run --date D --refresh` fetches it again. A day that lacks
a followed category is fetched. A date whose listing is not announced yet is refused at once by
`run --date` and `fetch --date` (exit 2). `rank --date D` on a listing day the store lacks says
`D is not in the store: fetch or backfill it` (exit 2).

Catch-up (`run` and `fetch` without `--no-catch-up`) fills only announcement days missed since
the store's first run, within `days_back`: a first run on a fresh store makes one request.

`papers` and `rank` never create a store: pointed at a SQLite file that does not exist they say
there is no store yet and what creates it (exit 2); `doctor` reports it without failing.

A host name that does not resolve, a refused connection or an unreachable network fails at the
first attempt with exit 3 and a message naming what failed (`cannot resolve rss.arxiv.org:
check your network or proxy`) and suggesting `arxiv-radar demo`, which works offline; `doctor`
fails its arXiv check the same way. Timeouts, 429 and 5xx are retried with backoff first.
"""


def help_text(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    result = subprocess.run(
        [sys.executable, "-m", "arxiv_radar", *args, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return "\n".join(line.rstrip() for line in result.stdout.strip().splitlines())


def render() -> str:
    parts = [HEADER, "## arxiv-radar\n", "```text", help_text(), "```\n"]
    for command in COMMANDS:
        parts += [f"## arxiv-radar {command}\n", "```text", help_text(*command.split()), "```\n"]
    return "\n".join(parts) + STORED_DAYS + JSON_SHAPES


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            sys.stderr.write("docs/cli.md is out of date: run python scripts/gen_cli_docs.py\n")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
