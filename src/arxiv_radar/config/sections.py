"""The sections of the configuration: one frozen, typed model per table of ``arxiv-radar.toml``.

Each stage receives only its own section (:class:`ArxivConfig`, :class:`ProfileConfig`,
:class:`SummaryConfig`, :class:`StoreConfig`, :class:`PublishConfig`); :class:`Config` holds
them all, and :meth:`Config.named_profile` gives a profile with its name.

Long on purpose: every setting, its default, bounds and comment, in one place that the
documentation and the example file are checked against.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from arxiv_radar.arxiv.taxonomy import canonical_category
from arxiv_radar.config.values import (
    DEFAULT_KEYWORDS,
    MODEL_CONFIG,
    AnnounceTypeName,
    Author,
    Category,
    Condition,
    Keyword,
    KeywordRule,
    NonEmpty,
    ProfileName,
    Url,
    invalid,
)
from arxiv_radar.errors import ConfigError, UsageError
from arxiv_radar.schedule import parse_cron

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_PRICES",
    "ArxivConfig",
    "BudgetConfig",
    "Config",
    "NamedProfile",
    "PriceConfig",
    "ProfileConfig",
    "PublishConfig",
    "StoreConfig",
    "SummaryConfig",
]

DEFAULT_CATEGORIES: tuple[str, ...] = ("cs.AI", "cs.CL", "cs.DC", "cs.LG")
_ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RATE_LIMIT = re.compile(  # one limit of the limits package's notation (limits.parse)
    r"^\s*(?P<amount>[0-9]+)\s*(?:/|\s*per\s*)\s*(?:[1-9][0-9]*)?"
    r"\s*(?:second|minute|hour|day|month|year)s?\s*$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"^[^@\s<>()]+@[^@\s<>()]+\.[^@\s<>()]+$")


def _is_arxiv_host(host: str | None) -> bool:
    host = (host or "").lower().rstrip(".")
    return host == "arxiv.org" or host.endswith(".arxiv.org")


def _env_name(value: str, example: str) -> str:
    """``value`` when it is an environment variable's name (where a key is read from)."""
    if not _ENV_VAR_NAME.match(value):
        raise invalid(
            "found a value that is not an environment variable name "
            "(put the key itself in the environment, never in this file)",
            f"a variable name such as {example}",
        )
    return value


class ArxivConfig(BaseModel):
    """``[arxiv]``: what to fetch and how politely."""

    model_config = MODEL_CONFIG

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
            raise invalid(
                f"found {value:g}, but arXiv's terms of use allow one request every 3 seconds "
                f"and {arxiv_hosts[0]} is an arXiv host",
                "a number >= 3 while any URL points at arxiv.org",
            )
        return value

    @field_validator("contact")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value.strip()):
            raise invalid(f"found '{value}'", "an e-mail address such as you@example.org")
        return value.strip() if value is not None else None


def _default_keywords() -> list[KeywordRule | str]:
    return list(DEFAULT_KEYWORDS)


def _default_announce_types() -> list[AnnounceTypeName]:
    return ["new", "cross"]


DEFAULT_SEMANTIC_WEIGHT = 5.0
"""hybrid: points per unit of similarity (docs/relevance.md says how it was chosen)."""


