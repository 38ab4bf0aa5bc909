"""The summarize stage: the top papers of a day get a summary, each paid for at most once.

Long on purpose: cache lookup, calls, downloads and counting are one paid-once flow.

:func:`summarize_papers` takes the papers to summarize (the top of a ranking), looks each
one up in the store's summary cache under its :class:`~arxiv_radar.models.SummaryKey`
(paper version, provider and model, prompt hash, input mode, language), and makes calls
only for the papers it does not find. A cached failure is not a hit: a paper whose call
failed is tried again on the next run. ``force`` makes new calls for every paper; a forced
call that fails never replaces a summary that was good.

Each answer is parsed into its TL;DR and four sections (sanitized on the way) and stored:
``ok`` when everything is there, ``incomplete`` (kept, flagged, with the missing sections
named) when not, ``failed`` with the error when no answer came. Papers the budget left out
are reported as skipped and not stored, so the next run picks them up.

With provider ``extractive`` (the default without an API key) no call is made: the
summary is sentences chosen from the abstract, stored and labelled as extractive.

Input modes: ``abstract`` sends the title and abstract; ``fulltext`` the paper's text
read through the polite arXiv client (``text_source``); ``upload`` sends the PDF
(``pdf_source``) to the provider (DashScope), refers to it by ``fileid://`` in a system
message as the old tool did, and deletes it afterwards. Texts and PDFs are read one after
another, in the papers' order, while the model works on those already read: paper 1 is
summarized while paper 2 downloads (see :class:`_Downloads`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from arxiv_radar.config import SummaryConfig
from arxiv_radar.errors import ArxivHTTPError
from arxiv_radar.masking import mask_secrets
from arxiv_radar.models import Paper, Summary, SummaryKey, SummaryStatus
from arxiv_radar.store import Store
from arxiv_radar.summarize.extractive import extractive_hash, summarize_extractive
from arxiv_radar.summarize.limits import CallLimits, LocalLimits
from arxiv_radar.summarize.parsing import ParsedSummary, parse_summary
from arxiv_radar.summarize.prompting import PromptTemplate, load_prompt
from arxiv_radar.summarize.providers import ProviderSpec
from arxiv_radar.summarize.runner import Budget, Job, JobOutcome, Price, Spent, run_summaries

if TYPE_CHECKING:  # the model clients import the openai SDK: only when a model is called
    from arxiv_radar.summarize.clients import SummaryClient
    from arxiv_radar.summarize.llm import Completion

__all__ = [
    "PaperOutcome",
    "SummarizeReport",
    "summarize_papers",
    "summary_key",
]

Status = Literal["cached", "ok", "incomplete", "failed", "skipped"]
T = TypeVar("T")


class Uploader(Protocol):
    """A client that can also take files (DashScope's qwen-long)."""

    async def upload(self, content: bytes, filename: str, *, purpose: str = ...) -> str: ...

    async def delete_file(self, file_id: str) -> None: ...


@dataclass(frozen=True)
class PaperOutcome:
    """What became of one paper in this run."""

    arxiv_id: str
    version: int
    title: str
    status: Status
    error: str | None = None
    missing_sections: tuple[int, ...] = ()
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0


@dataclass
class SummarizeReport:
    """The stage's totals and every paper's outcome (``--json`` prints :meth:`as_dict`)."""

    provider: str
    model: str
    extractive: bool
    language: str
    input_mode: str
    outcomes: list[PaperOutcome] = field(default_factory=list)
    calls: int = 0
    attempts: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    currency: str | None = None
    budget_reason: str | None = None
    seconds: float = 0.0

    def _count(self, *statuses: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status in statuses)

    @property
    def papers(self) -> int:
        return len(self.outcomes)

    @property
    def cache_hits(self) -> int:
        return self._count("cached")

    @property
    def succeeded(self) -> int:
        return self._count("ok", "incomplete")

    @property
    def incomplete(self) -> int:
        return self._count("incomplete")

    @property
    def failures(self) -> int:
        return self._count("failed")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "extractive": self.extractive,
            "language": self.language,
            "input_mode": self.input_mode,
            "papers": self.papers,
            "calls": self.calls,
            "attempts": self.attempts,
            "cache_hits": self.cache_hits,
            "succeeded": self.succeeded,
            "incomplete": self.incomplete,
            "failures": self.failures,
            "skipped": self.skipped,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost": round(self.cost, 6),
            "currency": self.currency,
            "budget_reached": self.budget_reason,
            "seconds": round(self.seconds, 3),
            "items": [
                {
                    "arxiv_id": o.arxiv_id,
                    "version": o.version,
                    "title": o.title,
                    "status": o.status,
                    "error": o.error,
                    "missing_sections": list(o.missing_sections),
                    "tokens_in": o.tokens_in,
                    "tokens_out": o.tokens_out,
                    "cost": round(o.cost, 6),
                }
                for o in self.outcomes
            ],
        }


