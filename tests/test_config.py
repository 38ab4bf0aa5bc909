"""Configuration: defaults, discovery, TOML, the old config.json, env overrides, errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from arxiv_radar.config import (
    DEFAULT_KEYWORDS,
    DEFAULT_PRICES,
    ENV_OVERRIDES,
    ArxivConfig,
    AuthorRule,
    BudgetConfig,
    Config,
    KeywordRule,
    PriceConfig,
    ProfileConfig,
    PublishConfig,
    StoreConfig,
    SummaryConfig,
    find_config_file,
    load_config,
)
from arxiv_radar.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "arxiv-radar.example.toml"
DOCS = ROOT / "docs" / "configuration.md"
LEGACY_FIXTURE = Path(__file__).parent / "fixtures" / "config" / "legacy_config.json"
SECTIONS: dict[str, type[BaseModel]] = {
    "arxiv": ArxivConfig,
    "profiles.default": ProfileConfig,
    "summaries": SummaryConfig,
    "store": StoreConfig,
    "publish": PublishConfig,
}
LOCAL = "http://127.0.0.1:8000"
ALL_LOCAL = {
    "ARXIV_RADAR_RSS_URL": LOCAL,
    "ARXIV_RADAR_API_URL": LOCAL,
    "ARXIV_RADAR_OAI_URL": LOCAL,
}

OLD_TOOL_KEYWORDS = [
    "kv cache", "offload", "State Space", "SSM", "framework", "System", "Generation", "Video",
    "Linear", "LLM", "RL", "RLHF", "Inference", "Training", "Attention", "Pipeline", "MOE",
    "Sparse", "Quantization", "Speculative", "Efficient", "Efficiency", "Framework", "Parallel",
    "Distributed", "Kernel", "Decode", "Decoding", "Prefill", "Throughput", "Fast", "Network",
    "Hardware", "Cluster", "FP8", "FP4", "Optimization", "Scalable", "Communication",
]  # fmt: skip


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path, env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {})
    return caught.value


# ---------------------------------------------------------------- defaults and discovery


def test_no_file_gives_the_built_in_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.source is None
    assert config.arxiv.categories == ["cs.AI", "cs.CL", "cs.DC", "cs.LG"]
    assert config.arxiv.rss_url == "https://rss.arxiv.org/rss"
    assert config.arxiv.api_url == "https://export.arxiv.org/api/query"
    assert config.arxiv.oai_url == "https://oaipmh.arxiv.org/oai"
    assert (config.arxiv.min_interval, config.arxiv.timeout) == (3.0, 30.0)
    assert (config.arxiv.max_retries, config.arxiv.days_back, config.arxiv.contact) == (4, 7, None)
    assert list(config.profiles) == ["default"]
    profile = config.profile()
    assert profile.keywords == OLD_TOOL_KEYWORDS
    assert (profile.exclude, profile.max_papers, profile.min_score) == ([], 50, 0.0)
    assert profile.mode == "keywords"
    s = config.summaries
    assert (s.enabled, s.provider, s.api_key_env, s.base_url) == (
        True,
        "auto",
        "DASHSCOPE_API_KEY",
        None,
    )
    assert (s.model, s.prompt_file, s.max_papers, s.concurrency, s.language) == (
        "qwen-long",
        None,
        5,
        16,
        "zh",
    )
    assert (s.timeout, s.max_retries, s.temperature, s.input_mode, s.max_input_tokens) == (
        120.0,
        4,
        0.3,
        "abstract",
        12000,
    )
    assert (s.budget.max_tokens, s.budget.max_cost) == (None, None)
    assert {name: (p.input, p.output, p.currency) for name, p in s.prices.items()} == {
        "qwen-long": (0.5, 2.0, "CNY"),
        "gpt-4o-mini": (0.15, 0.6, "USD"),
        "deepseek-chat": (0.27, 1.1, "USD"),
    }
    assert config.store.url == "arxiv-radar.db"


def test_default_keywords_are_the_old_tools_list_with_duplicates_kept() -> None:
    assert list(DEFAULT_KEYWORDS) == OLD_TOOL_KEYWORDS
    assert len(DEFAULT_KEYWORDS) == 39
    assert "framework" in DEFAULT_KEYWORDS and "Framework" in DEFAULT_KEYWORDS


def test_toml_is_preferred_over_config_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "config.json", '{"categories": ["math.QA"]}')
    legacy = load_config(env={})
    assert legacy.arxiv.categories == ["math.QA"]
    assert legacy.source == str(tmp_path / "config.json")
    write(tmp_path, "arxiv-radar.toml", '[arxiv]\ncategories = ["hep-th"]\n')
    config = load_config(env={})
    assert config.arxiv.categories == ["hep-th"]
    assert Path(config.source or "").name == "arxiv-radar.toml"
    assert find_config_file(tmp_path) == tmp_path / "arxiv-radar.toml"
    assert find_config_file(tmp_path / "elsewhere") is None


def test_an_explicit_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    error = config_error(missing)
    assert str(missing) in str(error)
    assert "arxiv-radar init" in str(error) and "arxiv-radar.example.toml" in str(error)
    assert error.exit_code == 2


def test_an_unsupported_file_type_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "config.yaml", "arxiv: {}\n")
    error = config_error(path)
    assert "unsupported file type '.yaml'" in str(error) and ".toml" in str(error)


def test_config_is_frozen() -> None:
    config = Config()
    with pytest.raises(ValidationError):
        config.arxiv.timeout = 1.0  # type: ignore[misc]


# ---------------------------------------------------------------- TOML


FULL_TOML = """
[arxiv]
categories = ["cs.ai", "MATH.QA", "hep-th", "cs.AI", "cond-mat.str-el"]
rss_url = "https://mirror.example.org/rss"
api_url = "https://mirror.example.org/api/query"
oai_url = "https://mirror.example.org/oai"
html_url = "https://mirror.example.org/html"
pdf_url = "https://mirror.example.org/pdf"
min_interval = 0.5
timeout = 12.5
max_retries = 0
days_back = 60
contact = "me@example.org"