class ProfileConfig(BaseModel):
    """``[profiles.<name>]``: the interests papers are ranked against."""

    model_config = MODEL_CONFIG

    keywords: list[Keyword] = Field(default_factory=_default_keywords)
    exclude: list[Condition] = Field(default_factory=list)
    max_papers: int = Field(default=50, ge=1)
    min_score: float = Field(default=0.0, ge=0)
    mode: Literal["keywords", "legacy", "semantic", "hybrid"] = "keywords"
    required: list[Condition] = Field(default_factory=list)
    authors: list[Author] = Field(default_factory=list)
    category_weights: dict[Category, float] = Field(default_factory=dict)
    announce_types: list[AnnounceTypeName] = Field(
        default_factory=_default_announce_types, min_length=1
    )
    title_bonus: float = Field(default=0.5, ge=0)
    # Semantic ranking (docs/relevance.md): what the reader works on, in their own words; papers
    # that stand for it; their own library (a BibTeX or CSL-JSON export).
    interests: list[NonEmpty] = Field(default_factory=list)
    seed_papers: list[NonEmpty] = Field(default_factory=list)
    library: NonEmpty | None = None
    # a Zotero web library (users/<id>, groups/<id> or its URL), its API key in zotero_key_env
    zotero: NonEmpty | None = None
    zotero_key_env: str = "ZOTERO_API_KEY"
    # hybrid: score = keyword score + semantic_weight x similarity (docs/relevance.md)
    semantic_weight: float = Field(default=DEFAULT_SEMANTIC_WEIGHT, ge=0)
    # hybrid, once the reader marked enough papers: + feedback_weight x (2p - 1)
    feedback_weight: float = Field(default=2.0, ge=0)
    # semantic and hybrid: the day's papers ranked first that expand the profile (0: none)
    expansion_per_1000: int = Field(default=10, ge=0, le=100)
    # the LLM of [summaries] judges the top `rerank` papers, which it reorders (0: off)
    rerank: int = Field(default=0, ge=0, le=100)

    @model_validator(mode="after")
    def _hybrid_by_default(self) -> Self:
        """A profile that says what it is about (interests, seed papers, a library or a
        Zotero library) ranks in ``hybrid`` mode unless it names a mode."""
        if "mode" not in self.model_fields_set and (
            self.interests or self.seed_papers or self.library or self.zotero
        ):
            object.__setattr__(self, "mode", "hybrid")
        return self

    @field_validator("zotero")
    @classmethod
    def _zotero_library(cls, value: str | None) -> str | None:
        from arxiv_radar.zotero import ZoteroLibrary

        if value is not None:
            try:
                ZoteroLibrary.parse(value)
            except ValueError:
                raise invalid(
                    f"found '{value}'",
                    'a Zotero library: "users/<userID>" (the number shown at '
                    'https://www.zotero.org/settings/keys), "groups/<groupID>", or the full '
                    "URL of one",
                ) from None
        return value

    @field_validator("zotero_key_env")
    @classmethod
    def _zotero_key_name(cls, value: str) -> str:
        return _env_name(value, "ZOTERO_API_KEY")

    @field_validator("category_weights", mode="before")
    @classmethod
    def _distinct_categories(cls, value: Any) -> Any:
        if isinstance(value, dict):
            seen: dict[str, str] = {}
            for key in value:
                canonical = canonical_category(key) if isinstance(key, str) else None
                if canonical is not None and canonical in seen:
                    raise invalid(
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


READER_EDITABLE = (
    "keywords",
    "exclude",
    "required",
    "authors",
    "interests",
    "seed_papers",
    "max_papers",
    "min_score",
    "mode",
    "category_weights",
    "announce_types",
    "semantic_weight",
)
"""The settings of a profile its reader may change through the server's API. Not ``library``
or ``zotero`` (a path on the server, an environment variable's name): only the operator sets
those."""


def profile_with_edits(profile: ProfileConfig, edits: Mapping[str, Any]) -> ProfileConfig:
    """``profile`` with a reader's ``edits`` laid over it (only :data:`READER_EDITABLE`
    settings; anything else is a ``ValueError``), validated as the configuration file's are
    (a pydantic ``ValidationError`` names what is wrong)."""
    unknown = sorted(set(edits) - set(READER_EDITABLE))
    if unknown:
        raise ValueError(
            f"a reader cannot change {', '.join(unknown)} (only {', '.join(READER_EDITABLE)})"
        )
    return ProfileConfig.model_validate({**profile.model_dump(exclude_unset=True), **dict(edits)})


class BudgetConfig(BaseModel):
    """``[summaries.budget]``: what one run may spend at most (unset: no limit).

    ``max_tokens`` counts input and output tokens together; ``max_cost`` is in the
    currency of the model's price. Once either is reached no new call starts; calls
    already under way finish.
    """

    model_config = MODEL_CONFIG

    max_tokens: int | None = Field(default=None, ge=1)
    max_cost: float | None = Field(default=None, gt=0)


class PriceConfig(BaseModel):
    """``[summaries.prices.<model>]``: a model's price per million tokens."""

    model_config = MODEL_CONFIG

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

    model_config = MODEL_CONFIG

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
    concurrency: int = Field(default=16, ge=1, le=64)
    rate_limit: NonEmpty | None = None
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
    def _key_name(cls, value: str) -> str:
        return _env_name(value, "DASHSCOPE_API_KEY")

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        """Calls per period in the notation of the ``limits`` package (which counts them),
        checked here without it: ``60/minute``, ``10 per second``, ``500/2 hours``."""
        match = _RATE_LIMIT.match(value or "")
        if value is not None and (match is None or int(match["amount"]) < 1):
            raise invalid(
                f"found '{value}', which is not a rate limit",
                'calls per period of at least 1, as "60/minute", "10/second", "500/2 hours" '
                'or "1000 per day"',
            )
        return value


class StoreConfig(BaseModel):
    """``[store]``: where papers, scores and summaries are kept."""

    model_config = MODEL_CONFIG

    url: NonEmpty = "arxiv-radar.db"
    # Connections each process keeps open (a server with many threads, workers): SQLAlchemy's
    # pool size; and PostgreSQL only, the longest a statement may run before it is cancelled.
    pool_size: int = Field(default=5, ge=1, le=100)
    statement_timeout: float | None = Field(default=None, gt=0)

    def engine_options(self) -> dict[str, Any]:
        """What :meth:`arxiv_radar.store.Store.open` takes of this section."""
        return {"pool_size": self.pool_size, "statement_timeout": self.statement_timeout}


class WorkersConfig(BaseModel):
    """``[workers]``: the day's work (embedding, summaries, readers' rankings and
    publications) done by ``arxiv-radar worker`` processes through a broker.

    Without ``broker`` everything runs in the process that runs (the default).
    """

    model_config = MODEL_CONFIG

    broker: NonEmpty | None = None
    visibility_timeout: float = Field(default=3600.0, ge=1, le=86400)
    task_timeout: float = Field(default=900.0, ge=1, le=86400)

    @field_validator("broker")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("redis", "rediss"):
            raise ValueError(
                f"'{value}' is not a Redis URL: write redis://HOST:6379/0 (rediss:// for TLS)"
            )
        return value


class PublishConfig(BaseModel):
    """``[publish]``: what the digest, feeds and site are called, where they live, when."""

    model_config = MODEL_CONFIG

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
            raise invalid(
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
            raise invalid(
                f"found an unknown time zone '{value}'", 'an IANA name such as "Europe/Berlin"'
            ) from None
        return value


class Config(BaseModel):
    """The whole configuration. ``source`` is the file it came from (None for defaults)."""

    model_config = MODEL_CONFIG

    arxiv: ArxivConfig = Field(default_factory=ArxivConfig)
    profiles: dict[ProfileName, ProfileConfig] = Field(
        default_factory=lambda: {"default": ProfileConfig()}, min_length=1
    )
    summaries: SummaryConfig = Field(default_factory=SummaryConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    workers: WorkersConfig = Field(default_factory=WorkersConfig)
    publish: PublishConfig = Field(default_factory=PublishConfig)

    _source: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        return self._source

    @property
    def folder(self) -> Path | None:
        """The folder of the configuration file: relative paths in it (a profile's
        ``library``) are read from there. None without a file (the current folder)."""
        return Path(self._source).resolve().parent if self._source else None

    def with_edits(self, edits: Mapping[str, Mapping[str, Any]]) -> Config:
        """This configuration with readers' changes to their profiles laid over it
        (:func:`profile_with_edits`; the store keeps them: ``Store.profile_edits()``).
        Changes to a profile the configuration no longer has are ignored."""
        changed = {
            name: profile_with_edits(profile, edits[name])
            for name, profile in self.profiles.items()
            if edits.get(name)
        }
        if not changed:
            return self
        return self.model_copy(update={"profiles": {**self.profiles, **changed}})

    def named_profile(self, name: str | None = None) -> NamedProfile:
        """A profile and its name; None picks ``default``, or the only profile there is."""
        known = ", ".join(self.profiles)
        if name is None:
            if "default" in self.profiles:
                return NamedProfile("default", self.profiles["default"])
            if len(self.profiles) == 1:
                return NamedProfile(*next(iter(self.profiles.items())))
            raise ConfigError(
                "several profiles and none is named 'default'; choose one",
                path=self._source,
                key="profiles",
                expected=f"one of {known}",
            )
        if name in self.profiles:
            return NamedProfile(name, self.profiles[name])
        close = difflib.get_close_matches(name, list(self.profiles), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConfigError(
            f"unknown profile '{name}'{hint}",
            path=self._source,
            key=f"profiles.{name}",
            expected=f"one of {known}",
        )

    def profile(self, name: str | None = None) -> ProfileConfig:
        """The settings of :meth:`named_profile` (for callers that do not need the name)."""
        return self.named_profile(name).settings


@dataclass(frozen=True, slots=True)
class NamedProfile:
    """A profile with the name it has in ``[profiles.<name>]``."""

    name: str
    settings: ProfileConfig