def summary_key(
    paper: Paper, spec: ProviderSpec, config: SummaryConfig, template: PromptTemplate | None
) -> SummaryKey:
    """The cache key of ``paper``'s summary by ``spec`` with ``template``'s prompts.

    Extractive summaries always read the abstract; their prompt hash is the extractive
    algorithm's version.
    """
    if template is None:
        return SummaryKey(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            provider=spec.cache_name,
            prompt_hash=extractive_hash(),
            input_mode="abstract",
            language=config.language,
        )
    return SummaryKey(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        provider=spec.cache_name,
        prompt_hash=template.hash,
        input_mode=template.input_mode,
        language=template.language,
    )


def summary_keys(
    papers: Sequence[Paper], spec: ProviderSpec, config: SummaryConfig
) -> dict[str, SummaryKey]:
    """The cache key of each paper's summary (by arXiv id) as :func:`summarize_papers` makes
    it with ``spec`` and ``config``'s prompt: what a dispatcher of summaries to workers waits
    for in the store."""
    template = (
        None
        if spec.name == "extractive"
        else load_prompt(
            language=config.language,
            prompt_file=config.prompt_file,
            input_mode=config.input_mode,
        )
    )
    return {paper.arxiv_id: summary_key(paper, spec, config, template) for paper in papers}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stored(key: SummaryKey, model: str, parsed: ParsedSummary, **extra: Any) -> Summary:
    return Summary(
        key=key,
        model=model,
        markdown=parsed.markdown,
        tldr=parsed.tldr,
        sections=parsed.sections,
        missing_sections=parsed.missing_sections,
        status=SummaryStatus.OK if parsed.complete else SummaryStatus.INCOMPLETE,
        created_at=_now(),
        **extra,
    )


def paper_outcome(paper: Paper, status: Status, summary: Summary | None = None) -> PaperOutcome:
    """What became of ``paper``: ``status`` and, from its stored ``summary``, the error,
    missing sections and what it cost (nothing, when it was ``cached``)."""
    return PaperOutcome(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        title=paper.title,
        status=status,
        error=summary.error if summary else None,
        missing_sections=summary.missing_sections if summary else (),
        tokens_in=summary.tokens_in if summary and status != "cached" else 0,
        tokens_out=summary.tokens_out if summary and status != "cached" else 0,
        cost=summary.cost if summary and status != "cached" else 0.0,
    )


ProgressFn = Callable[[PaperOutcome], None]
TextSource = Callable[[Paper], str]
PdfSource = Callable[[Paper], bytes]