[profiles.default]
keywords = [
  "LLM", " RL ", "kv cache", {term = "speculative decoding", weight = 2},
  {regex = '\\bMoE\\b', weight = 1.5, label = "MoE"},
]
exclude = ["survey", {regex = "^a survey"}]
max_papers = 30
min_score = 2.5
mode = "legacy"
required = ["LLM", {term = "transformer", label = "Transformers"}]
authors = ["Yann LeCun", {name = "Léon Bottou", weight = 3.0}]
category_weights = {"cs.ai" = 1.0, "math" = -0.5}
announce_types = ["new", "cross", "replace", "new"]
title_bonus = 1.0
interests = ["Efficient inference for large language models."]
seed_papers = ["2211.17192"]
library = "~/Zotero/library.bib"
zotero = "groups/2205"
zotero_key_env = "MY_ZOTERO_KEY"
semantic_weight = 3.0
feedback_weight = 1.0
expansion_per_1000 = 5
rerank = 20

[profiles.theory-2]
keywords = ["scaling law"]
max_papers = 1

[summaries]
enabled = false
provider = "openai-compatible"
api_key_env = "MY_LLM_KEY"
base_url = "http://localhost:11434/v1"
model = "llama3"
prompt_file = "prompts/mine.txt"
max_papers = 0
concurrency = 64
rate_limit = "30 per minute"
language = "en"
timeout = 30
max_retries = 0
temperature = 0.0
input_mode = "fulltext"
max_input_tokens = 4000
max_output_tokens = 800
model_path = "models/tiny.gguf"

[summaries.budget]
max_tokens = 500000
max_cost = 2

[summaries.prices.qwen-long]
input = 0.3

[summaries.prices.llama3]
input = 0
output = 0.0
currency = "EUR"

[store]
url = "postgresql+psycopg://radar@db/arxiv_radar"
pool_size = 12
statement_timeout = 2.5

[workers]
broker = "redis://queue:6379/1"
visibility_timeout = 600
task_timeout = 120

