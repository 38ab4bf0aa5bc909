"""The ``arxiv-radar`` command line.

This package is the only place that builds real collaborators (the HTTP client, the
store) from configuration, and the only one that prints. Library errors arrive as
:mod:`arxiv_radar.errors` exceptions and leave as one clear message and the documented
exit code (see ``docs/cli.md``); no traceback unless ``--debug``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import click
import typer
from rich.markup import escape

from arxiv_radar import __version__
from arxiv_radar.cli import (
    ingest_commands,
    init_command,
    rank_command,
    run_commands,
    serve_command,
    summarize_command,
)
from arxiv_radar.cli.common import EXIT_CODES, err, out, state
from arxiv_radar.errors import ArxivRadarError

app = typer.Typer(
    name="arxiv-radar",
    help=(
        "Watch arXiv for the papers you care about.\n\n"
        "Every announcement day arxiv-radar reads the new listings of the categories "
        "you follow (one polite request to rss.arxiv.org), keeps them in a local store, "
        "fills in missed days through the export API, ranks them against your "
        "interests with explained scores, summarizes the best (any OpenAI-compatible model, "
        "or offline) and publishes a Markdown digest, feeds and a static site.\n\n"
        "Start with: arxiv-radar demo   (offline, on a real announcement day)\n\n"
        "Every day: arxiv-radar run   (fetch, rank, summarize, publish)"
    ),
    epilog=EXIT_CODES,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command()(run_commands.run)
app.command()(run_commands.demo)
app.command()(ingest_commands.fetch)
app.command()(ingest_commands.backfill)
app.command()(ingest_commands.papers)
app.command()(rank_command.rank)
app.command()(summarize_command.summarize)
app.command()(ingest_commands.doctor)
app.command()(init_command.init)
app.command()(serve_command.serve)


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"arxiv-radar {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Watch arXiv for the papers you care about."""


def _click_errors() -> tuple[type[Exception], ...]:
    """Click's usage errors: from the click package, and from the copy typer bundles since
    0.29 (a missing option value raises the latter)."""
    bundled = getattr(getattr(typer, "core", None), "_click", None)
    classes = {click.ClickException, getattr(bundled, "ClickException", click.ClickException)}
    return tuple(classes)


def main() -> None:
    """Console-script entry point: run the app, turn errors into messages and exit codes."""
    try:
        code = app(prog_name="arxiv-radar", standalone_mode=False)
    except ArxivRadarError as error:
        if state.debug:
            err.print_exception()
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except _click_errors() as error:
        error.show()  # type: ignore[attr-defined]
        sys.exit(error.exit_code)  # type: ignore[attr-defined]
    except Exception as error:  # anything unexpected: one line, the traceback on --debug
        if state.debug:
            raise
        err.print(
            f"[bold red]unexpected error:[/] {type(error).__name__}: {escape(str(error))}\n"
            "Run again with --debug for the full traceback, and report it if it persists."
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
