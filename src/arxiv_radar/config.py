"""Configuration: typed sections, the ``arxiv-radar.toml`` loader and the old ``config.json``.

:func:`load_config` is the one entry point. It reads a TOML file (or the old tool's
``config.json``, whose keys keep their meaning), applies ``ARXIV_RADAR_*`` environment
overrides and validates everything into a frozen :class:`Config`. Each stage receives only
its own section (:class:`ArxivConfig`, :class:`ProfileConfig`, :class:`SummaryConfig`,
:class:`StoreConfig`).

Every problem, from a TOML syntax error to a misspelt category, is raised as one
:class:`~arxiv_radar.errors.ConfigError` naming the file, the dotted key, what was found and
what is expected. A bad file never falls back to defaults.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import tomllib
import types
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from arxiv_radar.arxiv.taxonomy import RETIRED, canonical_category, suggest_categories
from arxiv_radar.errors import ConfigError, UsageError
from arxiv_radar.schedule import parse_cron

__all__ = [
    "CONFIG_FILENAME",
    "DEFAULT_KEYWORDS",
    "ENV_OVERRIDES",
    "LEGACY_FILENAME",
    "ArxivConfig",
    "AuthorRule",
    "BudgetConfig",
    "Config",
    "DEFAULT_PRICES",
    "KeywordRule",
    "PriceConfig",
    "ProfileConfig",
    "StoreConfig",
    "SummaryConfig",
    "find_config_file",
    "load_config",
    "plain_message",
]

logger = logging.getLogger(__name__)

CONFIG_FILENAME = "arxiv-radar.toml"
LEGACY_FILENAME = "config.json"

DEFAULT_KEYWORDS: tuple[str, ...] = (
    "kv cache", "offload", "State Space", "SSM", "framework", "System", "Generation", "Video",
    "Linear", "LLM", "RL", "RLHF", "Inference", "Training", "Attention", "Pipeline", "MOE",
    "Sparse", "Quantization", "Speculative", "Efficient", "Efficiency", "Framework", "Parallel",
    "Distributed", "Kernel", "Decode", "Decoding", "Prefill", "Throughput", "Fast", "Network",
    "Hardware", "Cluster", "FP8", "FP4", "Optimization", "Scalable", "Communication",
)  # fmt: skip
"""The old tool's keyword list, in its order (duplicates such as framework/Framework kept)."""

DEFAULT_CATEGORIES: tuple[str, ...] = ("cs.AI", "cs.CL", "cs.DC", "cs.LG")
OLD_TOOL_DEFAULT_CATEGORIES: tuple[str, ...] = ("cs.AI", "cs.LG", "cs.CL", "cs.CV")
OLD_TOOL_DEFAULT_MAX_WORKERS = 5
DEFAULT_AUTHOR_WEIGHT = 2.0
"""Points a followed author adds when given by name alone."""

ENV_OVERRIDES: Mapping[str, tuple[str, str]] = {
    "ARXIV_RADAR_RSS_URL": ("arxiv", "rss_url"),
    "ARXIV_RADAR_API_URL": ("arxiv", "api_url"),
    "ARXIV_RADAR_OAI_URL": ("arxiv", "oai_url"),
    "ARXIV_RADAR_HTML_URL": ("arxiv", "html_url"),
    "ARXIV_RADAR_PDF_URL": ("arxiv", "pdf_url"),
    "ARXIV_RADAR_MIN_INTERVAL": ("arxiv", "min_interval"),
    "ARXIV_RADAR_DB": ("store", "url"),
}
"""Environment variable -> (section, key) it overrides. Applied after the file."""

_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
_ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s<>()]+@[^@\s<>()]+\.[^@\s<>()]+$")


def _invalid(message: str, expected: str) -> PydanticCustomError:
    return PydanticCustomError(
        "arxiv_radar", "{message}", {"message": message, "expected": expected}
    )


# ---------------------------------------------------------------- value checks


def _check_category(value: str) -> str:
    cat = canonical_category(value)
    if cat is not None:
        return cat
    retired = {k.lower(): v for k, v in RETIRED.items()}.get(value.strip().lower())
    if retired:
        raise _invalid(
            f"'{value}' is a retired arXiv archive, now {retired}",
            f"a current category such as {retired}",
        )
    hints = suggest_categories(value)
    hint = f" (did you mean {' or '.join(hints)}?)" if hints else ""
    raise _invalid(
        f"unknown arXiv category '{value}'{hint}",
        "an arXiv category id such as cs.AI, math.QA or hep-th",
    )


