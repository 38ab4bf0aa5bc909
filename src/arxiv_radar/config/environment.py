"""Every setting from the environment: ``ARXIV_RADAR_*`` variables, read by pydantic-settings.

``ARXIV_RADAR_<SECTION>__<KEY>`` sets ``<section>.<key>``; each further ``__`` goes one table
deeper (``ARXIV_RADAR_SUMMARIES__MODEL``, ``ARXIV_RADAR_PROFILES__DEFAULT__MAX_PAPERS``,
``ARXIV_RADAR_SUMMARIES__BUDGET__MAX_COST``). Lists and whole tables are written as JSON
(``ARXIV_RADAR_ARXIV__CATEGORIES='["cs.AI", "cs.LG"]'``); numbers and true/false as text.
The seven older names of :data:`ENV_OVERRIDES` (``ARXIV_RADAR_DB``, ...) keep working.
Names are case-insensitive, and an empty variable counts as unset.

:func:`apply_environment` writes the values over the file's (environment over file over
defaults) before validation, so they are checked like values from the file, and returns
which key came from which variable, so that every error names the variable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, get_origin

from pydantic import BaseModel
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict, SettingsError

from arxiv_radar.arxiv.taxonomy import canonical_category
from arxiv_radar.config.messages import annotation_at, dotted
from arxiv_radar.config.sections import (
    DEFAULT_PRICES,
    ArxivConfig,
    Config,
    ProfileConfig,
    PublishConfig,
    StoreConfig,
    SummaryConfig,
    WorkersConfig,
)
from arxiv_radar.config.values import ProfileName
from arxiv_radar.errors import ConfigError

__all__ = ["ENV_OVERRIDES", "ENV_PREFIX", "NESTED_DELIMITER", "apply_environment"]

ENV_PREFIX = "ARXIV_RADAR_"
NESTED_DELIMITER = "__"

ENV_OVERRIDES: Mapping[str, tuple[str, str]] = {
    "ARXIV_RADAR_RSS_URL": ("arxiv", "rss_url"),
    "ARXIV_RADAR_API_URL": ("arxiv", "api_url"),
    "ARXIV_RADAR_OAI_URL": ("arxiv", "oai_url"),
    "ARXIV_RADAR_HTML_URL": ("arxiv", "html_url"),
    "ARXIV_RADAR_PDF_URL": ("arxiv", "pdf_url"),
    "ARXIV_RADAR_MIN_INTERVAL": ("arxiv", "min_interval"),
    "ARXIV_RADAR_DB": ("store", "url"),
}
"""The older short names -> (section, key) they set, as ``ARXIV_RADAR_ARXIV__RSS_URL`` does."""

_SECONDS = {("arxiv", "min_interval"), ("arxiv", "timeout"), ("summaries", "timeout")}
_NAMED_TABLES = (("profiles",), ("profiles", "*", "category_weights"), ("summaries", "prices"))
"""Tables whose keys are names the user chose: a variable's lower-cased name finds them."""


class _Sections(BaseSettings):
    """The sections as pydantic-settings reads them from variables (never instantiated)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        case_sensitive=False,
        env_ignore_empty=True,
        extra="ignore",
    )

    arxiv: ArxivConfig | None = None
    profiles: dict[ProfileName, ProfileConfig] | None = None
    summaries: SummaryConfig | None = None
    store: StoreConfig | None = None
    workers: WorkersConfig | None = None
    publish: PublishConfig | None = None


def apply_environment(data: dict[str, Any], env: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Write the settings ``env`` gives over ``data`` (the file's tables); return which key
    path came from which variable. Raises :class:`ConfigError` naming the variable."""
    source = EnvSettingsSource(_Sections)
    found: list[tuple[tuple[str, ...], Any, str]] = []
    for name, raw in sorted(env.items()):
        value = raw.strip()
        if not value or not name.upper().startswith(ENV_PREFIX):
            continue  # unset and empty both mean "no override"
        if name.upper() in ENV_OVERRIDES:
            path: tuple[str, ...] = ENV_OVERRIDES[name.upper()]
            found.append((path, _scalar(path, value, name), name))
            continue
        path = tuple(name[len(ENV_PREFIX) :].lower().split(NESTED_DELIMITER))
        if path[0] not in Config.model_fields:
            if len(path) > 1:  # ARXIV_RADAR_ADMIN_TOKEN and the like are not settings
                raise ConfigError(
                    f"unknown section '{path[0]}'",
                    path=f"environment variable {name}",
                    expected=f"ARXIV_RADAR_<section>__<key>, the section one of "
                    f"{', '.join(Config.model_fields)}",
                )
            continue
        source.env_vars = {name.lower(): value}
        try:
            tables = source()
        except SettingsError:
            raise _not_json(path, value, name) from None
        leaf = _dig(tables, path)
        if isinstance(leaf, str):
            leaf = _scalar(path, leaf, name)
        found.append((_named(path, data), leaf, name))
    return _merge(data, found)


