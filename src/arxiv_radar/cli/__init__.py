"""The ``arxiv-radar`` command line.

This package is the only place that builds real collaborators (the HTTP client, the
store) from configuration, and the only one that prints. Library errors arrive as
:mod:`arxiv_radar.errors` exceptions and leave as one clear message and the documented
exit code (see ``docs/cli.md``); no traceback unless ``--debug``.
"""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Sequence
from typing import Annotated

import click
import typer
from rich.markup import escape

from arxiv_radar import __version__
from arxiv_radar.cli import (
    eval_command,
    feedback_command,
    ingest_commands,
    init_command,
    rank_command,
    run_commands,
    serve_command,
    summarize_command,
    users_command,
    worker_command,
)
from arxiv_radar.cli.common import (
    EXIT_CODES,
    RadarCommand,
    RadarGroup,
    err,
    out,
    reflow_help,
    reset_consoles,
    setup_logging,
    state,
)
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
        "Start with: arxiv-radar demo   (offline, on a demo day of real arXiv records)\n\n"
        "Every day: arxiv-radar run   (fetch, rank, summarize, publish)"
    ),
    epilog=EXIT_CODES,
    cls=RadarGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _command in (
    run_commands.run,
    run_commands.demo,
    ingest_commands.fetch,
    ingest_commands.backfill,
    ingest_commands.papers,
    rank_command.rank,
    eval_command.eval,
    feedback_command.feedback,
    feedback_command.feedback_token,
    summarize_command.summarize,
    ingest_commands.doctor,
    init_command.init,
    serve_command.serve,
    worker_command.worker,
):
    # Docstrings are hard-wrapped; their prose paragraphs reflow to the terminal's width.
    app.command(help=reflow_help(_command.__doc__), cls=RadarCommand)(_command)
app.add_typer(users_command.users_app)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Show the version.")] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show debug logs and full tracebacks on errors (for any command)."
        ),
    ] = False,
) -> None:
    """Watch arXiv for the papers you care about."""
    # Not an eager --version: an eager option ends the program before the rest of the
    # command line is read, so `--version true` was accepted. Here "true" is refused as
    # an unknown command before this runs.
    state.debug = debug  # every invocation starts afresh (tests run many in one process)
    if debug:
        setup_logging(True)
    if version:
        out.print(f"arxiv-radar {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        ctx.fail("Missing command.")


def _click_errors() -> tuple[type[Exception], ...]:
    """Click's usage errors: from the click package, and from the copy typer bundles since
    0.29 (a missing option value raises the latter)."""
    bundled = getattr(getattr(typer, "core", None), "_click", None)
    classes = {click.ClickException, getattr(bundled, "ClickException", click.ClickException)}
    return tuple(classes)


def main() -> None:
    """Console-script entry point: run the app, turn errors into messages and exit codes."""
    # A command keeps most of what it allocates (modules, the day's papers) to the end: collect
    # garbage less often than every 700 allocations (0.1 s less per run), and skip the
    # interpreter's last collection of everything at exit (0.3-0.5 s; atexit handlers, such
    # as logging's flush, still run). See docs/performance.md.
    gc.set_threshold(20_000, 10, 10)
    atexit.register(gc.freeze)
    if sys.argv[1:] == ["--version"]:  # answered before typer parses (its parser loads pydantic)
        out.print(f"arxiv-radar {__version__}")
        sys.exit(0)
    sys.exit(run(sys.argv[1:]))


def run(args: Sequence[str]) -> int:
    """``arxiv-radar ARGS``: run the app and return its exit code, every error turned into
    one message on stderr and its documented code (a traceback only with ``--debug``, where
    an unexpected error is raised again). :func:`main` calls it, and so do the tests that run
    commands in process, so both give the same messages and codes."""
    state.debug = False
    reset_consoles()
    try:
        code = app(args=list(args), prog_name="arxiv-radar", standalone_mode=False)
    except ArxivRadarError as error:
        if state.debug:
            err.print_exception()
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        return error.exit_code
    except typer.Exit as done:
        return done.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        return 130
    except _click_errors() as error:
        from arxiv_radar.config import plain_message

        # typer checks values with pydantic: "Value error, 'x' is not one of ..." loses its prefix
        error.message = plain_message(error.message)  # type: ignore[attr-defined]
        error.show()  # type: ignore[attr-defined]
        return error.exit_code  # type: ignore[attr-defined,no-any-return]
    except Exception as error:  # anything unexpected: one line, the traceback on --debug
        if state.debug:
            raise
        err.print(
            f"[bold red]unexpected error:[/] {type(error).__name__}: {escape(str(error))}\n"
            "Run again with --debug for the full traceback, and report it if it persists."
        )
        return 1
    return code if isinstance(code, int) else 0
