"""The summarize stage as configured: provider, model client and paper text from ``Config``.

:func:`summarize_configured` is what ``arxiv-radar summarize`` and the daily run call: it
resolves the provider from ``[summaries]`` and the environment, builds the model client
inside the stage's event loop, and, for the ``fulltext`` and ``upload`` input modes, reads
the papers' HTML or PDF through the polite arXiv client it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from arxiv_radar.config import Config
from arxiv_radar.models import Paper
from arxiv_radar.summarize.limits import CallLimits, call_limits
from arxiv_radar.summarize.providers import ProviderSpec, resolve_provider
from arxiv_radar.summarize.runner import Spent
from arxiv_radar.summarize.stage import PaperOutcome, SummarizeReport, summarize_papers

if TYPE_CHECKING:
    from arxiv_radar.arxiv.http import ArxivClient
    from arxiv_radar.store import Store
    from arxiv_radar.summarize.clients import SummaryClient

__all__ = ["needs_arxiv", "summarize_configured"]


def needs_arxiv(config: Config, spec: ProviderSpec) -> bool:
    """True when summaries read more than the stored abstract (full text or PDF)."""
    return spec.name != "extractive" and config.summaries.input_mode != "abstract"


def summarize_configured(
    papers: Sequence[Paper],
    *,
    config: Config,
    store: Store,
    env: Mapping[str, str],
    arxiv: ArxivClient | None = None,
    force: bool = False,
    on_progress: Callable[[PaperOutcome], None] | None = None,
    spent: Spent | None = None,
    limits: CallLimits | None = None,
) -> SummarizeReport:
    """Summarize ``papers`` the way ``config`` says (see :func:`summarize_papers`).

    ``arxiv`` is needed when :func:`needs_arxiv` is true; a ``ValueError`` otherwise.
    ``spent``: what the run spent before (the LLM rerank), counted against the budget.
    ``limits``: the slots, rate and spending the model calls go through; default:
    :func:`~arxiv_radar.summarize.limits.call_limits` of ``config`` without a scope (shared
    slots and rate through ``[workers] broker`` when there is one, this call's own spending),
    made unless the provider is extractive, and closed afterwards.
    """
    section = config.summaries
    spec = resolve_provider(section, env)
    text_source: Callable[[Paper], str] | None = None
    pdf_source: Callable[[Paper], bytes] | None = None
    if needs_arxiv(config, spec):
        if arxiv is None:
            raise ValueError(f"input_mode '{section.input_mode}' needs an arXiv client")
        from arxiv_radar.summarize.fulltext import fetch_fulltext
        from arxiv_radar.text.links import pdf_url

        client = arxiv
        urls = config.arxiv
        if section.input_mode == "fulltext":

            def text_source(paper: Paper) -> str:
                return fetch_fulltext(
                    client,
                    paper,
                    html_url=urls.html_url,
                    pdf_url=urls.pdf_url,
                    max_tokens=section.max_input_tokens,
                ).text

        else:

            def pdf_source(paper: Paper) -> bytes:
                return client.get(pdf_url(paper.arxiv_id, paper.version, base=urls.pdf_url)).content

    def build() -> SummaryClient:
        from arxiv_radar.summarize.clients import make_client  # imports the openai SDK

        return make_client(spec, section)

    own = limits is None and spec.name != "extractive"
    if own:
        limits = call_limits(config)
    try:
        return summarize_papers(
            papers,
            store=store,
            spec=spec,
            config=section,
            client=None if spec.name == "extractive" else build,
            force=force,
            text_source=text_source,
            pdf_source=pdf_source,
            on_progress=on_progress,
            spent=spent,
            limits=limits,
        )
    finally:
        if own and limits is not None:
            limits.close()
