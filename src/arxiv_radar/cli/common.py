"""What every command shares: options, consoles, logging, building collaborators."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from arxiv_radar.arxiv.http import ArxivClient
from arxiv_radar.config import Config, load_config
from arxiv_radar.errors import UsageError
from arxiv_radar.store import Store

EXIT_CODES = (
    "Exit codes: 0 success, 1 unexpected error, 2 bad configuration or input, "
    "3 arXiv unreachable or answering errors, 4 store error, 5 LLM endpoint failed."
)

out = Console()
err = Console(stderr=True)

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


class _State:
    debug = False


state = _State()


_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)


def environment_secrets(env: Mapping[str, str]) -> list[str]:
    """Values of the environment's ``*_KEY``, ``*_TOKEN``, ``*_SECRET`` and ``*_PASSWORD``
    variables (8 characters or more): what no log line may show."""
    return sorted(
        {value for name, value in env.items() if _SECRET_NAME.search(name) and len(value) >= 8},
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
        scrubbed = message
        for secret in self.secrets:
            scrubbed = scrubbed.replace(secret, "***")
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def setup_logging(debug: bool) -> None:
    state.debug = debug
    handler = RichHandler(console=err, show_path=debug, show_time=debug)
    handler.addFilter(SecretFilter(environment_secrets(os.environ)))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(message)s",
        handlers=[handler],
        force=True,
    )


def load_context(config_path: Path | None, db: str | None, debug: bool) -> Context:
    """Logging set up, configuration loaded, store URL chosen (``--db`` wins)."""
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


def build_client(ctx: Context, store: Store | None) -> ArxivClient:
    """The polite arXiv client, configured from ``[arxiv]``, validators kept in the store."""
    section = ctx.config.arxiv
    return ArxivClient(
        min_interval=section.min_interval,
        timeout=section.timeout,
        max_retries=section.max_retries,
        contact=section.contact,
        cache=store,
    )


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[str, int, int | None], None]]:
    """A rich progress bar driven by ``(label, done, total)`` callbacks (stderr, TTY only)."""
    with Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(description: str, done: int, total: int | None) -> None:
            bar.update(task, description=description, completed=done, total=total)

        yield update


@contextmanager
def count_bar(label: str, total: int) -> Iterator[Callable[[object], None]]:
    """A rich progress bar of ``total`` items; call what it yields once per item done
    (with anything: an outcome, say). stderr, TTY only."""
    with Progress(
        TextColumn(f"[bold blue]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda _item: bar.advance(task)
