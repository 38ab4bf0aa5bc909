"""``arxiv-radar init``: scaffold a digest repository (configuration, workflow, Vercel files)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from arxiv_radar.cli.common import DebugOption, err, out, setup_logging

if TYPE_CHECKING:  # imported where used: every command starts without it
    from arxiv_radar.scaffold import ScaffoldResult

_COLOURS = {
    "created": "green",
    "updated": "green",
    "overwritten": "yellow",
    "unchanged": "dim",
    "kept": "cyan",
}


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
        out.print("README.md is the digest of the last run, kept: the next run rewrites it.")
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
            help="Replace existing files that init did not write, or that were changed since "
            "(never the configuration, which is always kept and followed).",
        ),
    ] = False,
    pin: Annotated[
        str | None,
        typer.Option(
            "--pin",
            metavar="VERSION",
            help="Install this arxiv-radar release from the package index in GitHub Actions "
            "and on Vercel (requirements.txt). Default: the version running init.",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="SOURCE",
            help="Where GitHub Actions and Vercel install arxiv-radar from: 'pypi' (the "
            "package index, the default), a git URL such as "
            "git+https://github.com/OWNER/REPO@TAG, or a wheel, source archive or source "
            "folder (inside the repository, so that they can reach it). Default: 'pypi', or "
            "what an earlier init chose.",
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
      requirements.txt                   the arxiv-radar to install: this version from the
                                         package index (--pin, --source for another)
      vercel.json, api/index.py          the feed server on Vercel, store opened read-only
      README.md, DEPLOY.md               GitHub Actions, Vercel and your own server or
                                         Docker, step by step
      .gitignore                         the store's transient files
      .arxiv-radar-outputs.json          which files arxiv-radar wrote (init, then each run)

    An existing arxiv-radar.toml (or the old tool's config.json) is kept and the other files
    follow it: after changing publish.schedule, run init again to rewrite the workflow. A
    second init updates the files it wrote that nobody changed since and leaves the digest
    in README.md alone. A file init did not write (or one changed since) is replaced only
    with --force: without it init names the files and stops before writing anything (exit
    2), as it does when DIR is a file or a path is in the way.

    Examples:

      arxiv-radar init my-digest

      arxiv-radar init --pin 0.1.0

      arxiv-radar init --source git+https://github.com/OWNER/arxiv-radar@v0.1.0

      arxiv-radar init --force
    """
    from arxiv_radar.scaffold import scaffold

    setup_logging(debug)
    print_result(scaffold(directory, force=force, pin=pin, source=source))
