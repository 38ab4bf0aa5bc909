"""What every command shares: options, consoles, logging, building collaborators."""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core
from rich.console import Console

from arxiv_radar.errors import UsageError
from arxiv_radar.masking import MIN_SECRET_LENGTH, mask_secrets

if TYPE_CHECKING:  # imported where used: every command starts without them (docs/performance.md)
    from rich.progress import Progress

    from arxiv_radar.config import Config

CHECK_FAILED = 6
"""Exit code of ``doctor`` when one of its checks fails (1 stays "unexpected error")."""

EXIT_CODES = (
    "Exit codes: 0 success, 1 unexpected error, 2 bad configuration or input, "
    "3 arXiv unreachable or answering errors, 4 store error, 5 LLM endpoint failed, "
    f"{CHECK_FAILED} a doctor check failed, 7 Zotero library unreadable, 8 workers' broker "
    "unreachable or no worker listening."
)

PIPE_WIDTH = 4096
"""Line width when output is not a terminal (a pipe, a file, a CI log): lines stay whole."""


def _console_settings(*, stderr: bool) -> dict[str, Any]:
    """Rich's wrapping at the terminal's width on a terminal; elsewhere whole lines (URLs and
    messages unbroken in CI logs), at ``$COLUMNS`` only for tables when it is set."""
    if Console(stderr=stderr).is_terminal:
        return {"stderr": stderr}
    width = None if os.environ.get("COLUMNS", "").strip() else PIPE_WIDTH
    return {"stderr": stderr, "soft_wrap": True, "width": width}


out = Console(**_console_settings(stderr=False))
err = Console(**_console_settings(stderr=True))


def reset_consoles() -> None:
    """Set :data:`out` and :data:`err` up afresh, in place, for this invocation's streams and
    environment: a Rich console reads ``$COLUMNS`` and whether it writes to a terminal when
    it is made, and one process may run several invocations (the in-process tests do)."""
    for console, stderr in ((out, False), (err, True)):
        Console.__init__(console, **_console_settings(stderr=stderr))


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Configuration file (arxiv-radar.toml, or the old tool's config.json). "
        "Default: ./arxiv-radar.toml, then ./config.json, then built-in defaults.",
        show_default=False,
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store: a SQLite file path or any SQLAlchemy URL "
        "(postgresql+psycopg://user:pass@host/db). Default: ./arxiv-radar.db.",
        show_default=False,
    ),
]
DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show debug logs and full tracebacks on errors.")
]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date", "-d", help="Announcement date YYYY-MM-DD (the date of arXiv's listing feed)."
    ),
]


@dataclass
class Context:
    config: Config
    store_url: str

    @property
    def store_options(self) -> dict[str, Any]:
        """``[store]``'s pool size and statement timeout, for ``Store.open``."""
        return self.config.store.engine_options()


class _State:
    debug = False


state = _State()


def reflow_help(doc: str | None) -> str | None:
    """A command's docstring as help that reflows to the terminal's width.

    The lines of a prose paragraph are joined into one (Rich wraps it where the terminal
    ends); a paragraph with an indented line (examples, a table of files) is kept exactly
    as written.
    """
    if not doc:
        return doc
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(
        paragraph
        if any(line[:1].isspace() for line in paragraph.splitlines())
        else " ".join(line.strip() for line in paragraph.splitlines())
        for paragraph in paragraphs
    )


def _flags_without_placeholder(params: list[Any]) -> list[Any]:
    """A flag takes no value, so its help shows none: the click that typer bundles since
    0.29 prints ``<bool>`` after every flag unless the option has a metavar of its own."""
    for param in params:
        if getattr(param, "is_flag", False) and getattr(param, "metavar", None) is None:
            param.metavar = ""
    return params


class RadarCommand(typer.core.TyperCommand):
    """A command whose flags (``--json``, ``--debug``, ``--help``) show no value placeholder."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _flags_without_placeholder(super().get_params(ctx))


class RadarGroup(typer.core.TyperGroup):
    """The root group, with flags shown as in :class:`RadarCommand`."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _flags_without_placeholder(super().get_params(ctx))


_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)


def environment_secrets(env: Mapping[str, str]) -> list[str]:
    """Values of the environment's ``*_KEY``, ``*_TOKEN``, ``*_SECRET`` and ``*_PASSWORD``
    variables (8 characters or more): what no log line may show."""
    return sorted(
        {
            value
            for name, value in env.items()
            if _SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH
        },
        key=len,
        reverse=True,
    )


class SecretFilter(logging.Filter):
    """Replaces every known secret in a log record's message with ``***`` (third-party
    libraries log request and response headers at debug level)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        scrubbed = mask_secrets(message, self.secrets)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


class _PlainHandler(logging.Handler):
    """One whole line per record on stderr, for output that is not a terminal (Rich's log
    handler wraps and pads every record to the console's width)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # logging must never raise; the stdlib handlers do the same
            self.handleError(record)


def setup_logging(debug: bool) -> None:
    """Logging for a command: debug logs and tracebacks when ``debug`` or when the root
    ``arxiv-radar --debug`` option set :attr:`state.debug` for this invocation."""
    debug = state.debug = debug or state.debug
    handler: logging.Handler
    if err.is_terminal:
        from rich.logging import RichHandler

        handler = RichHandler(console=err, show_path=debug, show_time=debug)
    else:
        handler = _PlainHandler()
        when = "%(asctime)s " if debug else ""
        where = " (%(name)s)" if debug else ""
        handler.setFormatter(logging.Formatter(f"{when}%(levelname)-8s %(message)s{where}"))
    handler.addFilter(SecretFilter(environment_secrets(os.environ)))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(message)s",
        handlers=[handler],
        force=True,
    )


def load_context(config_path: Path | None, db: str | None, debug: bool) -> Context:
    """Logging set up, configuration loaded, store URL chosen (``--db`` wins)."""
    from arxiv_radar.config import load_config

    setup_logging(debug)
    config = load_config(config_path)
    return Context(config=config, store_url=db or config.store.url)


def parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-04-27"
        ) from None


def _progress(label: str) -> Progress:
    """A transient rich progress display on stderr (drawn on a terminal only)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(f"[bold blue]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, int, int | None], None]]:
    """A rich progress bar driven by ``(label, done, total)`` callbacks (stderr, TTY only)."""
    with _progress("{task.description}") as bar:
        task = bar.add_task(label, total=None)

        def update(description: str, done: int, total: int | None) -> None:
            bar.update(task, description=description, completed=done, total=total)

        yield update


@contextmanager
def count_bar(label: str, total: int) -> Iterator[Callable[[object], None]]:
    """A rich progress bar of ``total`` items; call what it yields once per item done
    (with anything: an outcome, say). stderr, TTY only."""
    with _progress(label) as bar:
        task = bar.add_task(label, total=total)
        yield lambda _item: bar.advance(task)
