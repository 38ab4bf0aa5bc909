"""Summaries from a GGUF model run in this process by llama.cpp (provider ``local``).

:class:`LocalClient` answers :meth:`LocalClient.complete` exactly as
:class:`~arxiv_radar.summarize.llm.ChatClient` does (a
:class:`~arxiv_radar.summarize.llm.Completion`, or :class:`~arxiv_radar.summarize.llm.LLMError`),
so the runner cannot tell them apart. It wraps one ``llama_cpp.Llama``: the blocking
``create_chat_completion`` runs in a worker thread (:func:`asyncio.to_thread`) and one call at
a time, since one llama.cpp context is not thread-safe. The lock is a :class:`threading.Lock`
taken inside the worker thread, so a cancelled caller cannot let a second call in while the
first is still generating. Tokens are those llama.cpp counted (its ``usage``).

llama-cpp-python is an optional extra (``pip install "arxiv-radar[local]"``), imported only
when a local client is built. Building one raises :class:`~arxiv_radar.errors.ConfigError`
when ``summaries.model_path`` is unset, missing, unreadable or not a model llama.cpp can load
(key ``summaries.model_path``), and when llama.cpp is not installed or cannot be loaded (key
``summaries.provider``, naming the install command).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from arxiv_radar.config import SummaryConfig
from arxiv_radar.errors import ConfigError
from arxiv_radar.summarize.llm import Completion, LLMError
from arxiv_radar.summarize.providers import ProviderSpec, local_spec

__all__ = ["CONTEXT_HEADROOM", "INSTALL_HINT", "LocalClient", "import_llama", "check_model_path"]

logger = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "arxiv-radar[local]"'
"""The command that installs llama.cpp for provider ``local``."""

CONTEXT_HEADROOM = 3072
"""Context tokens beyond ``summaries.max_input_tokens``: the prompt around the paper's text
and the answer."""

_MODEL_PATH_KEY = "summaries.model_path"


def check_model_path(model_path: str | os.PathLike[str] | None) -> Path:
    """``model_path`` (``~`` expanded) if it is a readable file, else a :class:`ConfigError`
    naming ``summaries.model_path``."""
    if model_path is None:
        raise ConfigError(
            "provider 'local' without base_url runs a GGUF model in process, and no model "
            "file is set",
            key=_MODEL_PATH_KEY,
            expected='model_path = "models/SmolLM2-135M-Instruct.gguf", or base_url = the URL '
            "of a llama.cpp server",
        )
    path = Path(model_path).expanduser()
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ConfigError(
            f"the model file {str(path)!r} {what}", key=_MODEL_PATH_KEY, expected="a GGUF file"
        )
    if not os.access(path, os.R_OK):
        raise ConfigError(
            f"the model file {str(path)!r} cannot be read (permission denied)",
            key=_MODEL_PATH_KEY,
            expected="a GGUF file this user can read",
        )
    return path


def import_llama() -> Any:
    """The ``llama_cpp.Llama`` class, imported now; a :class:`ConfigError` naming
    ``pip install "arxiv-radar[local]"`` when llama-cpp-python is not installed."""
    try:
        module = importlib.import_module("llama_cpp")
    except ImportError as error:
        raise ConfigError(
            f"provider 'local' runs llama.cpp in process, and llama-cpp-python is not "
            f"installed; install it with {INSTALL_HINT}, or set base_url to a llama.cpp "
            "server",
            key="summaries.provider",
        ) from error
    except (OSError, RuntimeError) as error:
        raise ConfigError(
            f"provider 'local': llama-cpp-python is installed but its library cannot be "
            f"loaded ({error}); reinstall it with {INSTALL_HINT}",
            key="summaries.provider",
        ) from error
    return module.Llama


class LocalClient:
    """Chat completions from one GGUF model loaded in this process.

    ``llama`` is a loaded ``llama_cpp.Llama`` (or anything with its
    ``create_chat_completion``); ``model`` the name reported in each :class:`Completion`.
    Build one from a file with :meth:`load` or :meth:`from_spec`. Use as ``async with`` or
    call :meth:`aclose`, which frees the model.
    """

    def __init__(self, llama: Any, *, model: str, model_path: str | None = None) -> None:
        self.model = model
        self.model_path = model_path
        self.requests_sent = 0
        self._llama = llama
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        model_path: str | os.PathLike[str],
        *,
        n_ctx: int,
        model: str | None = None,
        llama_class: Callable[..., Any] | None = None,
    ) -> LocalClient:
        """Load ``model_path`` with a context of ``n_ctx`` tokens (blocks while it loads).

        ``model`` defaults to the file's stem; ``llama_class`` to ``llama_cpp.Llama``,
        imported now. Raises :class:`ConfigError` (see the module docstring).
        """
        path = check_model_path(model_path)
        if llama_class is None:
            llama_class = import_llama()
        logger.info("loading %s with llama.cpp (context %d tokens)", path, n_ctx)
        try:
            llama = llama_class(model_path=str(path), n_ctx=n_ctx, verbose=False)
        except (ValueError, RuntimeError, OSError) as error:
            raise ConfigError(
                f"llama.cpp cannot load the model file {str(path)!r} ({error})",
                key=_MODEL_PATH_KEY,
                expected="a GGUF model file",
            ) from error
        return cls(llama, model=model or path.stem, model_path=str(path))

    @classmethod
    def from_spec(
        cls,
        spec: ProviderSpec,
        config: SummaryConfig,
        *,
        n_ctx: int | None = None,
        llama_class: Callable[..., Any] | None = None,
    ) -> LocalClient:
        """The client for a resolved in-process ``local`` provider. The context holds
        ``config.max_input_tokens`` plus :data:`CONTEXT_HEADROOM` unless ``n_ctx`` is given."""
        if not spec.in_process:
            raise ValueError(f"provider '{spec.name}' does not run a model in process")
        context = n_ctx if n_ctx is not None else config.max_input_tokens + CONTEXT_HEADROOM
        return cls.load(
            check_model_path(spec.model_path),
            n_ctx=context,
            model=spec.model,
            llama_class=llama_class,
        )

    @classmethod
    def from_config(
        cls,
        config: SummaryConfig,
        *,
        n_ctx: int | None = None,
        llama_class: Callable[..., Any] | None = None,
    ) -> LocalClient:
        """The client for ``config.model_path`` (provider ``local`` run in process, whatever
        ``provider`` and ``base_url`` say), as :meth:`from_spec` builds it."""
        return cls.from_spec(local_spec(config), config, n_ctx=n_ctx, llama_class=llama_class)

    def __repr__(self) -> str:
        return f"LocalClient(model={self.model!r}, model_path={self.model_path!r})"

    async def __aenter__(self) -> LocalClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Free the model (after a call still running in its thread has finished)."""
        await asyncio.to_thread(self._close)

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float = 0.3,
        max_tokens: int | None = None,
    ) -> Completion:
        """One chat completion of ``messages``. Raises :class:`LLMError`."""
        return await asyncio.to_thread(self._complete, messages, temperature, max_tokens)

    # -- internals, run in a worker thread ------------------------------------------------

    def _complete(
        self, messages: list[dict[str, str]], temperature: float, max_tokens: int | None
    ) -> Completion:
        with self._lock:
            if self._llama is None:
                raise LLMError(f"{self._where()}: the model was closed", model=self.model)
            self.requests_sent += 1
            try:
                response = self._llama.create_chat_completion(
                    messages=messages,
                    temperature=temperature,
                    max_tokens=max_tokens,
                    model=self.model,
                )
            except (ValueError, RuntimeError) as error:
                # ValueError: a prompt longer than the context; RuntimeError: decoding failed.
                raise LLMError(
                    f"{self._where()}: chat completion failed: {error}", model=self.model
                ) from error
        return self._read(response)

    def _read(self, response: Any) -> Completion:
        try:
            usage = response.get("usage") or {}
            tokens_in = int(usage.get("prompt_tokens") or 0)
            tokens_out = int(usage.get("completion_tokens") or 0)
            choice = response["choices"][0]
            text = choice["message"].get("content")
            finish_reason = choice.get("finish_reason")
        except (AttributeError, TypeError, IndexError, KeyError, ValueError) as error:
            raise LLMError(
                f"{self._where()}: llama.cpp answered with no chat completion "
                f"({type(error).__name__})",
                model=self.model,
            ) from error
        if not isinstance(text, str) or not text.strip():
            raise LLMError(
                f"{self._where()}: the model wrote nothing (finish_reason {finish_reason})",
                model=self.model,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
            )
        return Completion(
            text=text,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            model=self.model,
            finish_reason=str(finish_reason) if finish_reason is not None else None,
            usage_missing=not usage,
        )

    def _close(self) -> None:
        with self._lock:
            llama, self._llama = self._llama, None
            close = getattr(llama, "close", None)
            if callable(close):
                close()

    def _where(self) -> str:
        return f"{self.model} (llama.cpp, {self.model_path or 'in process'})"
