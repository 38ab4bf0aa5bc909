"""Which endpoint writes the summaries: provider presets and the ``auto`` choice.

:func:`resolve_provider` turns the ``[summaries]`` section and the environment into one
:class:`ProviderSpec`: a name, a base URL, a model and the API key read from the variable
``api_key_env`` names. The key is kept out of ``repr``/``str`` and never logged.

Presets (``provider = ...``), each as base URL (``base_url`` overrides it), key variable and
default model:

- ``dashscope``: https://dashscope.aliyuncs.com/compatible-mode/v1, DASHSCOPE_API_KEY, qwen-long
- ``openai``: https://api.openai.com/v1, OPENAI_API_KEY, gpt-4o-mini
- ``deepseek``: https://api.deepseek.com, DEEPSEEK_API_KEY, deepseek-chat
- ``ollama``: http://127.0.0.1:11434/v1, no key, the configured ``model``
- ``openai-compatible``: ``base_url`` (required), a key if named, the configured ``model``
- ``local``: llama.cpp. With ``base_url``, a llama.cpp server (``python -m llama_cpp.server``)
  there, called like ``openai-compatible``; without, the GGUF file ``model_path`` run in
  process (:mod:`arxiv_radar.summarize.local`), its model name the file's stem (so summaries
  are cached as ``local:<stem>``)

``api_key_env`` and ``model`` left at their defaults (``DASHSCOPE_API_KEY``, ``qwen-long``,
both DashScope's) mean the preset's own variable and model. ``ollama`` and
``openai-compatible`` send a key only when ``api_key_env`` names a variable of its own, so
the DashScope key never goes to another host by default.

``auto`` (the default) picks an LLM when the variable named by ``api_key_env`` is set and
``extractive`` (offline, no LLM) otherwise; the endpoint is the preset whose host
``base_url`` names, or any other ``base_url`` as ``openai-compatible``, or without
``base_url`` the preset whose key variable ``api_key_env`` is. So the old tool's
``ai_summary`` block (DashScope URL, ``DASHSCOPE_API_KEY``) resolves to dashscope/qwen-long.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from arxiv_radar.config import SummaryConfig
from arxiv_radar.errors import ConfigError

__all__ = [
    "EXTRACTIVE",
    "PRESETS",
    "NO_KEY_PLACEHOLDER",
    "Preset",
    "ProviderSpec",
    "local_spec",
    "resolve_provider",
]

NO_KEY_PLACEHOLDER = "not-needed"
"""Sent as the API key to endpoints that need none (the SDK insists on a value)."""

_DEFAULT_KEY_ENV: str = SummaryConfig.model_fields["api_key_env"].default
_DEFAULT_MODEL: str = SummaryConfig.model_fields["model"].default


@dataclass(frozen=True)
class Preset:
    """A known endpoint: where it is, which variable holds its key, its default model."""

    name: str
    base_url: str
    api_key_env: str | None  # None: the endpoint needs no key
    model: str | None  # None: the configuration must name the model
    hosts: tuple[str, ...] = ()  # hosts of base URLs that mean this preset under "auto"


PRESETS: Mapping[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "dashscope",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            "qwen-long",
            ("dashscope.aliyuncs.com", "dashscope-intl.aliyuncs.com"),
        ),
        Preset(
            "openai",
            "https://api.openai.com/v1",
            "OPENAI_API_KEY",
            "gpt-4o-mini",
            ("api.openai.com",),
        ),
        Preset(
            "deepseek",
            "https://api.deepseek.com",
            "DEEPSEEK_API_KEY",
            "deepseek-chat",
            ("api.deepseek.com",),
        ),
        Preset("ollama", "http://127.0.0.1:11434/v1", None, None),
    )
}


@dataclass(frozen=True)
class ProviderSpec:
    """A resolved provider. ``base_url`` is None for providers that call no endpoint
    (``extractive``, and ``local`` without a server URL). ``api_key`` never appears in
    ``repr``/``str``; ``api_key_env`` names where it came from. ``model_path`` is the GGUF
    file a ``local`` provider without ``base_url`` runs in process."""

    name: str
    base_url: str | None
    model: str
    api_key: str | None = field(default=None, repr=False)
    api_key_env: str | None = None
    model_path: str | None = None

    @property
    def cache_name(self) -> str:
        """``provider:model`` as summaries are cached under (``extractive`` alone)."""
        return self.name if self.name == "extractive" else f"{self.name}:{self.model}"

    @property
    def uses_endpoint(self) -> bool:
        """True when summaries come from an OpenAI-compatible endpoint at ``base_url``."""
        return self.base_url is not None

    @property
    def in_process(self) -> bool:
        """True when summaries come from a model run in this process (``local``, no URL)."""
        return self.name == "local" and self.base_url is None

    @property
    def supports_upload(self) -> bool:
        """True when the endpoint reads uploaded files (``input_mode = "upload"``)."""
        return self.name == "dashscope"

    @property
    def client_key(self) -> str:
        """The key to hand to the SDK: the real one, or a placeholder when none is needed."""
        return self.api_key or NO_KEY_PLACEHOLDER


EXTRACTIVE = ProviderSpec("extractive", None, "extractive")


def resolve_provider(config: SummaryConfig, env: Mapping[str, str]) -> ProviderSpec:
    """The provider ``config`` asks for, with its key read from ``env``.

    Raises :class:`ConfigError` (exit 2) when a provider needs a key whose variable is
    unset, or a setting it cannot work without (a base URL, a model name).
    """
    name = config.provider
    if name == "auto":
        return _auto(config, env)
    if name == "extractive":
        return EXTRACTIVE
    if name == "local" and config.base_url is None:
        return local_spec(config)
    if name in ("dashscope", "openai", "deepseek"):
        preset = PRESETS[name]
        variable = _key_variable(config, preset)
        key = _read_key(env, variable)
        if key is None:
            raise _missing_key(name, variable)
        return _from_preset(preset, config, key, variable)
    if name == "openai-compatible" and config.base_url is None:
        raise ConfigError(
            "provider 'openai-compatible' needs the endpoint's URL",
            key="summaries.base_url",
            expected='a URL such as base_url = "http://localhost:8000/v1"',
        )
    optional_variable, optional_key = _optional_key(config, env, name)
    if name == "ollama":
        return _from_preset(PRESETS[name], config, optional_key, optional_variable)
    # "openai-compatible", and "local" served by a llama.cpp server at base_url.
    return ProviderSpec(name, config.base_url, config.model, optional_key, optional_variable)


def _auto(config: SummaryConfig, env: Mapping[str, str]) -> ProviderSpec:
    preset: Preset | None
    if config.base_url is not None:
        preset = _preset_for_url(config.base_url)
        variable = _key_variable(config, preset) if preset else config.api_key_env
    else:
        preset = _preset_for_variable(config.api_key_env)
        variable = config.api_key_env
    key = _read_key(env, variable)
    if key is None:
        return ProviderSpec("extractive", None, "extractive", None, variable)
    if preset is not None:
        return _from_preset(preset, config, key, variable)
    if config.base_url is None:
        known = ", ".join(p.api_key_env for p in PRESETS.values() if p.api_key_env)
        raise ConfigError(
            f"{variable} is set, but provider 'auto' cannot tell which endpoint its key is for",
            key="summaries.base_url",
            expected=f"base_url = the endpoint's URL, or api_key_env = one of {known}",
        )
    return ProviderSpec("openai-compatible", config.base_url, config.model, key, variable)


def local_spec(config: SummaryConfig) -> ProviderSpec:
    """``local`` run in process (``base_url`` is not looked at): the GGUF file
    ``model_path``, named by its stem.

    Whether the file is there and llama.cpp is installed is checked when the client is
    built (:func:`arxiv_radar.summarize.local.LocalClient.from_spec`), which raises a
    :class:`ConfigError` naming ``summaries.model_path``; until then ``model`` stands in.
    """
    if config.model_path is None:
        return ProviderSpec("local", None, config.model)
    return ProviderSpec("local", None, Path(config.model_path).stem, model_path=config.model_path)


def _from_preset(
    preset: Preset, config: SummaryConfig, key: str | None, variable: str | None
) -> ProviderSpec:
    model = config.model
    if model == _DEFAULT_MODEL and preset.name != "dashscope":
        if preset.model is None:
            raise ConfigError(
                f"provider '{preset.name}' needs the name of a model it serves",
                key="summaries.model",
                expected='a model name such as model = "llama3.2" (see `ollama list`)',
            )
        model = preset.model
    base_url = config.base_url or preset.base_url
    return ProviderSpec(preset.name, base_url, model, key, variable)


def _key_variable(config: SummaryConfig, preset: Preset) -> str:
    """``api_key_env``, except that its DashScope default means the preset's own variable."""
    if config.api_key_env == _DEFAULT_KEY_ENV and preset.api_key_env is not None:
        return preset.api_key_env
    return config.api_key_env


def _optional_key(
    config: SummaryConfig, env: Mapping[str, str], provider: str
) -> tuple[str | None, str | None]:
    """For endpoints that may need no key: one only when ``api_key_env`` names its own
    variable (which must then be set); the default DashScope variable is never sent."""
    if config.api_key_env == _DEFAULT_KEY_ENV:
        return None, None
    key = _read_key(env, config.api_key_env)
    if key is None:
        raise _missing_key(provider, config.api_key_env)
    return config.api_key_env, key


def _read_key(env: Mapping[str, str], variable: str) -> str | None:
    value = env.get(variable, "").strip()
    return value or None


def _missing_key(provider: str, variable: str) -> ConfigError:
    return ConfigError(
        f"provider '{provider}' needs an API key in the environment variable {variable}, "
        f"which is not set; set it (export {variable}=... in the shell, or a repository "
        'secret in GitHub Actions), or use provider = "extractive" for offline summaries',
        key="summaries.api_key_env",
    )


def _preset_for_url(url: str) -> Preset | None:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return next((p for p in PRESETS.values() if host in p.hosts), None)


def _preset_for_variable(variable: str) -> Preset | None:
    return next((p for p in PRESETS.values() if p.api_key_env == variable), None)