def _check_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid(f"found '{value}'", "an http:// or https:// URL")
    return value.strip()


def _check_term(value: str) -> str:
    if not value.strip():
        raise _invalid("found an empty keyword", "a word or phrase")
    return value  # kept as written: legacy ranking matches it exactly


def _check_nonempty(value: str) -> str:
    if not value.strip():
        raise _invalid("found an empty string", "a non-empty string")
    return value.strip()


def _check_profile_name(value: str) -> str:
    if not _PROFILE_NAME.match(value):
        raise _invalid(
            f"profile name '{value}' cannot be used in file names and URLs",
            "letters, digits, '-' and '_', starting with a letter or digit",
        )
    return value


def _is_arxiv_host(host: str | None) -> bool:
    host = (host or "").lower().rstrip(".")
    return host == "arxiv.org" or host.endswith(".arxiv.org")


Category = Annotated[str, AfterValidator(_check_category)]
Url = Annotated[str, AfterValidator(_check_url)]
Term = Annotated[str, AfterValidator(_check_term)]
NonEmpty = Annotated[str, AfterValidator(_check_nonempty)]
ProfileName = Annotated[str, AfterValidator(_check_profile_name)]

# ---------------------------------------------------------------- sections


class ArxivConfig(BaseModel):
    """``[arxiv]``: what to fetch and how politely."""

    model_config = _MODEL_CONFIG

    categories: list[Category] = Field(
        default_factory=lambda: list(DEFAULT_CATEGORIES), min_length=1
    )
    rss_url: Url = "https://rss.arxiv.org/rss"
    api_url: Url = "https://export.arxiv.org/api/query"
    oai_url: Url = "https://oaipmh.arxiv.org/oai"
    html_url: Url = "https://arxiv.org/html"
    pdf_url: Url = "https://arxiv.org/pdf"
    min_interval: float = Field(default=3.0, ge=0)
    timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    days_back: int = Field(default=7, ge=0, le=60)
    contact: str | None = None

    @field_validator("categories")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("min_interval")
    @classmethod
    def _polite(cls, value: float, info: ValidationInfo) -> float:
        urls = [info.data[k] for k in ("rss_url", "api_url", "oai_url") if k in info.data]
        arxiv_hosts = [h for h in (urlsplit(u).hostname for u in urls) if _is_arxiv_host(h)]
        if value < 3 and arxiv_hosts:
            raise _invalid(
                f"found {value:g}, but arXiv's terms of use allow one request every 3 seconds "
                f"and {arxiv_hosts[0]} is an arXiv host",
                "a number >= 3 while any URL points at arxiv.org",
            )
        return value

    @field_validator("contact")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value.strip()):
            raise _invalid(f"found '{value}'", "an e-mail address such as you@example.org")
        return value.strip() if value is not None else None


class KeywordRule(BaseModel):
    """A keyword with options, written as a table in ``keywords``, ``exclude`` or ``required``.

    Exactly one of ``term`` (matched like a plain keyword) and ``regex`` (a Python regular
    expression, used as is, case-insensitive) is given. ``label`` names the rule in
    explanations (default: the term or the expression).
    """

    model_config = _MODEL_CONFIG

    term: Term | None = None
    regex: str | None = None
    weight: float = Field(default=1.0, gt=0)
    label: NonEmpty | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            compiled = re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise _invalid(
                f"invalid regular expression '{value}': {exc.msg} at position {exc.pos}",
                "a Python regular expression such as '\\bMoE\\b'",
            ) from None
        if compiled.search("") is not None:
            raise _invalid(
                f"the regular expression '{value}' matches empty text, "
                "so it would match every paper",
                "a regular expression that needs at least one character",
            )
        return value

    @model_validator(mode="after")
    def _term_or_regex(self) -> KeywordRule:
        if (self.term is None) == (self.regex is None):
            raise _invalid(
                "a keyword table needs exactly one of 'term' and 'regex'",
                "{term = \"kv cache\", weight = 2.0} or {regex = '\\bMoE\\b'}",
            )
        return self


