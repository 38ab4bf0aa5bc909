"""``arxiv-radar init``: scaffold a digest repository (configuration, workflow, Vercel files)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from arxiv_radar.cli.common import DebugOption, err, out, setup_logging
from arxiv_radar.scaffold import ScaffoldResult, scaffold

_COLOURS = {"created": "green", "overwritten": "yellow", "unchanged": "dim", "kept": "red"}


def print_result(result: ScaffoldResult) -> None:
    """What happened to each file, the warnings, and what to do next."""
    out.print(f"Digest repository in [bold]{escape(str(result.folder))}[/]:")
    table = Table(show_header=False, show_edge=False, box=None, pad_edge=False)
    table.add_column("action")
    table.add_column("file")
    table.add_column("purpose", overflow="fold")
    if not result.config_written:
        table.add_row("[cyan]followed[/]", escape(result.config_file), "your configuration, kept")
    for item in result.files:
        table.add_row(
            f"[{_COLOURS[item.action]}]{item.action}[/]", escape(item.path), escape(item.purpose)
        )
    out.print(table)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    if result.kept:
        names = ", ".join(item.path for item in result.kept)
        err.print(
            f"[yellow]kept {len(result.kept)} existing file(s) with other content:[/] "
            f"{escape(names)}. Run again with --force to replace them (the configuration "
            "is never replaced)."
        )
    out.print(
        "\n[bold]Next:[/]\n"
        f"  1. edit {escape(result.config_file)}: categories, keywords, summaries\n"
        "  2. try it:  arxiv-radar run --dry-run\n"
        "  3. push the folder to GitHub, add your LLM key as a repository secret, and start\n"
        "     the arxiv-radar workflow once from the Actions tab\n"
        "  Every step, with Vercel and Docker too: DEPLOY.md"
    )


def init(
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="Folder of the digest repository (created if missing). Default: here.",
            show_default=False,
        ),
    ] = Path("."),
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace existing files that differ from what init writes (never the "
            "configuration, which is always kept and followed).",
        ),
    ] = False,
    pin: Annotated[
        str | None,
        typer.Option(
            "--pin",
            metavar="VERSION",
            help="Install exactly this arxiv-radar release in GitHub Actions and on Vercel "
            "(requirements.txt). Default: the newest release.",
            show_default=False,
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Scaffold a digest repository: configuration, daily GitHub Actions workflow, Vercel files.

    Writes into DIR:

      arxiv-radar.toml                   the configuration, every key commented
      .github/workflows/arxiv-radar.yml  the daily run: cron from publish.schedule (default
                                         "30 6 * * 1-5", after arXiv's 05:00 UTC update) and a
                                         manual trigger; commits README.md, feeds/, site/,
                                         exports/, reports/ and the store arxiv-radar.db
      requirements.txt                   the arxiv-radar release to install (--pin)
      vercel.json, api/index.py          the feed server on Vercel, store opened read-only
      README.md, DEPLOY.md               GitHub Actions, Vercel and your own server or
                                         Docker, step by step
      .gitignore                         the store's transient files

    An existing arxiv-radar.toml (or the old tool's config.json) is kept and the other files
    follow it: after changing publish.schedule, run init --force to rewrite the workflow.
    Existing files are never replaced without --force; identical ones are left alone. A DIR
    that is a file, or a path in the way, stops init before anything is written (exit 2).

    Examples:

      arxiv-radar init my-digest

      arxiv-radar init --pin 0.1.0

      arxiv-radar init --force
    """
    setup_logging(debug)
    print_result(scaffold(directory, force=force, pin=pin))