[publish]
title = "My <radar>"
description = "Papers I read"
base_url = "https://example.org/digest/"
output = "out"
template = "README.template.md"
abstract_chars = 500
schedule = "0 7 * * 1-5"
timezone = "Europe/Berlin"
notify = ["json://localhost:9/hook"]
"""


def rule(
    term: str | None = None, regex: str | None = None, weight: float = 1.0, label: str | None = None
) -> dict[str, Any]:
    """A keyword table as ``model_dump`` writes it."""
    return {"term": term, "regex": regex, "weight": weight, "label": label}


def test_a_full_toml_file_loads_every_value(tmp_path: Path) -> None:
    path = write(tmp_path, "arxiv-radar.toml", FULL_TOML)
    config = load_config(path, env={})
    assert config.source == str(path)
    assert config.model_dump() == {
        "arxiv": {
            "categories": ["cs.AI", "math.QA", "hep-th", "cond-mat.str-el"],
            "rss_url": "https://mirror.example.org/rss",
            "api_url": "https://mirror.example.org/api/query",
            "oai_url": "https://mirror.example.org/oai",
            "html_url": "https://mirror.example.org/html",
            "pdf_url": "https://mirror.example.org/pdf",
            "min_interval": 0.5,
            "timeout": 12.5,
            "max_retries": 0,
            "days_back": 60,
            "contact": "me@example.org",
        },
        "profiles": {
            "default": {
                "keywords": [
                    "LLM",
                    " RL ",
                    "kv cache",
                    rule(term="speculative decoding", weight=2.0),
                    rule(regex=r"\bMoE\b", weight=1.5, label="MoE"),
                ],
                "exclude": ["survey", rule(regex="^a survey")],
                "max_papers": 30,
                "min_score": 2.5,
                "mode": "legacy",
                "required": ["LLM", rule(term="transformer", label="Transformers")],
                "authors": ["Yann LeCun", {"name": "Léon Bottou", "weight": 3.0}],
                "category_weights": {"cs.AI": 1.0, "math": -0.5},
                "announce_types": ["new", "cross", "replace"],
                "title_bonus": 1.0,
                "interests": ["Efficient inference for large language models."],
                "seed_papers": ["2211.17192"],
                "library": "~/Zotero/library.bib",
                "zotero": "groups/2205",
                "zotero_key_env": "MY_ZOTERO_KEY",
                "semantic_weight": 3.0,
                "feedback_weight": 1.0,
                "expansion_per_1000": 5,
                "rerank": 20,
            },
            "theory-2": {
                "keywords": ["scaling law"],
                "exclude": [],
                "max_papers": 1,
                "min_score": 0.0,
                "mode": "keywords",
                "required": [],
                "authors": [],
                "category_weights": {},
                "announce_types": ["new", "cross"],
                "title_bonus": 0.5,
                "interests": [],
                "seed_papers": [],
                "library": None,
                "zotero": None,
                "zotero_key_env": "ZOTERO_API_KEY",
                "semantic_weight": 5.0,
                "feedback_weight": 2.0,
                "expansion_per_1000": 10,
                "rerank": 0,
            },
        },
        "summaries": {
            "enabled": False,
            "provider": "openai-compatible",
            "api_key_env": "MY_LLM_KEY",
            "base_url": "http://localhost:11434/v1",
            "model": "llama3",
            "prompt_file": "prompts/mine.txt",
            "max_papers": 0,
            "concurrency": 64,
            "rate_limit": "30 per minute",
            "language": "en",
            "timeout": 30.0,
            "max_retries": 0,
            "temperature": 0.0,
            "input_mode": "fulltext",
            "max_input_tokens": 4000,
            "max_output_tokens": 800,
            "model_path": "models/tiny.gguf",
            "budget": {"max_tokens": 500000, "max_cost": 2.0},
            "prices": {
                "qwen-long": {"input": 0.3, "output": 2.0, "currency": "CNY"},
                "gpt-4o-mini": {"input": 0.15, "output": 0.6, "currency": "USD"},
                "deepseek-chat": {"input": 0.27, "output": 1.1, "currency": "USD"},
                "llama3": {"input": 0.0, "output": 0.0, "currency": "EUR"},
            },
        },
        "store": {
            "url": "postgresql+psycopg://radar@db/arxiv_radar",
            "pool_size": 12,
            "statement_timeout": 2.5,
        },
        "workers": {
            "broker": "redis://queue:6379/1",
            "visibility_timeout": 600.0,
            "task_timeout": 120.0,
        },
        "publish": {
            "title": "My <radar>",
            "description": "Papers I read",
            "base_url": "https://example.org/digest/",
            "output": "out",
            "template": "README.template.md",
            "abstract_chars": 500,
            "schedule": "0 7 * * 1-5",
            "timezone": "Europe/Berlin",
            "notify": ["json://localhost:9/hook"],
        },
    }
    # The full file above sets every key of every section.
    parsed = tomllib.loads(FULL_TOML)
    for section, model in SECTIONS.items():
        table: Any = parsed
        for part in section.split("."):
            table = table[part]
        assert set(table) == set(model.model_fields), section


def test_dumped_values_load_back_to_the_same_config(tmp_path: Path) -> None:
    first = load_config(write(tmp_path, "a.toml", FULL_TOML), env={})
    again = Config.model_validate(first.model_dump())
    assert again.model_dump() == first.model_dump()


def test_partial_sections_keep_the_other_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", '[profiles.default]\nexclude = ["survey"]\n[summaries]\n')
    config = load_config(path, env={})
    assert config.profile().keywords == OLD_TOOL_KEYWORDS
    assert config.profile().exclude == ["survey"]
    assert config.summaries == SummaryConfig()
    assert config.arxiv == ArxivConfig()


# ---------------------------------------------------------------- errors


ERROR_CASES: list[tuple[str, str, str | None, list[str]]] = [
    # (toml text, key, expected fragment, message fragments)
    ("[arxiv]\ncategoris = []\n", "arxiv.categoris", "one of categories, rss_url",
     ["unknown key 'categoris'", "did you mean 'categories'?"]),
    ("[profile]\nkeywords = []\n", "profile", "one of arxiv, profiles, summaries, store",
     ["did you mean 'profiles'?"]),
    ('keywords = ["LLM"]\n', "keywords", "[profiles.default] keywords", ["profile setting"]),
    ('categories = ["cs.AI"]\n', "categories", "[arxiv] categories", ["[arxiv] table"]),
    ("[profiles.default]\nmax_papers = \"30\"\n", "profiles.default.max_papers", "an integer",
     ['found "30"']),
    ("[summaries]\nenabled = \"yes\"\n", "summaries.enabled", "true or false", ['found "yes"']),
    ("[arxiv]\ntimeout = \"fast\"\n", "arxiv.timeout", "a number", ['found "fast"']),
    ("[arxiv]\ncategories = \"cs.AI\"\n", "arxiv.categories", "a list", ['found "cs.AI"']),
    ("arxiv = 3\n", "arxiv", "a table", ["found 3"]),
    ("[profiles.default]\nmax_papers = 0\n", "profiles.default.max_papers", "an integer >= 1",
     ["found 0"]),
    ("[arxiv]\ndays_back = 61\n", "arxiv.days_back", "an integer <= 60", ["found 61"]),
    ("[profiles.default]\nrerank = 101\n", "profiles.default.rerank", "an integer <= 100",
     ["found 101"]),
    ("[arxiv]\ntimeout = 0\n", "arxiv.timeout", "a number > 0", ["found 0"]),
    ("[arxiv]\ntimeout = nan\n", "arxiv.timeout", "a finite number", ["found nan"]),
    ("[arxiv]\nmax_retries = -1\n", "arxiv.max_retries", "an integer >= 0", ["found -1"]),
    ("[profiles.default]\nmin_score = -0.5\n", "profiles.default.min_score", "a number >= 0",
     ["found -0.5"]),
    ("[summaries]\nconcurrency = 0\n", "summaries.concurrency", "an integer >= 1", ["found 0"]),
    ("[summaries]\nrate_limit = \"60/min\"\n", "summaries.rate_limit", '"60/minute"',
     ["found '60/min', which is not a rate limit"]),
    ("[summaries]\nrate_limit = \"0/second\"\n", "summaries.rate_limit", "at least 1",
     ["found '0/second'"]),
    ("[summaries]\nrate_limit = \"1/second;60/minute\"\n", "summaries.rate_limit",
     '"500/2 hours"', ["not a rate limit"]),
    ("[summaries]\nlanguage = \"fr\"\n", "summaries.language", "one of 'zh' or 'en'",
     ['found "fr"']),
    ("[summaries]\nprovider = \"gpt\"\n", "summaries.provider", "'openai-compatible'",
     ['found "gpt"']),
    ("[profiles.default]\nmode = \"fuzzy\"\n", "profiles.default.mode",
     "'keywords', 'legacy', 'semantic' or 'hybrid'",
     ['found "fuzzy"']),
    ('[arxiv]\ncategories = ["cs.AI", "cs.LG", "cs.AII"]\n', "arxiv.categories[2]",
     "an arXiv category id", ["unknown arXiv category 'cs.AII' (did you mean cs.AI?)"]),
    ('[arxiv]\ncategories = ["chao-dyn"]\n', "arxiv.categories[0]", "nlin.CD",
     ["retired arXiv archive"]),
    ("[arxiv]\ncategories = []\n", "arxiv.categories", "at least 1", ["found an empty list"]),
    ("[arxiv]\nmin_interval = 1.0\n", "arxiv.min_interval", "a number >= 3",
     ["found 1", "terms of use allow one request every 3 seconds", "rss.arxiv.org"]),
    ('[arxiv]\nrss_url = "rss.arxiv.org/rss"\n', "arxiv.rss_url", "http:// or https:// URL",
     ["found 'rss.arxiv.org/rss'"]),
    ('[summaries]\napi_key_env = "sk-abc123"\n', "summaries.api_key_env", "a variable name",
     ["never in this file"]),
    ('[arxiv]\ncontact = "me at home"\n', "arxiv.contact", "an e-mail address", ["found"]),
    ('[profiles.default]\nkeywords = ["LLM", " "]\n', "profiles.default.keywords[1]",
     "a word or phrase", ["empty keyword"]),
    ('[profiles."my profile"]\n', "profiles.my profile", "letters, digits", ["profile name"]),
    ("[profiles]\n", "profiles", "at least 1", ["found an empty table"]),
    ('[summaries]\nmodel = ""\n', "summaries.model", "a non-empty string", ["empty string"]),
    ("[summaries]\ntimeout = 0\n", "summaries.timeout", "a number > 0", ["found 0"]),
    ("[summaries]\nmax_retries = 21\n", "summaries.max_retries", "an integer <= 20",
     ["found 21"]),
    ("[summaries]\ntemperature = 2.5\n", "summaries.temperature", "a number <= 2",
     ["found 2.5"]),
    ('[summaries]\ninput_mode = "pdf"\n', "summaries.input_mode", "'upload'", ['found "pdf"']),
    ("[summaries]\nmax_input_tokens = 100\n", "summaries.max_input_tokens",
     "an integer >= 256", ["found 100"]),
    ("[summaries.budget]\nmax_tokens = 0\n", "summaries.budget.max_tokens", "an integer >= 1",
     ["found 0"]),
    ("[summaries.budget]\nmax_cost = -1\n", "summaries.budget.max_cost", "a number > 0",
     ["found -1"]),
    ("[summaries.budget]\nmax_dollars = 1\n", "summaries.budget.max_dollars",
     "one of max_tokens, max_cost", ["unknown key 'max_dollars'"]),
    ("[summaries.prices.my-model]\ninput = 1.0\n", "summaries.prices.my-model.output",
     "output = ...", ["'output' is missing from this table"]),
    ("[summaries.prices.qwen-long]\ninput = -0.5\n", "summaries.prices.qwen-long.input",
     "a number >= 0", ["found -0.5"]),
    ('[summaries.prices.qwen-long]\ncurrency = ""\n', "summaries.prices.qwen-long.currency",
     "a non-empty string", ["empty string"]),
    # keyword tables, authors, category weights, announce types
    ("[profiles.default]\nkeywords = [\"LLM\", {regex = '\\bMoE('}]\n",
     "profiles.default.keywords[1].regex", "a Python regular expression",
     ["invalid regular expression '\\bMoE(': missing ), unterminated subpattern at position 5"]),
    ("[profiles.default]\nrequired = [{regex = '['}]\n", "profiles.default.required[0].regex",
     "a Python regular expression", ["invalid regular expression '['", "character set"]),
    ("[profiles.default]\nexclude = [{regex = 'x|'}]\n", "profiles.default.exclude[0].regex",
     "needs at least one character", ["matches empty text"]),
    ("[profiles.default]\nkeywords = [{term = 'a', regex = 'b'}]\n", "profiles.default.keywords[0]",
     "{term = ", ["exactly one of 'term' and 'regex'"]),
    ("[profiles.default]\nkeywords = [{weight = 2.0}]\n", "profiles.default.keywords[0]",
     "{regex = ", ["exactly one of 'term' and 'regex'"]),
    ("[profiles.default]\nkeywords = [{term = 'a', wieght = 2}]\n",
     "profiles.default.keywords[0].wieght", "one of term, regex, weight, label",
     ["unknown key 'wieght'", "did you mean 'weight'?"]),
    ("[profiles.default]\nkeywords = [{term = 'a', weight = 0}]\n",
     "profiles.default.keywords[0].weight", "a number > 0", ["found 0"]),
    ("[profiles.default]\nkeywords = [3]\n", "profiles.default.keywords[0]",
     "a string or a table", ["found 3"]),
    ("[profiles.default]\nkeywords = [{term = ' '}]\n", "profiles.default.keywords[0].term",
     "a word or phrase", ["empty keyword"]),
    ("[profiles.default]\nexclude = [{term = 'survey', weight = 2.0}]\n",
     "profiles.default.exclude[0]", "without weight", ["no effect in exclude and required"]),
    ('[profiles.default]\nauthors = ["..."]\n', "profiles.default.authors[0]", "an author name",
     ['found "..."']),
    ("[profiles.default]\nauthors = [{weight = 3.0}]\n", "profiles.default.authors[0]",
     "{name = ", ["needs a 'name'"]),
    ("[profiles.default]\nauthors = [{name = 'A B', weight = -1}]\n",
     "profiles.default.authors[0].weight", "a number > 0", ["found -1"]),
    ('[profiles.default]\ncategory_weights = {"cs.AII" = 1.0}\n',
     "profiles.default.category_weights.cs.AII", "an arXiv category id",
     ["unknown arXiv category 'cs.AII' (did you mean cs.AI?)"]),
    ('[profiles.default]\ncategory_weights = {"cs.ai" = 1.0, "cs.AI" = 2.0}\n',
     "profiles.default.category_weights", "each category once",
     ["'cs.ai' and 'cs.AI' are the same category"]),
    ('[profiles.default]\ncategory_weights = {"cs.AI" = "high"}\n',
     "profiles.default.category_weights.cs.AI", "a number", ['found "high"']),
    ('[profiles.default]\nannounce_types = ["old"]\n', "profiles.default.announce_types[0]",
     "'replace-cross'", ['found "old"']),
    ("[profiles.default]\nannounce_types = []\n", "profiles.default.announce_types",
     "at least 1", ["found an empty list"]),
    ("[profiles.default]\ntitle_bonus = -1\n", "profiles.default.title_bonus", "a number >= 0",
     ["found -1"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "expected", "fragments"), ERROR_CASES)
def test_each_problem_names_the_file_the_key_and_the_expectation(
    tmp_path: Path, text: str, key: str, expected: str | None, fragments: list[str]
) -> None:
    path = write(tmp_path, "arxiv-radar.toml", text)
    error = config_error(path)
    message = str(error)
    assert message.startswith(f"{path}: key '{key}': ")
    assert error.path == str(path) and error.key == key
    assert expected is not None and expected in (error.expected or "")
    assert f"(expected {error.expected})" in message
    for fragment in fragments:
        assert fragment in message
    assert error.exit_code == 2
    assert "more problem" not in message


def test_keyword_and_author_tables_load_as_rules(tmp_path: Path) -> None:
    text = (
        "[profiles.default]\n"
        'keywords = ["LLM", {term = "kv cache", weight = 2}, {regex = \'\\bMoE\\b\'}]\n'
        'authors = ["Yann LeCun", {name = "Léon Bottou"}]\n'
    )
    profile = load_config(write(tmp_path, "a.toml", text), env={}).profile()
    assert profile.keywords == [
        "LLM",
        KeywordRule(term="kv cache", weight=2.0),
        KeywordRule(regex=r"\bMoE\b"),
    ]
    assert profile.authors == ["Yann LeCun", AuthorRule(name="Léon Bottou", weight=2.0)]
    assert ProfileConfig(keywords=[KeywordRule(term="x")]).keywords == [KeywordRule(term="x")]


def test_a_legacy_file_keeps_plain_keyword_lists(tmp_path: Path) -> None:
    text = '{"keywords": ["RL", "RL", "kv cache"], "exclude_keywords": ["survey"]}'
    profile = load_config(write(tmp_path, "config.json", text), env={}).profile()
    assert profile.keywords == ["RL", "RL", "kv cache"]
    assert profile.exclude == ["survey"]
    assert (profile.required, profile.authors, profile.category_weights) == ([], [], {})
    assert profile.announce_types == ["new", "cross"] and profile.title_bonus == 0.5


def test_malformed_toml_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "arxiv-radar.toml", '[arxiv]\ntimeout = 3\ncategories "cs.AI"\n')
    error = config_error(path)
    assert str(error).startswith(f"{path}: not valid TOML: ")
    assert "line 3, column" in str(error)
    assert error.exit_code == 2


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "arxiv-radar.toml"
    path.write_bytes(b'[store]\nurl = "caf\xe9.db"\n')
    assert "UTF-8" in str(config_error(path))


def test_several_problems_describe_the_first_and_count_the_others(tmp_path: Path) -> None:
    text = "[arxiv]\ntimeout = 0\nmax_retries = -1\n[summaries]\nconcurrency = 0\n"
    error = config_error(write(tmp_path, "arxiv-radar.toml", text))
    message = str(error)
    assert error.key == "arxiv.timeout"
    assert message.endswith("; and 2 more problems (arxiv.max_retries, summaries.concurrency)")


# ---------------------------------------------------------------- the old config.json


def test_the_legacy_fixture_maps_every_key(caplog: pytest.LogCaptureFixture) -> None:
    config = load_config(LEGACY_FIXTURE, env={})
    assert config.source == str(LEGACY_FIXTURE)
    assert config.arxiv.categories == ["cs.AI", "cs.LG", "cs.CL", "cs.DC"]
    assert config.arxiv.days_back == 7
    assert list(config.profiles) == ["default"]
    profile = config.profile()
    assert profile.keywords == OLD_TOOL_KEYWORDS
    assert profile.exclude == ["survey"]
    assert profile.max_papers == 30
    assert profile.min_score == 2.5
    assert profile.mode == "keywords"  # the legacy ranking mode is never implied
    s = config.summaries
    assert s.enabled is True
    assert s.provider == "auto"
    assert s.api_key_env == "DASHSCOPE_API_KEY"
    assert s.base_url == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    assert s.model == "qwen-long"
    assert s.prompt_file == "ai_summary_prompt.txt"
    assert s.max_papers == 15
    assert s.concurrency == 3
    # Everything config.json cannot say keeps the new defaults.
    assert config.arxiv.min_interval == 3.0 and config.store == StoreConfig()


def test_a_minimal_legacy_file_keeps_the_old_tools_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "config.json", "{}"), env={})
    assert config.arxiv.categories == ["cs.AI", "cs.LG", "cs.CL", "cs.CV"]
    assert config.summaries.concurrency == 5
    assert config.summaries.max_papers == 5
    assert config.profile().max_papers == 50
    assert config.arxiv.days_back == 7


def test_legacy_deduplication_keys_are_accepted_without_effect(tmp_path: Path) -> None:
    text = '{"enable_deduplication": false, "deduplication_methods": ["link"]}'
    config = load_config(write(tmp_path, "config.json", text), env={})
    assert config.model_dump() == load_config(write(tmp_path, "b.json", "{}"), env={}).model_dump()


LEGACY_ERRORS: list[tuple[str, str | None, list[str]]] = [
    ('{"categorys": []}', "categorys", ["unknown key 'categorys'", "did you mean 'categories'?",
                                        "exclude_keywords"]),
    ('{"arxiv": {}}', "arxiv", ["new-style settings go in arxiv-radar.toml"]),
    ('{"ai_summary": {"workers": 3}}', "workers", ["in ai_summary", "max_workers"]),
    ('{"ai_summary": []}', "ai_summary", ["found a list", "an object"]),
    ('{"ai_summary": {"max_workers": "3"}}', "ai_summary.max_workers",
     ['found "3"', "an integer"]),
    ('{"ai_summary": {"max_papers_to_summarize": -1}}', "ai_summary.max_papers_to_summarize",
     ["found -1", ">= 0"]),
    ('{"max_papers": 0}', "max_papers", ["found 0", ">= 1"]),
    ('{"min_score": "high"}', "min_score", ['found "high"', "a number"]),
    ('{"exclude_keywords": ["ok", ""]}', "exclude_keywords[1]", ["empty keyword"]),
    ('{"categories": ["cs.AI", "cs.XX"]}', "categories[1]", ["unknown arXiv category 'cs.XX'"]),
    ('{"days_back": 90}', "days_back", ["found 90", "<= 60"]),
    ('{"enable_deduplication": "yes"}', "enable_deduplication", ["true or false"]),
    ('{"deduplication_methods": "id"}', "deduplication_methods", ["a list of"]),
    ('{"deduplication_methods": ["id", "doi"]}', "deduplication_methods[1]",
     ['found "doi"', '"id", "title" or "link"']),
    ("[1, 2]", None, ["found a list at the top", "an object"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "fragments"), LEGACY_ERRORS)
def test_legacy_problems_name_the_old_keys(
    tmp_path: Path, text: str, key: str | None, fragments: list[str]
) -> None:
    path = write(tmp_path, "config.json", text)
    error = config_error(path)
    assert error.path == str(path) and error.key == key
    assert str(error).startswith(f"{path}: key '{key}': " if key else f"{path}: ")
    for fragment in fragments:
        assert fragment in str(error)
    assert error.exit_code == 2


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "config.json", '{\n  "max_papers": 30\n  "days_back": 7\n}\n')
    error = config_error(path)
    assert str(error) == (f"{path}: not valid JSON: Expecting ',' delimiter (at line 3, column 3)")


def test_a_legacy_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b'\xef\xbb\xbf{"max_papers": 12}')
    assert load_config(path, env={}).profile().max_papers == 12


# ---------------------------------------------------------------- environment


def test_environment_overrides_apply_after_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", '[store]\nurl = "file.db"\n[arxiv]\nmin_interval = 5.0\n')
    env = {
        **ALL_LOCAL,
        "ARXIV_RADAR_MIN_INTERVAL": "0",
        "ARXIV_RADAR_DB": "sqlite:///:memory:",
        "ARXIV_RADAR_HTML_URL": f"{LOCAL}/html",
        "ARXIV_RADAR_PDF_URL": f"{LOCAL}/pdf",
    }
    config = load_config(path, env=env)
    assert (config.arxiv.rss_url, config.arxiv.api_url, config.arxiv.oai_url) == (LOCAL,) * 3
    assert (config.arxiv.html_url, config.arxiv.pdf_url) == (f"{LOCAL}/html", f"{LOCAL}/pdf")
    assert config.arxiv.min_interval == 0.0
    assert config.store.url == "sqlite:///:memory:"
    assert set(ENV_OVERRIDES) == {*ALL_LOCAL, "ARXIV_RADAR_MIN_INTERVAL", "ARXIV_RADAR_DB"} | {
        "ARXIV_RADAR_HTML_URL",
        "ARXIV_RADAR_PDF_URL",
    }


def test_empty_environment_variables_count_as_unset(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", '[store]\nurl = "file.db"\n')
    config = load_config(path, env={"ARXIV_RADAR_DB": "", "ARXIV_RADAR_MIN_INTERVAL": " "})
    assert config.store.url == "file.db" and config.arxiv.min_interval == 3.0


def test_the_process_environment_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARXIV_RADAR_DB", "from-env.db")
    assert load_config().store.url == "from-env.db"


def test_a_non_numeric_min_interval_names_the_variable(tmp_path: Path) -> None:
    error = config_error(write(tmp_path, "a.toml", ""), env={"ARXIV_RADAR_MIN_INTERVAL": "fast"})
    assert str(error) == (
        "environment variable ARXIV_RADAR_MIN_INTERVAL: key 'arxiv.min_interval': "
        "found 'fast' (expected a number of seconds)"
    )
    assert error.exit_code == 2


def test_min_interval_below_3_is_refused_for_arxiv_hosts(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", "")
    error = config_error(path, env={"ARXIV_RADAR_MIN_INTERVAL": "1.0"})
    assert error.key == "arxiv.min_interval"
    assert error.path == "environment variable ARXIV_RADAR_MIN_INTERVAL"
    assert "rss.arxiv.org" in str(error) and "3 seconds" in str(error)


def test_min_interval_below_3_is_allowed_when_every_url_is_local(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", "[arxiv]\nmin_interval = 1.0\n")
    assert load_config(path, env=ALL_LOCAL).arxiv.min_interval == 1.0


@pytest.mark.parametrize("still_arxiv", sorted(ALL_LOCAL))
def test_one_arxiv_url_left_is_enough_to_refuse_a_short_interval(
    tmp_path: Path, still_arxiv: str
) -> None:
    env = {k: v for k, v in ALL_LOCAL.items() if k != still_arxiv}
    env["ARXIV_RADAR_MIN_INTERVAL"] = "1.0"
    error = config_error(write(tmp_path, "a.toml", ""), env=env)
    assert error.key == "arxiv.min_interval" and "arxiv.org" in str(error)


def test_an_arxiv_subdomain_counts_as_arxiv(tmp_path: Path) -> None:
    text = (
        '[arxiv]\nmin_interval = 2.9\nrss_url = "http://127.0.0.1/rss"\n'
        'oai_url = "http://127.0.0.1/oai"\napi_url = "http://export.ARXIV.org/api/query"\n'
    )
    error = config_error(write(tmp_path, "a.toml", text))
    assert "export.arxiv.org is an arXiv host" in str(error)
    text = text.replace("export.ARXIV.org", "notarxiv.org")
    assert load_config(write(tmp_path, "b.toml", text), env={}).arxiv.min_interval == 2.9


def test_an_invalid_url_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    error = config_error(write(tmp_path, "a.toml", ""), env={"ARXIV_RADAR_RSS_URL": "localhost"})
    assert error.path == "environment variable ARXIV_RADAR_RSS_URL"
    assert error.key == "arxiv.rss_url"


# ---------------------------------------------------------------- profiles


def test_profile_lookup(tmp_path: Path) -> None:
    text = '[profiles.default]\nmax_papers = 10\n[profiles.systems]\nkeywords = ["GPU"]\n'
    config = load_config(write(tmp_path, "a.toml", text), env={})
    assert config.profile().max_papers == 10
    assert config.profile("systems").keywords == ["GPU"]
    with pytest.raises(ConfigError) as caught:
        config.profile("sytems")
    message = str(caught.value)
    assert "unknown profile 'sytems' (did you mean systems?)" in message
    assert "one of default, systems" in message and str(tmp_path) in message


def test_the_only_profile_is_used_whatever_its_name(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "a.toml", "[profiles.theory]\nmax_papers = 3\n"), env={})
    assert list(config.profiles) == ["theory"]
    assert config.profile().max_papers == 3


def test_several_profiles_without_a_default_need_a_name(tmp_path: Path) -> None:
    text = "[profiles.a]\n[profiles.b]\n"
    config = load_config(write(tmp_path, "a.toml", text), env={})
    with pytest.raises(ConfigError, match="one of a, b"):
        config.profile()


# ---------------------------------------------------------------- example file and docs


def _uncommented_example() -> str:
    """The example with its commented-out keys and tables switched on."""
    pattern = re.compile(r"^# (\[[\w.\-]+\]|[a-z_0-9]+ = .*)$")
    lines = [pattern.sub(r"\1", line) for line in EXAMPLE.read_text().splitlines()]
    return "\n".join(lines) + "\n"


def test_the_example_file_is_the_defaults(tmp_path: Path) -> None:
    config = load_config(EXAMPLE, env={})
    assert config.model_dump() == Config().model_dump()


def test_the_example_file_shows_every_key_of_every_section(tmp_path: Path) -> None:
    text = _uncommented_example()
    parsed = tomllib.loads(text)
    for section, model in SECTIONS.items():
        table: Any = parsed
        for part in section.split("."):
            table = table[part]
        assert set(table) == set(model.model_fields), section
    assert set(parsed) == set(Config.model_fields)
    assert set(parsed["profiles"]) == {"default", "theory"}
    # The commented-out examples are valid too.
    config = load_config(write(tmp_path, "a.toml", text), env={})
    assert config.arxiv.contact is not None and config.summaries.prompt_file is not None


def test_the_example_file_names_every_old_config_json_key() -> None:
    text = EXAMPLE.read_text()
    old_keys = ["categories", "keywords", "exclude_keywords", "max_papers", "min_score"]
    old_keys += ["days_back"] + [
        f"ai_summary.{k}"
        for k in ["enabled", "api_key_env", "base_url", "model", "prompt_file"]
        + ["max_papers_to_summarize", "max_workers"]
    ]
    for key in old_keys:
        assert f"# config.json: {key}" in text, key


def test_the_docs_describe_every_key_and_variable() -> None:
    docs = DOCS.read_text()
    for section, model in SECTIONS.items():
        heading = "[profiles.<name>]" if section.startswith("profiles") else f"[{section}]"
        assert f"## `{heading}`" in docs, section
        for name in model.model_fields:
            assert f"| `{name}` |" in docs, f"{section}.{name}"
    for variable in ENV_OVERRIDES:
        assert f"| `{variable}` |" in docs, variable
    for old in ["enable_deduplication", "deduplication_methods", "ai_summary.max_workers"]:
        assert f"| `{old}` |" in docs, old


def test_the_example_file_shows_the_budget_and_every_shipped_price() -> None:
    summaries = tomllib.loads(_uncommented_example())["summaries"]
    assert set(summaries["budget"]) == set(BudgetConfig.model_fields)
    assert summaries["prices"] == {name: dict(price) for name, price in DEFAULT_PRICES.items()}
    for price in summaries["prices"].values():
        assert set(price) == set(PriceConfig.model_fields)


def test_the_docs_describe_the_summary_tables_and_shipped_prices() -> None:
    section = DOCS.read_text().split("## `[summaries]`", 1)[1].split("\n## ", 1)[0]
    for name in SummaryConfig.model_fields:
        assert f"| `{name}` |" in section, name
    budget = section.split("### `[summaries.budget]`", 1)[1].split("\n### ", 1)[0]
    for name in BudgetConfig.model_fields:
        assert f"| `{name}` |" in budget, f"budget.{name}"
    prices = section.split("### `[summaries.prices.<model>]`", 1)[1]
    for name in PriceConfig.model_fields:
        assert f"| `{name}` |" in prices, f"prices.{name}"
    for model, price in DEFAULT_PRICES.items():
        row = next(line for line in prices.splitlines() if line.startswith(f"| `{model}` |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert float(cells[1]) == price["input"] and float(cells[2]) == price["output"], model
        assert cells[3].startswith(str(price["currency"])), model
    for legacy in ["max_workers", "max_papers_to_summarize", "api_key_env", "base_url"]:
        assert f"`ai_summary.{legacy}`" in section, legacy


def test_prices_in_a_file_add_to_the_shipped_ones(tmp_path: Path) -> None:
    text = (
        "[summaries.prices.qwen-long]\ninput = 0.3\n"
        "[summaries.prices.my-model]\ninput = 1\noutput = 3\n"
    )
    config = load_config(write(tmp_path, "a.toml", text), env={})
    prices = config.summaries.prices
    assert prices["qwen-long"] == PriceConfig(input=0.3, output=2.0, currency="CNY")
    assert prices["my-model"] == PriceConfig(input=1.0, output=3.0, currency="USD")
    assert prices["gpt-4o-mini"] == SummaryConfig().prices["gpt-4o-mini"]
    assert config.summaries.price_for("my-model") == prices["my-model"]
    assert config.summaries.price_for("unknown") is None


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ('schedule = "61 6 * * 1-5"', "publish.schedule", "five fields"),
        ('schedule = "daily"', "publish.schedule", "five fields"),
        ('timezone = "Mars/Olympus"', "publish.timezone", "IANA name"),
        ("abstract_chars = 10", "publish.abstract_chars", "50"),
    ],
)
def test_bad_publish_values_name_the_key(
    tmp_path: Path, line: str, key: str, expected: str
) -> None:
    path = write(tmp_path, "arxiv-radar.toml", f"[publish]\n{line}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert key in message and expected in message and str(path) in message


# ---------------------------------------------------------------- every key the old tool had

OLD_TOOL_FIXTURE = Path(__file__).parent / "fixtures" / "config" / "old_tool_08f90a8.json"
"""The users' config.json exactly as the old tool's repository holds it at commit 08f90a8."""


def test_the_old_tools_own_file_loads_with_one_notice_per_ignored_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="arxiv_radar.config"):
        config = load_config(OLD_TOOL_FIXTURE, env={})
    profile = config.profile()
    assert config.arxiv.categories == ["cs.AI", "cs.CL", "cs.DC", "cs.LG"]
    assert config.arxiv.days_back == 7
    assert profile.keywords[:3] == ["LLM", "RL", "RLHF"] and len(profile.keywords) == 30
    assert profile.exclude == ["survey", "review", "tutorial"]
    assert (profile.max_papers, profile.min_score) == (30, 2.5)
    notices = [record.getMessage() for record in caplog.records]
    assert len(notices) == 3, notices
    for key in ("fetch_ratings", "display_limit", "deduplication_methods"):
        assert sum(f"'{key}' is ignored: " in notice for notice in notices) == 1, key


@pytest.mark.parametrize(
    ("text", "ignored"),
    [
        ('{"fetch_ratings": false}', ["fetch_ratings"]),
        ('{"display_limit": 20}', ["display_limit"]),
        ('{"enable_deduplication": false}', ["enable_deduplication"]),
        ('{"enable_deduplication": true}', []),
    ],
)
def test_each_old_key_without_effect_is_named_once(
    text: str, ignored: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="arxiv_radar.config"):
        config = load_config(write(tmp_path, "config.json", text), env={})
    assert config.model_dump() == load_config(write(tmp_path, "b.json", "{}"), env={}).model_dump()
    named = re.findall(r"'(\w+)' .*is ignored", caplog.text)
    assert named == ignored


def test_the_docs_list_every_old_key() -> None:
    docs = DOCS.read_text()
    for key in ("fetch_ratings", "display_limit", "enable_deduplication", "days_back"):
        assert f"| `{key}` |" in docs, key
