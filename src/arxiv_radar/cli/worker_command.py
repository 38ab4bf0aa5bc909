"""``arxiv-radar worker``: a Celery worker that makes the summaries runs send it."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer
from rich.markup import escape

from arxiv_radar.cli.common import ConfigOption, DbOption, DebugOption, load_context, out, state
from arxiv_radar.errors import UsageError, require_extra
from arxiv_radar.masking import mask_url_passwords

WORKER_MODULES = {"celery": "celery", "redis": "celery", "limits": "limits"}
"""What ``worker`` imports (module -> package): the ``workers`` extra, ``celery[redis]``
(the ``redis`` client comes with Celery's ``redis`` extra) and ``limits`` (the model calls'
shared rate limit)."""


def worker(
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            "-n",
            min=1,
            max=64,
            help="Tasks run at once by this worker (its processes).",
        ),
    ] = 2,
    queues: Annotated[
        str,
        typer.Option("--queues", "-Q", help="Queues to take work from, comma-separated."),
    ] = "arxiv-radar",
    config: ConfigOption = None,
    db: DbOption = None,
    debug: DebugOption = False,
) -> None:
    """Do the work that runs send through \\[workers] broker, until stopped (Ctrl-C).

    With \\[workers] broker = "redis://HOST:6379/0" in the configuration, arxiv-radar run
    fetches the day once, then sends the rest to the workers and waits for the results in
    the store: the day's papers to embed, the papers to summarize, and the profiles readers
    own to rank and to publish. Start workers on any machines that reach the broker, the
    store (a PostgreSQL URL for several machines) and the model, with the same
    configuration file: each process takes one task at a time and writes its result to the
    store, where nothing is made twice (a paper version is embedded once, a summary paid for
    once). A worker killed in the middle of a task leaves it to another (the broker gives it
    again). Needs the workers extra: pip install "arxiv-radar\\[workers]". See
    docs/workers.md.

    Examples:

      arxiv-radar worker

      arxiv-radar worker --concurrency 4 --db postgresql://radar@db/arxiv_radar
    """
    require_extra("workers", "arxiv-radar worker", WORKER_MODULES)
    ctx = load_context(config, db, debug)
    section = ctx.config.workers
    if section.broker is None:
        raise UsageError(
            '[workers] has no broker: add [workers] broker = "redis://HOST:6379/0" to the '
            "configuration (the same file the runs use)"
        )
    from arxiv_radar.store import Store
    from arxiv_radar.workers import tasks
    from arxiv_radar.workers.app import celery_app

    with Store.open(ctx.store_url, **ctx.store_options) as store:  # a wrong --db: exit 4 now
        where = store.url_for_display
    tasks.configure(ctx.config, ctx.store_url, os.environ)
    tasks.preload()
    # The worker's log: each task and its outcome, on stderr (secrets masked, as every log).
    logging.getLogger().setLevel(logging.DEBUG if state.debug else logging.INFO)
    out.print(
        f"arxiv-radar worker on [bold]{escape(mask_url_passwords(section.broker))}[/], queues "
        f"{escape(queues)}, {concurrency} at a time; store {escape(where)}"
    )
    app = celery_app(section)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--queues={queues}",
            f"--loglevel={'DEBUG' if state.debug else 'INFO'}",
            "--without-gossip",
            "--without-mingle",
            "--hostname=arxiv-radar@%h." + str(os.getpid()),
        ]
    )
