"""Every setting from the environment: ``ARXIV_RADAR_<SECTION>__<KEY>``, the older short names,
precedence (environment over file over defaults), errors naming the variable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from arxiv_radar.config import (
    ENV_OVERRIDES,
    Config,
    NamedProfile,
    ProfileConfig,
    load_config,
)
from arxiv_radar.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
LOCAL = "http://127.0.0.1:8000"


def toml(folder: Path, text: str) -> Path:
    path = folder / "arxiv-radar.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, env: dict[str, str]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env)
    return caught.value


# ---------------------------------------------------------------- nested names


def test_nested_variables_set_keys_of_sections_profiles_and_tables(tmp_path: Path) -> None:
    env = {
        "ARXIV_RADAR_SUMMARIES__MODEL": "qwen-max",
        "ARXIV_RADAR_PROFILES__DEFAULT__MAX_PAPERS": "30",
        "ARXIV_RADAR_SUMMARIES__BUDGET__MAX_COST": "2.5",
        "ARXIV_RADAR_SUMMARIES__ENABLED": "false",
        "ARXIV_RADAR_ARXIV__CATEGORIES": '["cs.ai", "math.QA"]',
        "ARXIV_RADAR_PROFILES__DEFAULT__KEYWORDS": '["kv cache", {"regex": "\\\\bMoE\\\\b"}]',
        "ARXIV_RADAR_SUMMARIES__PRICES__MY-MODEL": '{"input": 1, "output": 3}',
    }
    config = load_config(toml(tmp_path, ""), env=env)
    assert config.summaries.model == "qwen-max"
    assert config.profile().max_papers == 30
    assert config.summaries.budget.max_cost == 2.5
    assert config.summaries.enabled is False
    assert config.arxiv.categories == ["cs.AI", "math.QA"]
    assert config.profile().keywords[0] == "kv cache"
    assert config.profile().keywords[1].regex == "\\bMoE\\b"  # type: ignore[union-attr]
    price = config.summaries.prices["my-model"]
    assert (price.input, price.output, price.currency) == (1.0, 3.0, "USD")
    assert config.summaries.prices["qwen-long"].currency == "CNY"  # shipped prices stay


def test_a_variable_creates_a_profile_as_a_table_in_the_file_would(tmp_path: Path) -> None:
    config = load_config(toml(tmp_path, ""), env={"ARXIV_RADAR_PROFILES__THEORY__MAX_PAPERS": "3"})
    assert config.profiles == {"theory": ProfileConfig(max_papers=3)}
    in_file = load_config(toml(tmp_path, "[profiles.theory]\nmax_papers = 3\n"), env={})
    assert config.model_dump() == in_file.model_dump()


def test_names_are_not_case_sensitive_and_find_the_files_spelling(tmp_path: Path) -> None:
    text = '[profiles.Theory]\nmax_papers = 3\n[profiles.Theory.category_weights]\n"cs.lg" = 1.0\n'
    env = {
        "arxiv_radar_profiles__theory__title_bonus": "1",
        "ARXIV_RADAR_PROFILES__THEORY__CATEGORY_WEIGHTS__CS.LG": "2",
        "ARXIV_RADAR_PROFILES__THEORY__CATEGORY_WEIGHTS__MATH.qa": "-1",
        "ARXIV_RADAR_SUMMARIES__PRICES__QWEN-LONG__INPUT": "0.3",
    }
    config = load_config(toml(tmp_path, text), env=env)
    assert list(config.profiles) == ["Theory"]
    theory = config.profiles["Theory"]
    assert (theory.max_papers, theory.title_bonus) == (3, 1.0)
    assert theory.category_weights == {"cs.LG": 2.0, "math.QA": -1.0}
    qwen = config.summaries.prices["qwen-long"]
    assert (qwen.input, qwen.output, qwen.currency) == (0.3, 2.0, "CNY")


@pytest.mark.parametrize("section", sorted(Config.model_fields))
def test_every_section_can_be_given_as_one_json_table(tmp_path: Path, section: str) -> None:
    tables: dict[str, tuple[str, Any]] = {
        "arxiv": ('{"days_back": 3}', lambda c: c.arxiv.days_back == 3),
        "profiles": ('{"x": {"max_papers": 2}}', lambda c: c.profiles["x"].max_papers == 2),
        "summaries": ('{"language": "en"}', lambda c: c.summaries.language == "en"),
        "store": ('{"url": "env.db"}', lambda c: c.store.url == "env.db"),
        "workers": ('{"task_timeout": 5}', lambda c: c.workers.task_timeout == 5),
        "publish": ('{"abstract_chars": 500}', lambda c: c.publish.abstract_chars == 500),
    }
    value, check = tables[section]
    assert check(load_config(toml(tmp_path, ""), env={f"ARXIV_RADAR_{section.upper()}": value}))


def test_variables_that_name_no_section_and_no_nesting_are_left_alone(tmp_path: Path) -> None:
    env = {"ARXIV_RADAR_ADMIN_TOKEN": "secret", "ARXIV_RADAR_TEST_PG_URL": "postgresql://x"}
    assert load_config(toml(tmp_path, ""), env=env).model_dump() == Config().model_dump()


# ---------------------------------------------------------------- the older short names


@pytest.mark.parametrize(("variable", "target"), sorted(ENV_OVERRIDES.items()))
def test_each_short_name_sets_what_its_long_name_sets(
    tmp_path: Path, variable: str, target: tuple[str, str]
) -> None:
    value = (
        "9" if target[1] == "min_interval" else f"{LOCAL}/x" if "url" in variable.lower() else "x"
    )
    if target == ("store", "url"):
        value = "short.db"
    long_name = f"ARXIV_RADAR_{target[0].upper()}__{target[1].upper()}"
    short = load_config(toml(tmp_path, ""), env={variable: value})
    long = load_config(toml(tmp_path, ""), env={long_name: value})
    assert short.model_dump() == long.model_dump() != Config().model_dump()
    assert str(getattr(getattr(short, target[0]), target[1])) in (value, "9.0")
    both = load_config(toml(tmp_path, ""), env={variable: value, long_name: value})
    assert both.model_dump() == short.model_dump()


def test_a_short_and_a_long_name_that_disagree_are_refused(tmp_path: Path) -> None:
    env = {"ARXIV_RADAR_DB": "a.db", "ARXIV_RADAR_STORE__URL": "b.db"}
    error = error_of(toml(tmp_path, ""), env)
    assert "ARXIV_RADAR_DB" in str(error) and "ARXIV_RADAR_STORE__URL" in str(error)
    assert error.key == "store.url" and error.exit_code == 2


# ---------------------------------------------------------------- precedence


def test_environment_over_file_over_defaults(tmp_path: Path) -> None:
    path = toml(tmp_path, '[summaries]\nmodel = "file-model"\nmax_papers = 2\n')
    config = load_config(path, env={"ARXIV_RADAR_SUMMARIES__MODEL": "env-model"})
    assert config.summaries.model == "env-model"  # environment over file
    assert config.summaries.max_papers == 2  # file over defaults
    assert config.summaries.language == "zh"  # the default
    assert load_config(path, env={}).summaries.model == "file-model"


def test_a_json_table_replaces_only_the_keys_it_names_and_a_key_variable_wins(
    tmp_path: Path,
) -> None:
    path = toml(tmp_path, '[publish]\ntitle = "File"\noutput = "from-file"\n')
    env = {
        "ARXIV_RADAR_PUBLISH": '{"title": "Json", "abstract_chars": 400}',
        "ARXIV_RADAR_PUBLISH__ABSTRACT_CHARS": "500",
    }
    publish = load_config(path, env=env).publish
    assert (publish.title, publish.output, publish.abstract_chars) == ("Json", "from-file", 500)


def test_empty_variables_count_as_unset(tmp_path: Path) -> None:
    path = toml(tmp_path, "[profiles.default]\nmax_papers = 4\n")
    env = {"ARXIV_RADAR_PROFILES__DEFAULT__MAX_PAPERS": " ", "ARXIV_RADAR_SUMMARIES__MODEL": ""}
    config = load_config(path, env=env)
    assert (config.profile().max_papers, config.summaries.model) == (4, "qwen-long")


def test_the_process_environment_is_read_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARXIV_RADAR_SUMMARIES__LANGUAGE", "en")
    assert load_config().summaries.language == "en"


def test_a_config_built_in_code_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_RADAR_SUMMARIES__LANGUAGE", "en")
    monkeypatch.setenv("ARXIV_RADAR_DB", "env.db")
    assert (Config().summaries.language, Config().store.url) == ("zh", "arxiv-radar.db")


# ---------------------------------------------------------------- errors name the variable


@pytest.mark.parametrize(
    ("env", "key", "message"),
    [
        (
            {"ARXIV_RADAR_PROFILES__DEFAULT__MAX_PAPERS": "many"},
            "profiles.default.max_papers",
            "found 'many' (expected an integer)",
        ),
        (
            {"ARXIV_RADAR_PROFILES__DEFAULT__MAX_PAPERS": "0"},
            "profiles.default.max_papers",
            "found 0 (expected an integer >= 1)",
        ),
        (
            {"ARXIV_RADAR_ARXIV__TIMEOUT": "soon"},
            "arxiv.timeout",
            "found 'soon' (expected a number of seconds)",
        ),
        (
            {"ARXIV_RADAR_SUMMARIES__ENABLED": "maybe"},
            "summaries.enabled",
            "found 'maybe' (expected true or false)",
        ),
        (
            {"ARXIV_RADAR_ARXIV__CATEGORIES": "cs.AI,cs.LG"},
            "arxiv.categories",
            "which is not a JSON list",
        ),
        (
            {"ARXIV_RADAR_ARXIV__CATEGORIES": '["cs.AII"]'},
            "arxiv.categories[0]",
            "unknown arXiv category 'cs.AII' (did you mean cs.AI?)",
        ),
        (
            {"ARXIV_RADAR_ARXIV__TIMEOUTS": "5"},
            "arxiv.timeouts",
            "unknown key 'timeouts' in [arxiv] (did you mean 'timeout'?)",
        ),
        (
            {"ARXIV_RADAR_SUMMARIES__PROVIDER": "gpt"},
            "summaries.provider",
            'found "gpt"',
        ),
        (
            {"ARXIV_RADAR_PUBLISH": '{"schedule": "every day"}'},
            "publish.schedule",
            "found a cron expression that does not parse",
        ),
        (
            {"ARXIV_RADAR_SUMMARIES__API_KEY_ENV": "sk-abc123"},
            "summaries.api_key_env",
            "put the key itself in the environment, never in this file",
        ),
    ],
)
def test_a_bad_value_names_its_variable(
    tmp_path: Path, env: dict[str, str], key: str, message: str
) -> None:
    error = error_of(toml(tmp_path, ""), env)
    (variable,) = env
    assert error.path == f"environment variable {variable}"
    assert error.key == key
    assert str(error).startswith(f"environment variable {variable}: key '{key}': ")
    assert message in str(error)
    assert error.exit_code == 2


def test_an_unknown_section_is_refused(tmp_path: Path) -> None:
    error = error_of(toml(tmp_path, ""), {"ARXIV_RADAR_ARXV__TIMEOUT": "5"})
    assert str(error).startswith(
        "environment variable ARXIV_RADAR_ARXV__TIMEOUT: unknown section 'arxv'"
    )


def test_a_problem_in_the_file_still_names_the_file(tmp_path: Path) -> None:
    path = toml(tmp_path, "[arxiv]\ntimeout = 0\n")
    error = error_of(path, {"ARXIV_RADAR_ARXIV": '{"days_back": 3}'})
    assert (error.path, error.key) == (str(path), "arxiv.timeout")


# ---------------------------------------------------------------- every documented setting

SAMPLES: dict[str, tuple[str, Any]] = {
    "arxiv.categories": ('["math.QA"]', ["math.QA"]),
    "arxiv.rss_url": (f"{LOCAL}/rss", f"{LOCAL}/rss"),
    "arxiv.api_url": (f"{LOCAL}/api", f"{LOCAL}/api"),
    "arxiv.oai_url": (f"{LOCAL}/oai", f"{LOCAL}/oai"),
    "arxiv.html_url": (f"{LOCAL}/html", f"{LOCAL}/html"),
    "arxiv.pdf_url": (f"{LOCAL}/pdf", f"{LOCAL}/pdf"),
    "arxiv.min_interval": ("4.5", 4.5),
    "arxiv.timeout": ("12", 12.0),
    "arxiv.max_retries": ("1", 1),
    "arxiv.days_back": ("2", 2),
    "arxiv.contact": ("me@example.org", "me@example.org"),
    "profiles.default.keywords": ('["GPU"]', ["GPU"]),
    "profiles.default.exclude": ('["survey"]', ["survey"]),
    "profiles.default.max_papers": ("7", 7),
    "profiles.default.min_score": ("1.5", 1.5),
    "profiles.default.mode": ("legacy", "legacy"),
    "profiles.default.required": ('["GPU"]', ["GPU"]),
    "profiles.default.authors": ('["Ada Lovelace"]', ["Ada Lovelace"]),
    "profiles.default.category_weights": ('{"cs.LG": 0.5}', {"cs.LG": 0.5}),
    "profiles.default.announce_types": ('["new"]', ["new"]),
    "profiles.default.title_bonus": ("1", 1.0),
    "profiles.default.interests": ('["GPU kernels"]', ["GPU kernels"]),
    "profiles.default.seed_papers": ('["2401.00001"]', ["2401.00001"]),
    "profiles.default.library": ("library.bib", "library.bib"),
    "profiles.default.zotero": ("users/475425", "users/475425"),
    "profiles.default.zotero_key_env": ("MY_ZOTERO_KEY", "MY_ZOTERO_KEY"),
    "profiles.default.semantic_weight": ("2", 2.0),
    "profiles.default.feedback_weight": ("0.5", 0.5),
    "profiles.default.expansion_per_1000": ("0", 0),
    "profiles.default.rerank": ("5", 5),
    "summaries.enabled": ("false", False),
    "summaries.provider": ("extractive", "extractive"),
    "summaries.api_key_env": ("MY_KEY", "MY_KEY"),
    "summaries.base_url": (f"{LOCAL}/v1", f"{LOCAL}/v1"),
    "summaries.model": ("qwen-max", "qwen-max"),
    "summaries.prompt_file": ("prompt.txt", "prompt.txt"),
    "summaries.max_papers": ("9", 9),
    "summaries.concurrency": ("2", 2),
    "summaries.rate_limit": ("10/second", "10/second"),
    "summaries.language": ("en", "en"),
    "summaries.timeout": ("60", 60.0),
    "summaries.max_retries": ("0", 0),
    "summaries.temperature": ("0.9", 0.9),
    "summaries.input_mode": ("fulltext", "fulltext"),
    "summaries.max_input_tokens": ("4096", 4096),
    "summaries.max_output_tokens": ("512", 512),
    "summaries.model_path": ("model.gguf", "model.gguf"),
    "summaries.budget": ('{"max_tokens": 10}', {"max_tokens": 10, "max_cost": None}),
    "summaries.budget.max_tokens": ("100", 100),
    "summaries.budget.max_cost": ("0.5", 0.5),
    "summaries.prices": ('{"m": {"input": 1, "output": 2}}', None),
    "summaries.prices.qwen-long.input": ("0.1", 0.1),
    "summaries.prices.qwen-long.output": ("0.2", 0.2),
    "summaries.prices.qwen-long.currency": ("EUR", "EUR"),
    "store.url": ("env.db", "env.db"),
    "store.pool_size": ("9", 9),
    "store.statement_timeout": ("0.5", 0.5),
    "workers.broker": ("redis://localhost:6379/0", "redis://localhost:6379/0"),
    "workers.visibility_timeout": ("120", 120.0),
    "workers.task_timeout": ("60", 60.0),
    "publish.title": ("My radar", "My radar"),
    "publish.description": ("Papers.", "Papers."),
    "publish.base_url": ("https://example.org/radar/", "https://example.org/radar/"),
    "publish.output": ("out", "out"),
    "publish.template": ("README.template.md", "README.template.md"),
    "publish.abstract_chars": ("200", 200),
    "publish.schedule": ("0 7 * * 1-5", "0 7 * * 1-5"),
    "publish.timezone": ("Europe/Berlin", "Europe/Berlin"),
    "publish.notify": ('["mailto://me@example.org"]', ["mailto://me@example.org"]),
}
"""A value for every setting docs/configuration.md describes, and what it becomes."""

DOCUMENTED_TABLES = {
    "## `[arxiv]`": "arxiv",
    "## `[profiles.<name>]`": "profiles.default",
    "## `[summaries]`": "summaries",
    "### `[summaries.budget]`": "summaries.budget",
    "### `[summaries.prices.<model>]`": "summaries.prices.qwen-long",
    "## `[store]`": "store",
    "## `[workers]`": "workers",
    "## `[publish]`": "publish",
}


def documented_settings() -> list[str]:
    """The dotted key of every row of the settings tables in docs/configuration.md."""
    docs = DOCS.read_text(encoding="utf-8")
    keys = []
    for heading, prefix in DOCUMENTED_TABLES.items():
        section = re.split(r"\n#", docs.split(heading + ":", 1)[1], maxsplit=1)[0]
        table = section.split("| key |", 1)[1]
        keys += [f"{prefix}.{key}" for key in re.findall(r"^\| `([a-z_0-9]+)` \|", table, re.M)]
    return keys


def test_the_samples_cover_exactly_the_documented_settings() -> None:
    assert sorted(documented_settings()) == sorted(SAMPLES)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_every_documented_setting_can_be_set_from_the_environment(tmp_path: Path, key: str) -> None:
    text, expected = SAMPLES[key]
    variable = "ARXIV_RADAR_" + key.replace(".", "__").upper()
    env = {variable: text}
    config = load_config(toml(tmp_path, ""), env=env)
    value: Any = config.model_dump()
    for part in key.split("."):
        value = value[part]
    if key == "summaries.prices":
        assert value["m"] == {"input": 1.0, "output": 2.0, "currency": "USD"}
    else:
        assert value == expected
    assert value != _default(key)


def _default(key: str) -> Any:
    value: Any = Config().model_dump()
    for part in key.split("."):
        value = value[part]
    return value


# ---------------------------------------------------------------- named profiles


def test_named_profile_gives_the_name_with_the_settings(tmp_path: Path) -> None:
    config = load_config(toml(tmp_path, "[profiles.theory]\nmax_papers = 3\n"), env={})
    assert config.named_profile() == NamedProfile("theory", config.profiles["theory"])
    assert config.named_profile("theory").settings.max_papers == 3
    two = load_config(toml(tmp_path, "[profiles.default]\n[profiles.b]\n"), env={})
    assert two.named_profile().name == "default"
    assert two.named_profile("b") == NamedProfile("b", two.profiles["b"])
    assert two.profile("b") is two.profiles["b"]
    with pytest.raises(ConfigError, match="unknown profile 'c'"):
        two.named_profile("c")
