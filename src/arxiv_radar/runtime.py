"""The runtime: builds a run's collaborators from a :class:`Config` and runs the pipeline.

What ``arxiv-radar run`` and ``demo``, the built-in scheduler and ``POST /admin/refresh``
all call (docs/architecture.md). From a configuration and a store URL it builds the polite
arXiv client, opens the store, builds the configured summarizer and notifier, and runs
:func:`arxiv_radar.pipeline.run`, returning its :class:`RunReport`.

Everything from outside is passed in: the environment (API keys are read from the mapping
given, never from ``os.environ``), the arXiv transport (the demo and tests replace arXiv),
the clock, and the progress callbacks (the CLI draws bars with them; the server and the
scheduler pass none). Nothing here prints or draws.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_radar.arxiv.gates import NO_SHARED_GATE, GateSource
from arxiv_radar.arxiv.http import ARXIV_RETRY, ArxivClient, HttpCache

if TYPE_CHECKING:  # the pipeline and the store are imported by run(): `fetch` needs neither
    import httpx

    from arxiv_radar import pipeline
    from arxiv_radar.config import ArxivConfig, Config, ProfileConfig
    from arxiv_radar.ingest import Progress as StageProgress
    from arxiv_radar.models import Digest, Paper, RunReport
    from arxiv_radar.publish.notify import NotifyResult
    from arxiv_radar.rank.rerank import Judge, NoJudge
    from arxiv_radar.store import Store
    from arxiv_radar.summarize.runner import Spent
    from arxiv_radar.summarize.stage import SummarizeReport

__all__ = [
    "Advance",
    "Progress",
    "Runner",
    "build_client",
    "build_judge",
    "build_notifier",
    "build_summarizer",
    "check_summaries",
    "run",
    "runner",
    "sync_zotero",
]

Advance = Callable[[object], None]
"""Called once per item done (with the item's outcome, which a display may ignore)."""


def _no_stage_progress(label: str, done: int, total: int | None) -> None:
    """No display."""


def _no_count(total: int) -> AbstractContextManager[Advance]:
    return nullcontext(lambda _item: None)


@dataclass(frozen=True)
class Progress:
    """How a run reports its progress; by default it reports nothing.

    ``stages``: the pipeline's ``(label, done, total)`` callback while it fetches and
    publishes. ``summaries``: given how many papers will be summarized, a context manager
    (entered around the summarizing) yielding a callback called once per paper done.
    """

    stages: StageProgress = _no_stage_progress
    summaries: Callable[[int], AbstractContextManager[Advance]] = _no_count


def build_client(
    section: ArxivConfig,
    cache: HttpCache | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> ArxivClient:
    """The polite arXiv client configured from ``[arxiv]``, its validators kept in ``cache``
    (the store), whose arXiv gate it also passes before each request, so that every process
    using the store keeps arXiv's interval among them all. With ``transport`` (the demo's
    day, a test's replay) it talks to that instead of arXiv, with no interval between
    requests."""
    if transport is not None:
        return ArxivClient(min_interval=0, transport=transport, cache=cache)
    return ArxivClient(
        min_interval=section.min_interval,
        timeout=section.timeout,
        retry=dataclasses.replace(ARXIV_RETRY, max_retries=section.max_retries),
        contact=section.contact,
        cache=cache,
        shared=cache.arxiv_gate() if isinstance(cache, GateSource) else NO_SHARED_GATE,
    )


def check_summaries(config: Config, env: Mapping[str, str]) -> None:
    """Raise :class:`~arxiv_radar.errors.ConfigError` (exit 2) when the configured summary
    provider cannot work with ``env`` (a missing API key, endpoint or model), so that a run
    stops before anything is fetched."""
    from arxiv_radar.summarize.providers import resolve_provider

    resolve_provider(config.summaries, env)


def build_summarizer(
    config: Config,
    store: Store,
    client: ArxivClient,
    env: Mapping[str, str],
    progress: Progress | None = None,
) -> pipeline.Summarizer:
    """The configured summarizer (``[summaries]``; API keys from ``env``), caching in
    ``store`` and reading full texts through ``client`` when its input mode needs them; with
    ``[workers] broker``, the workers make them (:mod:`arxiv_radar.summarize.remote`)."""
    from arxiv_radar.summarize.service import summarize_configured

    if config.workers.broker is not None:  # the workers make them ([workers], docs/workers.md)
        from arxiv_radar.summarize.remote import remote_summarizer

        return remote_summarizer(config, store, env)
    count = (progress or Progress()).summaries

    def summarize(papers: Sequence[Paper], spent: Spent) -> SummarizeReport:
        with count(len(papers)) as advance:
            return summarize_configured(
                papers,
                config=config,
                store=store,
                env=env,
                arxiv=client,
                on_progress=advance,
                spent=spent,
            )

    return summarize


def build_judge(config: Config, env: Mapping[str, str]) -> Judge | NoJudge | None:
    """The LLM that reranks the profiles' top papers (``[summaries]``, API keys from
    ``env``), or why there is none; None when no profile asks for a rerank. With
    ``[workers] broker`` its calls go through the limits shared through Redis."""
    if not any(profile.rerank for profile in config.profiles.values()):
        return None
    from arxiv_radar.rank.rerank import Judge, resolve_judge
    from arxiv_radar.summarize.limits import call_limits

    judge = resolve_judge(config.summaries, env)
    if isinstance(judge, Judge) and config.workers.broker is not None:
        # its calls share the slots and rate of every process's calls ([workers])
        judge = dataclasses.replace(judge, limits=lambda: call_limits(config))
    return judge


def build_notifier(config: Config) -> pipeline.Notifier | None:
    """The notifier of ``[publish] notify`` (None when nothing is configured)."""
    if not config.publish.notify:
        return None
    from arxiv_radar.publish.notify import digest_message, notify

    def send(digest: Digest) -> NotifyResult:
        title, body = digest_message(digest)
        return notify(config.publish.notify, title=title, body=body)

    return send


def sync_zotero(
    profile: ProfileConfig,
    *,
    folder: Path | None,
    env: Mapping[str, str],
    mode: str | None = None,
) -> tuple[str, ...]:
    """Bring the kept copy of the profile's Zotero library (its ``zotero`` setting) up to
    date when it ranks by meaning (``mode``, default the profile's, is ``semantic`` or
    ``hybrid``), with the API key from ``env`` (the variable ``zotero_key_env`` names; unset:
    a public library). The copy is kept in ``folder`` (the configuration file's). Returns the
    warnings (Zotero unreachable: the kept copy is used); raises
    :class:`~arxiv_radar.errors.ZoteroError` when the library cannot be read at all."""
    if not profile.zotero or (mode or profile.mode) not in ("semantic", "hybrid"):
        return ()
    from arxiv_radar.zotero import sync_library

    key = env.get(profile.zotero_key_env, "").strip() or None
    synced = sync_library(profile.zotero, folder, key=key, key_env=profile.zotero_key_env)
    return synced.warnings


def run(
    config: Config,
    store_url: str,
    options: pipeline.RunOptions,
    *,
    env: Mapping[str, str],
    summaries: bool = True,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], dt.datetime | None] | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """One pipeline run on the store at ``store_url``, with everything built from ``config``.

    ``env``: the environment the summary provider's and Zotero's API keys are read from
    (the profile's Zotero library is brought up to date in the fetch stage). ``summaries``:
    False publishes without summaries (as ``run --no-summaries``). ``transport``: replaces
    arXiv (see :func:`build_client`). ``clock``: the pipeline's time, asked once for this
    run when ``options.now`` is unset (None: the real time). ``progress``: callbacks for a
    display. A summary provider that cannot work stops the run before anything is fetched.
    A profile's reader's changes made through the server (``Store.profile_edits``) are laid
    over its settings.
    """
    from arxiv_radar import pipeline
    from arxiv_radar.store import Store

    progress = progress or Progress()
    if clock is not None and options.now is None:
        options = dataclasses.replace(options, now=clock())
    wanted = summaries and config.summaries.enabled
    if wanted and not options.dry_run:
        check_summaries(config, env)
    with Store.open(store_url, **config.store.engine_options()) as store:
        config = config.with_edits(store.profile_edits())  # readers' own settings (server API)
        client = build_client(config.arxiv, store, transport=transport)
        try:
            return pipeline.run(
                config,
                store,
                client,
                options,
                summarize=build_summarizer(config, store, client, env, progress)
                if wanted
                else None,
                notify=build_notifier(config),
                progress=progress.stages,
                library=lambda profile: sync_zotero(profile, folder=config.folder, env=env),
                judge=build_judge(config, env),
                fanout=build_fanout(config, store),
            )
        finally:
            client.close()


def build_fanout(config: Config, store: Store) -> pipeline.Fanout | None:
    """The workers that embed, rank and publish for a run (``[workers] broker``; None: the
    run does it all itself). See :mod:`arxiv_radar.fanout`."""
    if config.workers.broker is None:
        return None
    from arxiv_radar.fanout import RemoteFanout

    return RemoteFanout(config, store)


Runner = Callable[[], "RunReport"]
"""One run of the pipeline, returning its report (raises on failure)."""


def runner(
    config: Config,
    store_url: str,
    *,
    env: Mapping[str, str],
    output: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], dt.datetime | None] | None = None,
    catch_up: bool = True,
) -> Runner:
    """The daily run as ``arxiv-radar run`` does it (same client, summaries, notifications),
    ready to be called again and again (by the scheduler, by ``POST /admin/refresh``).

    ``output`` defaults to ``publish.output``; ``transport`` replaces arXiv (the demo,
    tests); ``clock`` is asked for the pipeline's time at each run (None: the real time).
    """
    from arxiv_radar import pipeline

    folder = output if output is not None else Path(config.publish.output)

    def run_once() -> RunReport:
        options = pipeline.RunOptions(output=folder, catch_up=catch_up)
        return run(config, store_url, options, env=env, transport=transport, clock=clock)

    return run_once