class AuthorRule(BaseModel):
    """A followed author with a weight, written as a table in ``authors``."""

    model_config = _MODEL_CONFIG

    name: NonEmpty
    weight: float = Field(default=DEFAULT_AUTHOR_WEIGHT, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _has_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data:
            raise _invalid("an author table needs a 'name'", '{name = "Yann LeCun", weight = 3.0}')
        return data

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str) -> str:
        if not any(char.isalpha() for char in value):
            raise _invalid(f"found '{value}'", "an author name such as Yann LeCun")
        return value


def _keyword_item(value: Any, handler: ValidatorFunctionWrapHandler) -> str | KeywordRule:
    """A keyword is a string or a :class:`KeywordRule` table.

    Validated by hand rather than as a pydantic union, so that an error inside a table is
    reported at its own key (``keywords[3].regex``) and not once per union member.
    """
    if isinstance(value, str):
        return _check_term(value)
    if isinstance(value, dict | KeywordRule):
        return KeywordRule.model_validate(value)
    raise _invalid(
        f"found {_describe(value, False)}",
        'a string or a table such as {term = "kv cache", weight = 2.0}',
    )


def _condition_item(value: Any, handler: ValidatorFunctionWrapHandler) -> str | KeywordRule:
    """An ``exclude`` or ``required`` keyword: as in ``keywords``, without a weight."""
    item = _keyword_item(value, handler)
    if isinstance(item, KeywordRule) and item.weight != 1.0:
        raise _invalid("a weight has no effect in exclude and required", "a keyword without weight")
    return item


def _author_item(value: Any, handler: ValidatorFunctionWrapHandler) -> str | AuthorRule:
    """A followed author is a name or an :class:`AuthorRule` table (see ``_keyword_item``)."""
    if isinstance(value, str):
        if not any(char.isalpha() for char in value):
            raise _invalid(f"found {_describe(value, False)}", "an author name such as Yann LeCun")
        return value.strip()
    if isinstance(value, dict | AuthorRule):
        return AuthorRule.model_validate(value)
    raise _invalid(
        f"found {_describe(value, False)}",
        'a name or a table such as {name = "Yann LeCun", weight = 3.0}',
    )


Keyword = Annotated[KeywordRule | str, WrapValidator(_keyword_item)]
Condition = Annotated[KeywordRule | str, WrapValidator(_condition_item)]
Author = Annotated[AuthorRule | str, WrapValidator(_author_item)]
AnnounceTypeName = Literal["new", "cross", "replace", "replace-cross"]


def _default_keywords() -> list[KeywordRule | str]:
    return list(DEFAULT_KEYWORDS)


def _default_announce_types() -> list[AnnounceTypeName]:
    return ["new", "cross"]


class ProfileConfig(BaseModel):
    """``[profiles.<name>]``: the interests papers are ranked against."""

    model_config = _MODEL_CONFIG

    keywords: list[Keyword] = Field(default_factory=_default_keywords)
    exclude: list[Condition] = Field(default_factory=list)
    max_papers: int = Field(default=50, ge=1)
    min_score: float = Field(default=0.0, ge=0)
    mode: Literal["keywords", "legacy"] = "keywords"
    required: list[Condition] = Field(default_factory=list)
    authors: list[Author] = Field(default_factory=list)
    category_weights: dict[Category, float] = Field(default_factory=dict)
    announce_types: list[AnnounceTypeName] = Field(
        default_factory=_default_announce_types, min_length=1
    )
    title_bonus: float = Field(default=0.5, ge=0)

    @field_validator("category_weights", mode="before")
    @classmethod
    def _distinct_categories(cls, value: Any) -> Any:
        if isinstance(value, dict):
            seen: dict[str, str] = {}
            for key in value:
                canonical = canonical_category(key) if isinstance(key, str) else None
                if canonical is not None and canonical in seen:
                    raise _invalid(
                        f"'{seen[canonical]}' and '{key}' are the same category",
                        "each category once",
                    )
                if canonical is not None:
                    seen[canonical] = key
        return value

    @field_validator("announce_types")
    @classmethod
    def _dedupe(cls, value: list[AnnounceTypeName]) -> list[AnnounceTypeName]:
        return list(dict.fromkeys(value))


class BudgetConfig(BaseModel):
    """``[summaries.budget]``: what one run may spend at most (unset: no limit).

    ``max_tokens`` counts input and output tokens together; ``max_cost`` is in the
    currency of the model's price. Once either is reached no new call starts; calls
    already under way finish.
    """

    model_config = _MODEL_CONFIG

    max_tokens: int | None = Field(default=None, ge=1)
    max_cost: float | None = Field(default=None, gt=0)


