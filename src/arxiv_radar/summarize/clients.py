"""One way to get the client a resolved provider's summaries come from.

:func:`make_client` returns a :class:`~arxiv_radar.summarize.llm.ChatClient` for an
OpenAI-compatible endpoint (every preset, ``openai-compatible``, and ``local`` with a llama.cpp
server at ``base_url``), or a :class:`~arxiv_radar.summarize.local.LocalClient` for ``local``
run in process. Both satisfy :class:`SummaryClient`, all the summarize stage relies on.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import httpx

from arxiv_radar.config import SummaryConfig
from arxiv_radar.summarize.llm import ChatClient, Completion
from arxiv_radar.summarize.local import LocalClient
from arxiv_radar.summarize.providers import ProviderSpec

__all__ = ["SummaryClient", "make_client"]


@runtime_checkable
class SummaryClient(Protocol):
    """Chat completions from one model: what the summarize stage calls."""

    model: str

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float = 0.3,
        max_tokens: int | None = None,
    ) -> Completion:
        """One chat completion of ``messages``; raises ``LLMError``."""
        ...

    async def aclose(self) -> None:
        """Release what the client holds (connections, a loaded model)."""
        ...


def make_client(
    spec: ProviderSpec,
    config: SummaryConfig,
    *,
    http_client: httpx.AsyncClient | None = None,
) -> SummaryClient:
    """The client for ``spec``. ``http_client`` is used by endpoint clients only (the
    caller owns and closes it). Loading a local model blocks while it loads.

    Raises :class:`~arxiv_radar.errors.ConfigError` for a local model that cannot be loaded
    (see :mod:`arxiv_radar.summarize.local`) and :class:`ValueError` for ``extractive``,
    which calls no model.
    """
    if spec.in_process:
        return LocalClient.from_spec(spec, config)
    if spec.base_url is None:
        raise ValueError(f"provider '{spec.name}' calls no model")
    return ChatClient.from_spec(spec, config, http_client=http_client)
