"""Provider resolution: presets, the auto choice, missing keys, the old config.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arxiv_radar.config import SummaryConfig, load_config
from arxiv_radar.errors import ConfigError
from arxiv_radar.summarize.providers import EXTRACTIVE, PRESETS, ProviderSpec, resolve_provider

LEGACY_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "config" / "legacy_config.json"
DASHSCOPE_URL = "https://dashscope.aliyuncs.com/compatible-mode/v1"
CANARY = "sk-canary-31c5e0f2aa"
ALL_KEYS = {
    "DASHSCOPE_API_KEY": "sk-dash",
    "OPENAI_API_KEY": "sk-openai",
    "DEEPSEEK_API_KEY": "sk-deep",
    "MY_LLM_KEY": "sk-mine",
}

# config, environment, then (name, base_url, model, api_key_env, api_key)
CASES: list[tuple[dict[str, Any], dict[str, str], tuple[Any, ...]]] = [
    ({"provider": "dashscope"}, ALL_KEYS,
     ("dashscope", DASHSCOPE_URL, "qwen-long", "DASHSCOPE_API_KEY", "sk-dash")),
    ({"provider": "dashscope", "model": "qwen-plus"}, ALL_KEYS,
     ("dashscope", DASHSCOPE_URL, "qwen-plus", "DASHSCOPE_API_KEY", "sk-dash")),
    ({"provider": "openai"}, ALL_KEYS,
     ("openai", "https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY", "sk-openai")),
    ({"provider": "openai", "model": "gpt-4.1", "api_key_env": "MY_LLM_KEY"}, ALL_KEYS,
     ("openai", "https://api.openai.com/v1", "gpt-4.1", "MY_LLM_KEY", "sk-mine")),
    ({"provider": "deepseek"}, ALL_KEYS,
     ("deepseek", "https://api.deepseek.com", "deepseek-chat", "DEEPSEEK_API_KEY", "sk-deep")),
    ({"provider": "deepseek", "base_url": "https://proxy.example.org/v1"}, ALL_KEYS,
     ("deepseek", "https://proxy.example.org/v1", "deepseek-chat", "DEEPSEEK_API_KEY", "sk-deep")),
    ({"provider": "ollama", "model": "llama3.2"}, ALL_KEYS,
     ("ollama", "http://127.0.0.1:11434/v1", "llama3.2", None, None)),
    ({"provider": "ollama", "model": "qwen2.5", "base_url": "http://gpu-box:11434/v1"}, {},
     ("ollama", "http://gpu-box:11434/v1", "qwen2.5", None, None)),
    ({"provider": "ollama", "model": "llama3.2", "api_key_env": "MY_LLM_KEY"}, ALL_KEYS,
     ("ollama", "http://127.0.0.1:11434/v1", "llama3.2", "MY_LLM_KEY", "sk-mine")),
    # The DashScope key is never sent to another host unless asked for by name.
    ({"provider": "openai-compatible", "base_url": "http://127.0.0.1:8080/v1",
      "model": "smollm2"}, ALL_KEYS,
     ("openai-compatible", "http://127.0.0.1:8080/v1", "smollm2", None, None)),
    ({"provider": "openai-compatible", "base_url": "https://vllm.example.org/v1",
      "model": "mistral", "api_key_env": "MY_LLM_KEY"}, ALL_KEYS,
     ("openai-compatible", "https://vllm.example.org/v1", "mistral", "MY_LLM_KEY", "sk-mine")),
    ({"provider": "local", "model": "models/qwen2.5-0.5b.gguf"}, ALL_KEYS,
     ("local", None, "models/qwen2.5-0.5b.gguf", None, None)),
    ({"provider": "extractive"}, ALL_KEYS, ("extractive", None, "extractive", None, None)),
    # auto: an LLM when the key is set ...
    ({}, {"DASHSCOPE_API_KEY": "sk-dash"},
     ("dashscope", DASHSCOPE_URL, "qwen-long", "DASHSCOPE_API_KEY", "sk-dash")),
    ({"api_key_env": "OPENAI_API_KEY"}, ALL_KEYS,
     ("openai", "https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY", "sk-openai")),
    ({"api_key_env": "DEEPSEEK_API_KEY", "model": "deepseek-reasoner"}, ALL_KEYS,
     ("deepseek", "https://api.deepseek.com", "deepseek-reasoner", "DEEPSEEK_API_KEY",
      "sk-deep")),
    ({"base_url": "https://api.deepseek.com/v1"}, {"DEEPSEEK_API_KEY": "sk-deep"},
     ("deepseek", "https://api.deepseek.com/v1", "deepseek-chat", "DEEPSEEK_API_KEY", "sk-deep")),
    ({"base_url": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"},
     {"DASHSCOPE_API_KEY": "sk-dash"},
     ("dashscope", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "qwen-long",
      "DASHSCOPE_API_KEY", "sk-dash")),
    # ... any other base_url is an OpenAI-compatible endpoint, with the key named (old tool).
    ({"base_url": "https://llm.example.org/v1", "model": "mixtral"},
     {"DASHSCOPE_API_KEY": "sk-dash"},
     ("openai-compatible", "https://llm.example.org/v1", "mixtral", "DASHSCOPE_API_KEY",
      "sk-dash")),
    # ... and extractive when it is not set (or empty).
    ({}, {}, ("extractive", None, "extractive", "DASHSCOPE_API_KEY", None)),
    ({}, {"DASHSCOPE_API_KEY": "  "},
     ("extractive", None, "extractive", "DASHSCOPE_API_KEY", None)),
    ({"api_key_env": "OPENAI_API_KEY"}, {"DASHSCOPE_API_KEY": "sk-dash"},
     ("extractive", None, "extractive", "OPENAI_API_KEY", None)),
    ({"base_url": "https://api.openai.com/v1"}, {"DASHSCOPE_API_KEY": "sk-dash"},
     ("extractive", None, "extractive", "OPENAI_API_KEY", None)),
]  # fmt: skip


@pytest.mark.parametrize(("settings", "env", "expected"), CASES)
def test_providers_resolve(
    settings: dict[str, Any], env: dict[str, str], expected: tuple[Any, ...]
) -> None:
    spec = resolve_provider(SummaryConfig(**settings), env)
    assert (spec.name, spec.base_url, spec.model, spec.api_key_env, spec.api_key) == expected
    assert spec.uses_endpoint is (spec.base_url is not None)


def test_the_key_is_stripped_of_spaces() -> None:
    spec = resolve_provider(SummaryConfig(), {"DASHSCOPE_API_KEY": " sk-dash\n"})
    assert spec.api_key == "sk-dash" and spec.client_key == "sk-dash"


MISSING: list[tuple[dict[str, Any], dict[str, str], str, list[str]]] = [
    ({"provider": "dashscope"}, {}, "summaries.api_key_env",
     ["provider 'dashscope'", "DASHSCOPE_API_KEY, which is not set", "export DASHSCOPE_API_KEY=",
      'provider = "extractive"']),
    ({"provider": "openai"}, {"DASHSCOPE_API_KEY": "sk-dash"}, "summaries.api_key_env",
     ["OPENAI_API_KEY, which is not set"]),
    ({"provider": "deepseek", "api_key_env": "MY_LLM_KEY"}, {"DEEPSEEK_API_KEY": "sk"},
     "summaries.api_key_env", ["MY_LLM_KEY, which is not set"]),
    ({"provider": "openai-compatible", "base_url": "http://127.0.0.1:8000/v1",
      "api_key_env": "MY_LLM_KEY"}, {}, "summaries.api_key_env", ["MY_LLM_KEY"]),
    ({"provider": "openai-compatible"}, ALL_KEYS, "summaries.base_url",
     ["needs the endpoint's URL"]),
    ({"provider": "ollama"}, {}, "summaries.model", ["needs the name of a model", "ollama list"]),
    ({"api_key_env": "MY_LLM_KEY"}, ALL_KEYS, "summaries.base_url",
     ["MY_LLM_KEY is set", "cannot tell which endpoint", "OPENAI_API_KEY"]),
]  # fmt: skip


@pytest.mark.parametrize(("settings", "env", "key", "fragments"), MISSING)
def test_what_a_provider_cannot_work_without_is_a_config_error(
    settings: dict[str, Any], env: dict[str, str], key: str, fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_provider(SummaryConfig(**settings), env)
    error = caught.value
    assert (error.key, error.exit_code) == (key, 2)
    for fragment in fragments:
        assert fragment in str(error), fragment
    for secret in ALL_KEYS.values():
        assert secret not in str(error)


def test_the_old_config_json_resolves_to_dashscope_qwen_long() -> None:
    config = load_config(LEGACY_FIXTURE, env={})
    spec = resolve_provider(config.summaries, {"DASHSCOPE_API_KEY": "sk-dash"})
    assert (spec.name, spec.base_url, spec.model, spec.api_key) == (
        "dashscope",
        DASHSCOPE_URL,
        "qwen-long",
        "sk-dash",
    )
    assert spec.cache_name == "dashscope:qwen-long"
    assert spec.supports_upload
    # Without the key, the old tool wrote no summaries; arxiv-radar writes extractive ones.
    assert resolve_provider(config.summaries, {}).cache_name == "extractive"


def test_cache_names() -> None:
    assert EXTRACTIVE.cache_name == "extractive" and not EXTRACTIVE.uses_endpoint
    spec = ProviderSpec("openai-compatible", "http://127.0.0.1:8080/v1", "smollm2")
    assert spec.cache_name == "openai-compatible:smollm2"
    assert spec.client_key == "not-needed" and not spec.supports_upload


def test_every_preset_has_a_url_and_a_default_model_or_none() -> None:
    assert set(PRESETS) == {"dashscope", "openai", "deepseek", "ollama"}
    assert PRESETS["dashscope"].model == "qwen-long"
    assert PRESETS["ollama"].api_key_env is None and PRESETS["ollama"].model is None
    for preset in PRESETS.values():
        assert preset.base_url.startswith(("https://", "http://127.0.0.1"))


def test_the_key_is_never_in_repr_or_str() -> None:
    spec = resolve_provider(SummaryConfig(provider="openai"), {"OPENAI_API_KEY": CANARY})
    assert spec.api_key == CANARY
    for text in (repr(spec), str(spec), f"{spec}", f"{spec!r}", str([spec]), str({"s": spec})):
        assert CANARY not in text
    assert "OPENAI_API_KEY" in repr(spec)