class PriceConfig(BaseModel):
    """``[summaries.prices.<model>]``: a model's price per million tokens."""

    model_config = _MODEL_CONFIG

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    currency: NonEmpty = "USD"


DEFAULT_PRICES: Mapping[str, Mapping[str, float | str]] = {
    "qwen-long": {"input": 0.5, "output": 2.0, "currency": "CNY"},
    "gpt-4o-mini": {"input": 0.15, "output": 0.6, "currency": "USD"},
    "deepseek-chat": {"input": 0.27, "output": 1.1, "currency": "USD"},
}
"""Shipped prices per million input/output tokens; ``[summaries.prices]`` adds or overrides."""


def _default_prices() -> dict[str, PriceConfig]:
    return {name: PriceConfig.model_validate(dict(price)) for name, price in DEFAULT_PRICES.items()}


class SummaryConfig(BaseModel):
    """``[summaries]``: which papers get an LLM summary, from which provider, at what cost."""

    model_config = _MODEL_CONFIG

    enabled: bool = True
    provider: Literal[
        "auto", "dashscope", "openai", "deepseek", "ollama", "openai-compatible", "extractive",
        "local",
    ] = "auto"  # fmt: skip
    api_key_env: str = "DASHSCOPE_API_KEY"
    base_url: Url | None = None
    model: NonEmpty = "qwen-long"
    prompt_file: NonEmpty | None = None
    max_papers: int = Field(default=5, ge=0)
    concurrency: int = Field(default=8, ge=1, le=64)
    language: Literal["zh", "en"] = "zh"
    timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    temperature: float = Field(default=0.3, ge=0, le=2)
    input_mode: Literal["abstract", "fulltext", "upload"] = "abstract"
    max_input_tokens: int = Field(default=12000, ge=256)
    max_output_tokens: int = Field(default=2048, ge=16, le=32768)
    model_path: NonEmpty | None = None
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    prices: dict[NonEmpty, PriceConfig] = Field(default_factory=_default_prices)

    @field_validator("prices", mode="before")
    @classmethod
    def _over_defaults(cls, value: Any) -> Any:
        """Prices given in the file add to the shipped ones; a shipped model's keys that a
        table leaves out (its currency, say) keep their shipped values."""
        if not isinstance(value, dict):
            return value
        merged: dict[Any, Any] = {name: dict(price) for name, price in DEFAULT_PRICES.items()}
        for name, price in value.items():
            if isinstance(price, PriceConfig):
                price = price.model_dump()
            shipped = merged.get(name)
            merged[name] = {**shipped, **price} if shipped and isinstance(price, dict) else price
        return merged

    def price_for(self, model: str) -> PriceConfig | None:
        """The price of ``model`` per million tokens, or None when it is not known."""
        return self.prices.get(model)

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_VAR_NAME.match(value):
            raise _invalid(
                "found a value that is not an environment variable name "
                "(put the key itself in the environment, never in this file)",
                "a variable name such as DASHSCOPE_API_KEY",
            )
        return value


class StoreConfig(BaseModel):
    """``[store]``: where papers, scores and summaries are kept."""

    model_config = _MODEL_CONFIG

    url: NonEmpty = "arxiv-radar.db"


class PublishConfig(BaseModel):
    """``[publish]``: what the digest, feeds and site are called, where they live, when."""

    model_config = _MODEL_CONFIG

    title: NonEmpty = "arXiv Radar 📡"
    description: str = "New arXiv papers ranked against your interests, with summaries."
    base_url: Url | None = None
    output: NonEmpty = "arxiv-radar-digest"
    template: NonEmpty | None = None
    abstract_chars: int = Field(default=300, ge=50, le=5000)
    schedule: NonEmpty = "30 6 * * 1-5"
    timezone: NonEmpty = "UTC"
    notify: list[NonEmpty] = Field(default_factory=list)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            parse_cron(value)  # standard cron: weekdays 0-7, 0 and 7 being Sunday
        except UsageError as exc:
            raise _invalid(
                f"found a cron expression that does not parse ({exc})",
                'five fields: minute hour day month weekday, such as "30 6 * * 1-5"',
            ) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _invalid(
                f"found an unknown time zone '{value}'", 'an IANA name such as "Europe/Berlin"'
            ) from None
        return value