def _dig(tables: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = tables
    for part in path:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _named(path: tuple[str, ...], data: Mapping[str, Any]) -> tuple[str, ...]:
    """``path`` with each lower-cased name spelt as the file (or the shipped prices, or the
    taxonomy) spells it: ``profiles.theory`` is ``profiles.Theory`` when the file has that."""
    for table in _NAMED_TABLES:
        size = len(table)
        pairs = zip(table, path[:size], strict=False)
        if len(path) <= size or any(want not in ("*", got) for want, got in pairs):
            continue
        known = _dig(data, path[:size])
        names = list(known) if isinstance(known, Mapping) else []
        if table == ("summaries", "prices"):
            names += list(DEFAULT_PRICES)
        if table[-1] == "category_weights":
            names.append(canonical_category(path[size]) or path[size])
        match = next((name for name in names if str(name).lower() == path[size]), path[size])
        path = (*path[:size], match, *path[size + 1 :])
    return path


def _scalar(path: tuple[str, ...], value: str, variable: str) -> Any:
    """A variable's text as its setting takes it: a number, true/false, a list or a table
    (JSON, where pydantic-settings left it undecoded), else the text itself."""
    kind = annotation_at(path)
    if get_origin(kind) in (list, dict) or (isinstance(kind, type) and issubclass(kind, BaseModel)):
        try:
            return json.loads(value)
        except ValueError:
            raise _not_json(path, value, variable) from None
    try:
        if kind is bool:
            return {"true": True, "1": True, "false": False, "0": False}[value.lower()]
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
    except (KeyError, ValueError):
        expected = {bool: "true or false", int: "an integer", float: "a number"}[kind]
        if path in _SECONDS:
            expected = "a number of seconds"
        raise ConfigError(
            f"found '{value}'",
            path=f"environment variable {variable}",
            key=dotted(path),
            expected=expected,
        ) from None
    return value


def _not_json(path: tuple[str, ...], value: str, variable: str) -> ConfigError:
    kind = annotation_at(path)
    is_list = get_origin(kind) is list
    text = value if len(value) <= 60 else value[:57] + "..."
    return ConfigError(
        f"found '{text}', which is not a JSON {'list' if is_list else 'object'}",
        path=f"environment variable {variable}",
        key=dotted(path),
        expected='a JSON list such as ["cs.AI", "cs.LG"]'
        if is_list
        else 'a JSON object such as {"max_papers": 30}',
    )


def _merge(
    data: dict[str, Any], found: list[tuple[tuple[str, ...], Any, str]]
) -> dict[tuple[str, ...], str]:
    """Whole tables first, then the keys inside them; two variables for one key must agree."""
    applied: dict[tuple[str, ...], str] = {}
    by_path: dict[tuple[str, ...], tuple[Any, str]] = {}
    for path, value, variable in sorted(found, key=lambda item: len(item[0])):
        if path in by_path and by_path[path][0] != value:
            raise ConfigError(
                f"set to different values by {by_path[path][1]} and {variable}",
                path=f"environment variable {variable}",
                key=dotted(path),
                expected="one of the two variables, or both with the same value",
            )
        by_path[path] = (value, variable)
        table: Any = data
        for part in path[:-1]:
            table = table.setdefault(part, {}) if isinstance(table, dict) else None
        if isinstance(table, dict):  # else the file's own error is reported
            old = table.get(path[-1])
            table[path[-1]] = _deep_merge(old, value)
            _register(path, value, variable, applied)
    return applied


def _deep_merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _deep_merge(old.get(key), value)
        return merged
    return new


def _register(
    path: tuple[str, ...], value: Any, variable: str, applied: dict[tuple[str, ...], str]
) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _register((*path, str(key)), inner, variable, applied)
    else:
        applied[path] = variable