def summarize_papers(
    papers: Sequence[Paper],
    *,
    store: Store,
    spec: ProviderSpec,
    config: SummaryConfig,
    client: Callable[[], SummaryClient] | None = None,
    force: bool = False,
    text_source: TextSource | None = None,
    pdf_source: PdfSource | None = None,
    on_progress: ProgressFn | None = None,
    spent: Spent | None = None,
    limits: CallLimits | None = None,
) -> SummarizeReport:
    """Summarize ``papers`` (in the order given) and store the results; see the module.

    ``client`` builds the model client inside the event loop the calls run in (not needed
    for the extractive provider); the stage closes it afterwards (``aclose`` when it has
    one). ``text_source`` gives the text the model reads for ``input_mode = "fulltext"``
    (default: the abstract); ``pdf_source`` the PDF bytes for ``upload``. Both are called in a
    worker thread, one paper after another in the papers' order (they go to arXiv, politely),
    each paper's call starting as soon as its input is read; a paper whose input cannot be
    read fails with the error and is tried again on the next run. ``spent``: what the run
    spent on other calls before (the LLM rerank), counted against ``[summaries.budget]``.
    ``limits``: the slots, rate and spending the calls go through, shared with other
    processes or not (:mod:`arxiv_radar.summarize.limits`); default: this call's own, from
    ``concurrency`` and ``rate_limit``.
    """
    started = time.monotonic()
    extractive = spec.name == "extractive"
    template = (
        None
        if extractive
        else load_prompt(
            language=config.language,
            prompt_file=config.prompt_file,
            input_mode=config.input_mode,
        )
    )
    report = SummarizeReport(
        provider=spec.cache_name,
        model=spec.model,
        extractive=extractive,
        language=config.language,
        input_mode="abstract" if template is None else template.input_mode,
    )
    keys = {paper.arxiv_id: summary_key(paper, spec, config, template) for paper in papers}
    cached = store.get_summaries(keys.values())
    outcomes: dict[str, PaperOutcome] = {}
    todo: list[Paper] = []

    def done(outcome: PaperOutcome) -> None:
        outcomes[outcome.arxiv_id] = outcome
        if on_progress is not None:
            on_progress(outcome)

    for paper in papers:
        hit = cached.get(keys[paper.arxiv_id])
        if hit is not None and hit.status != SummaryStatus.FAILED and not force:
            done(paper_outcome(paper, "cached", hit))
        else:
            todo.append(paper)

    if extractive:
        for paper in todo:
            parsed = summarize_extractive(paper, language=config.language)
            summary = _stored(keys[paper.arxiv_id], "extractive", parsed, extractive=True)
            store.save_summary(summary)
            done(paper_outcome(paper, summary.status.value, summary))
    elif todo:
        if client is None:
            raise ValueError(f"provider '{spec.name}' needs a client")
        assert template is not None
        own = limits is None
        call_limits = LocalLimits.from_config(config) if limits is None else limits
        try:
            result = asyncio.run(
                _call_model(
                    todo,
                    keys=keys,
                    cached=cached,
                    store=store,
                    client=client,
                    config=config,
                    template=template,
                    text_source=text_source,
                    pdf_source=pdf_source,
                    on_outcome=done,
                    secret=spec.api_key,
                    spent=spent,
                    limits=call_limits,
                )
            )
        finally:
            if own:
                call_limits.close()
        report.calls = result.calls
        report.attempts = result.attempts
        report.tokens_in = result.tokens_in
        report.tokens_out = result.tokens_out
        report.cost = result.cost
        report.currency = result.currency
        report.budget_reason = result.budget_reason
    report.outcomes = [outcomes[paper.arxiv_id] for paper in papers]
    report.seconds = time.monotonic() - started
    return report


class _Downloads:
    """Papers' texts or PDFs read through the polite arXiv client while the model works.

    Each summary call reads its paper's input first (:meth:`fetch`); the reads run one at a
    time, in the order the calls start, in a worker thread (the arXiv client blocks: its
    rate gate sleeps between requests), so the event loop goes on sending and receiving model
    calls meanwhile: paper 1 is summarized while paper 2 downloads. The client spaces the
    requests as it always does. A paper whose download fails (a 404, say) fails alone; when
    arXiv is out of reach or refusing (no answer, or 429 or 5xx after every retry), the papers
    after it fail with the same error, without a request.
    """

    def __init__(self) -> None:
        self._turn = asyncio.Lock()  # FIFO: downloads in the order the calls asked
        self._gone: ArxivHTTPError | None = None

    async def fetch(self, source: Callable[[Paper], T], paper: Paper) -> T:
        async with self._turn:
            if self._gone is not None:
                raise self._gone
            try:
                return await asyncio.to_thread(source, paper)
            except ArxivHTTPError as error:
                if error.status is None or error.status == 429 or error.status >= 500:
                    self._gone = error
                raise