class Config(BaseModel):
    """The whole configuration. ``source`` is the file it came from (None for defaults)."""

    model_config = _MODEL_CONFIG

    arxiv: ArxivConfig = Field(default_factory=ArxivConfig)
    profiles: dict[ProfileName, ProfileConfig] = Field(
        default_factory=lambda: {"default": ProfileConfig()}, min_length=1
    )
    summaries: SummaryConfig = Field(default_factory=SummaryConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    publish: PublishConfig = Field(default_factory=PublishConfig)

    _source: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        return self._source

    def profile(self, name: str | None = None) -> ProfileConfig:
        """A profile by name; None picks ``default``, or the only profile there is."""
        known = ", ".join(self.profiles)
        if name is None:
            if "default" in self.profiles:
                return self.profiles["default"]
            if len(self.profiles) == 1:
                return next(iter(self.profiles.values()))
            raise ConfigError(
                "several profiles and none is named 'default'; choose one",
                path=self._source,
                key="profiles",
                expected=f"one of {known}",
            )
        if name in self.profiles:
            return self.profiles[name]
        close = difflib.get_close_matches(name, list(self.profiles), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConfigError(
            f"unknown profile '{name}'{hint}",
            path=self._source,
            key=f"profiles.{name}",
            expected=f"one of {known}",
        )


# ---------------------------------------------------------------- loading


def find_config_file(folder: str | Path | None = None) -> Path | None:
    """``arxiv-radar.toml``, else the old ``config.json``, in ``folder`` (default: cwd)."""
    base = Path(folder) if folder is not None else Path.cwd()
    for name in (CONFIG_FILENAME, LEGACY_FILENAME):
        candidate = base / name
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Load, override from ``env`` (default ``os.environ``) and validate the configuration.

    With no ``path``, the current folder's ``arxiv-radar.toml`` or ``config.json`` is used,
    or the built-in defaults when there is neither. Raises :class:`ConfigError`.
    """
    env = os.environ if env is None else env
    if path is None:
        found = find_config_file()
    else:
        found = Path(path)
        if not found.is_file():
            raise ConfigError(
                "no such configuration file; create one with `arxiv-radar init` "
                "or copy arxiv-radar.example.toml",
                path=str(found),
            )
    data: dict[str, Any] = {}
    keymap: dict[tuple[str, ...], str] = {}
    source = str(found) if found is not None else None
    suffix = found.suffix.lower() if found is not None else ""
    legacy = suffix == ".json"
    if found is not None:
        if suffix == ".toml":
            data = _read_toml(found)
        elif legacy:
            data, keymap = _from_legacy(_read_json(found), str(found))
        else:
            raise ConfigError(
                f"unsupported file type '{found.suffix}'",
                path=str(found),
                expected="a .toml file (or the old tool's config.json)",
            )
    env_keys = _apply_env(data, env)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        # from None: pydantic's error repeats every input value, and --debug prints the chain
        # (a key pasted where its variable's name belongs would show in the traceback).
        raise _translate(exc, source, keymap, env_keys, legacy) from None
    config._source = source
    return config


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot be decoded: {exc.reason} at byte {exc.start}",
            path=str(path),
            expected="UTF-8 text",
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc}", path=str(path)) from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from exc


def _read_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"not valid JSON: {exc.msg} (at line {exc.lineno}, column {exc.colno})",
            path=str(path),
        ) from exc


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Write the overrides into ``data``; return which keys came from which variable."""
    applied: dict[tuple[str, ...], str] = {}
    for var, (section, key) in ENV_OVERRIDES.items():
        raw = env.get(var, "").strip()
        if not raw:
            continue  # unset and empty both mean "no override"
        value: str | float = raw
        if key == "min_interval":
            try:
                value = float(raw)
            except ValueError:
                raise ConfigError(
                    f"found '{raw}'",
                    path=f"environment variable {var}",
                    key=f"{section}.{key}",
                    expected="a number of seconds",
                ) from None
        table = data.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = value
            applied[(section, key)] = var
    return applied


# ---------------------------------------------------------------- the old config.json

_LEGACY_TOP: Mapping[str, tuple[str, ...] | None] = {
    "categories": ("arxiv", "categories"),
    "keywords": ("profiles", "default", "keywords"),
    "exclude_keywords": ("profiles", "default", "exclude"),
    "max_papers": ("profiles", "default", "max_papers"),
    "min_score": ("profiles", "default", "min_score"),
    "days_back": ("arxiv", "days_back"),
    "enable_deduplication": None,  # the store keys papers by id: always deduplicated
    "deduplication_methods": None,
    "fetch_ratings": None,
    "display_limit": None,
    "ai_summary": None,
}
_LEGACY_IGNORED: Mapping[str, str] = {
    "fetch_ratings": "only the old repository's ICLR bot read it (OpenReview review ratings); "
    "it never affected the arXiv digest",
    "display_limit": "only the old repository's ICLR bot read it (papers listed in its "
    "README); the digest shows max_papers papers",
    "deduplication_methods": "arxiv-radar keeps each paper once by its arXiv id (the old "
    "tool did not read this list either)",
}
"""Keys of the old config.json that have no effect here, and why (logged once per load)."""
_LEGACY_SUMMARY: Mapping[str, str] = {
    "enabled": "enabled",
    "api_key_env": "api_key_env",
    "base_url": "base_url",
    "model": "model",
    "prompt_file": "prompt_file",
    "max_papers_to_summarize": "max_papers",
    "max_workers": "concurrency",
}
_DEDUP_METHODS = ("id", "title", "link")


def _unknown_key(name: str, valid: list[str], path: str, where: str) -> ConfigError:
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    expected = f"one of {', '.join(valid)}"
    return ConfigError(f"unknown key '{name}'{where}{hint}", path=path, key=name, expected=expected)


def _from_legacy(raw: Any, path: str) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """Map the old tool's keys onto the new sections; keep a map back for error messages."""
    if not isinstance(raw, dict):
        raise ConfigError(
            f"found {_describe(raw, True)} at the top", path=path, expected="an object"
        )
    data: dict[str, Any] = {"arxiv": {}, "profiles": {"default": {}}, "summaries": {}}
    keymap: dict[tuple[str, ...], str] = {}
    for key, value in raw.items():
        if key not in _LEGACY_TOP:
            where = (
                " (new-style settings go in arxiv-radar.toml)" if key in Config.model_fields else ""
            )
            raise _unknown_key(key, list(_LEGACY_TOP), path, where)
        target = _LEGACY_TOP[key]
        if target is not None:
            section: dict[str, Any] = data
            for part in target[:-1]:
                section = section[part]
            section[target[-1]] = value
            keymap[target] = key
    data["arxiv"].setdefault("categories", list(OLD_TOOL_DEFAULT_CATEGORIES))
    _check_legacy_dedup(raw, path)
    for key, why in _LEGACY_IGNORED.items():
        if key in raw:
            logger.warning("%s: '%s' is ignored: %s", path, key, why)
    summary = raw.get("ai_summary", {})
    if not isinstance(summary, dict):
        raise ConfigError(
            f"found {_describe(summary, True)}", path=path, key="ai_summary", expected="an object"
        )
    for key, value in summary.items():
        if key not in _LEGACY_SUMMARY:
            raise _unknown_key(key, list(_LEGACY_SUMMARY), path, " in ai_summary")
        data["summaries"][_LEGACY_SUMMARY[key]] = value
        keymap[("summaries", _LEGACY_SUMMARY[key])] = f"ai_summary.{key}"
    data["summaries"].setdefault("concurrency", OLD_TOOL_DEFAULT_MAX_WORKERS)
    # The old tool published README.md at the top of its repository: so does its config.
    # Its own README.md there is not arxiv-radar's; the first run asks for --force once.
    data.setdefault("publish", {}).setdefault("output", ".")
    return data, keymap


def _check_legacy_dedup(raw: dict[str, Any], path: str) -> None:
    enabled = raw.get("enable_deduplication", True)
    if not isinstance(enabled, bool):
        raise ConfigError(
            f"found {_describe(enabled, True)}",
            path=path,
            key="enable_deduplication",
            expected="true or false",
        )
    if not enabled:
        logger.warning(
            "%s: 'enable_deduplication' false is ignored: arxiv-radar keeps each paper once "
            "by its arXiv id, always",
            path,
        )
    methods = raw.get("deduplication_methods", [])
    if not isinstance(methods, list):
        raise ConfigError(
            f"found {_describe(methods, True)}",
            path=path,
            key="deduplication_methods",
            expected='a list of "id", "title" or "link"',
        )
    for i, method in enumerate(methods):
        if method not in _DEDUP_METHODS:
            raise ConfigError(
                f"found {_describe(method, True)}",
                path=path,
                key=f"deduplication_methods[{i}]",
                expected='"id", "title" or "link"',
            )


# ---------------------------------------------------------------- error translation

_EXPECTED_TYPE = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
}
_BOUND = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
}


