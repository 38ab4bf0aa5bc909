"""The old arXiv Papers Bot's ``config.json``, read with the meaning its keys had there.

:func:`from_legacy` maps the old keys onto the sections and returns a map back, so error
messages name the keys the file really has. A key that has no effect here is logged once per
load, one line saying why (docs/configuration.md, "The old config.json").
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from typing import Any

from arxiv_radar.config.sections import Config
from arxiv_radar.config.values import describe
from arxiv_radar.errors import ConfigError

__all__ = ["OLD_TOOL_DEFAULT_CATEGORIES", "OLD_TOOL_DEFAULT_MAX_WORKERS", "from_legacy"]

logger = logging.getLogger(__name__)

OLD_TOOL_DEFAULT_CATEGORIES: tuple[str, ...] = ("cs.AI", "cs.LG", "cs.CL", "cs.CV")
OLD_TOOL_DEFAULT_MAX_WORKERS = 5

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


def from_legacy(raw: Any, path: str) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """Map the old tool's keys onto the new sections; keep a map back for error messages."""
    if not isinstance(raw, dict):
        raise ConfigError(
            f"found {describe(raw, True)} at the top", path=path, expected="an object"
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
            f"found {describe(summary, True)}", path=path, key="ai_summary", expected="an object"
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
            f"found {describe(enabled, True)}",
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
            f"found {describe(methods, True)}",
            path=path,
            key="deduplication_methods",
            expected='a list of "id", "title" or "link"',
        )
    for i, method in enumerate(methods):
        if method not in _DEDUP_METHODS:
            raise ConfigError(
                f"found {describe(method, True)}",
                path=path,
                key=f"deduplication_methods[{i}]",
                expected='"id", "title" or "link"',
            )