async def _call_model(
    papers: Sequence[Paper],
    *,
    keys: Mapping[str, SummaryKey],
    cached: Mapping[SummaryKey, Summary],
    store: Store,
    client: Callable[[], SummaryClient],
    config: SummaryConfig,
    template: PromptTemplate,
    text_source: TextSource | None,
    pdf_source: PdfSource | None,
    on_outcome: ProgressFn,
    secret: str | None = None,
    spent: Spent | None = None,
    limits: CallLimits | None = None,
) -> Any:
    model = client()
    try:
        return await _run_jobs(
            papers,
            keys=keys,
            cached=cached,
            store=store,
            client=model,
            config=config,
            template=template,
            text_source=text_source,
            pdf_source=pdf_source,
            on_outcome=on_outcome,
            secret=secret,
            spent=spent,
            limits=limits,
        )
    finally:
        close = getattr(model, "aclose", None)
        if close is not None:
            await close()


async def _run_jobs(
    papers: Sequence[Paper],
    *,
    keys: Mapping[str, SummaryKey],
    cached: Mapping[SummaryKey, Summary],
    store: Store,
    client: SummaryClient,
    config: SummaryConfig,
    template: PromptTemplate,
    text_source: TextSource | None,
    pdf_source: PdfSource | None,
    on_outcome: ProgressFn,
    secret: str | None = None,
    spent: Spent | None = None,
    limits: CallLimits | None = None,
) -> Any:
    upload = template.input_mode == "upload"
    if upload and pdf_source is None:
        raise ValueError("input_mode 'upload' needs a pdf_source")
    reads_text = template.input_mode == "fulltext" and text_source is not None
    downloads = _Downloads()
    jobs = [
        Job(
            paper.arxiv_id,
            [] if reads_text else template.messages(paper, "" if upload else paper.abstract),
            paper,
        )
        for paper in papers
    ]

    async def call(job: Job) -> Completion:
        paper: Paper = job.payload
        messages = job.messages
        if reads_text:
            assert text_source is not None
            messages = template.messages(paper, await downloads.fetch(text_source, paper))
        if not upload:
            return await client.complete(
                messages, temperature=config.temperature, max_tokens=config.max_output_tokens
            )
        assert pdf_source is not None
        pdf = await downloads.fetch(pdf_source, paper)
        uploader: Uploader = client  # type: ignore[assignment]
        file_id = await uploader.upload(pdf, f"{paper.arxiv_id}v{paper.version}.pdf")
        try:
            system, *rest = messages
            messages = [system, {"role": "system", "content": f"fileid://{file_id}"}, *rest]
            return await client.complete(
                messages, temperature=config.temperature, max_tokens=config.max_output_tokens
            )
        finally:
            await uploader.delete_file(file_id)

    def record(outcome: JobOutcome) -> None:
        paper: Paper = outcome.job.payload
        key = keys[paper.arxiv_id]
        if outcome.completion is not None:
            text = outcome.completion.text
            if secret:  # an endpoint that echoes the key back never gets it stored or published
                text = mask_secrets(text, [secret])  # whole secrets only
            parsed = parse_summary(text, language=template.language)
            summary = _stored(
                key,
                outcome.completion.model or client.model,
                parsed,
                tokens_in=outcome.tokens_in,
                tokens_out=outcome.tokens_out,
                cost=outcome.cost,
            )
            store.save_summary(summary)
            on_outcome(paper_outcome(paper, summary.status.value, summary))
            return
        if outcome.status == "skipped":
            on_outcome(
                PaperOutcome(
                    paper.arxiv_id, paper.version, paper.title, "skipped", error=outcome.error
                )
            )
            return
        failed = Summary(
            key=key,
            model=client.model,
            status=SummaryStatus.FAILED,
            error=outcome.error,
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            cost=outcome.cost,
            created_at=_now(),
        )
        previous = cached.get(key)
        if previous is None or previous.status == SummaryStatus.FAILED:
            store.save_summary(failed)  # a forced retry never replaces a good summary
        on_outcome(paper_outcome(paper, "failed", failed))

    price_config = config.price_for(client.model)
    return await run_summaries(
        jobs,
        call,
        concurrency=config.concurrency,
        budget=Budget.from_config(config.budget),
        price=Price.from_config(price_config) if price_config else None,
        on_progress=record,
        spent=spent,
        limits=limits,
    )