def _describe(value: Any, legacy: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, dict):
        return "an object" if legacy else "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out


def _display_key(loc: tuple[Any, ...], keymap: Mapping[tuple[str, ...], str]) -> str:
    for size in range(len(loc), 0, -1):
        if loc[:size] in keymap:
            return keymap[loc[:size]] + _dotted(("x", *loc[size:]))[1:]
    return _dotted(loc)


def _unwrap(tp: Any) -> Any:
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            tp = next(arg for arg in get_args(tp) if arg is not type(None))
        else:
            return tp


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class of the table at ``loc`` (for listing its valid keys)."""
    tp: Any = Config
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                return None
            tp = tp.model_fields[part].annotation
        elif get_origin(tp) in (dict, list):
            tp = get_args(tp)[-1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


_PYDANTIC_PREFIX = re.compile(r"\b(?:Value error|Assertion failed), ")


def plain_message(text: str) -> str:
    """``text`` without the prefixes pydantic puts before a validator's own message
    ("Value error, 'x' is not one of ..." becomes "'x' is not one of ...")."""
    return _PYDANTIC_PREFIX.sub("", text)


def _explain(error: Any, legacy: bool) -> tuple[str, str | None]:
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx") or {}
    found = f"found {_describe(error['input'], legacy)}"
    if kind == "arxiv_radar":
        return ctx["message"], ctx["expected"]
    if kind == "extra_forbidden":
        name, model = str(loc[-1]), _model_at(loc[:-1])
        valid = list(model.model_fields) if model else []
        if len(loc) == 1:
            for section in ("arxiv", "summaries", "store"):
                if name in _unwrap(Config.model_fields[section].annotation).model_fields:
                    return f"'{name}' belongs in the [{section}] table", f"[{section}] {name} = ..."
            if name in ProfileConfig.model_fields:
                return (
                    f"'{name}' is a profile setting and belongs in a profile table",
                    f"[profiles.default] {name} = ...",
                )
        close = difflib.get_close_matches(name, valid, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        table = f" in [{_dotted(loc[:-1])}]" if len(loc) > 1 else ""
        return f"unknown key '{name}'{table}{hint}", f"one of {', '.join(valid)}"
    if kind in _EXPECTED_TYPE:
        return found, _EXPECTED_TYPE[kind] if not legacy else _EXPECTED_TYPE[kind].replace(
            "a table", "an object"
        )
    if kind == "literal_error":
        return found, f"one of {ctx['expected']}"
    if kind in _BOUND:
        name, sign = _BOUND[kind]
        model = _model_at(loc[:-1])
        field = model.model_fields.get(str(loc[-1])) if model else None
        noun = (
            "an integer" if field is not None and _unwrap(field.annotation) is int else "a number"
        )
        return found, f"{noun} {sign} {ctx[name]}"
    if kind == "too_short":
        return f"found an empty {'table' if isinstance(error['input'], dict) else 'list'}", (
            f"at least {ctx['min_length']} entry"
        )
    if kind == "finite_number":
        return found, "a finite number"
    if kind == "missing":
        return f"'{loc[-1]}' is missing from this table", f"{loc[-1]} = ..."
    return f"{found}: {plain_message(error['msg'])}", None


def _translate(
    exc: ValidationError,
    source: str | None,
    keymap: Mapping[tuple[str, ...], str],
    env_keys: Mapping[tuple[str, ...], str],
    legacy: bool,
) -> ConfigError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first["loc"])
    message, expected = _explain(first, legacy)
    variable = env_keys.get(tuple(str(part) for part in loc[:2]))
    path = f"environment variable {variable}" if variable else source
    error = ConfigError(
        message, path=path, key=_display_key(loc, keymap) or None, expected=expected
    )
    if len(errors) > 1:
        others = [_display_key(tuple(e["loc"]), keymap) for e in errors[1:]]
        listed = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        noun = "problem" if len(others) == 1 else "problems"
        error.args = (f"{error}; and {len(others)} more {noun} ({listed})",)
    return error
