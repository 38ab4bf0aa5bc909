"""Loading: find and read ``arxiv-radar.toml`` (or the old ``config.json``), apply the
environment, validate into a frozen :class:`~arxiv_radar.config.sections.Config`.

Every problem, from a TOML syntax error to a misspelt category, is raised as one
:class:`~arxiv_radar.errors.ConfigError` naming the file (or the environment variable), the
dotted key, what was found and what is expected. A bad file never falls back to defaults.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from arxiv_radar.config.environment import apply_environment
from arxiv_radar.config.legacy import from_legacy
from arxiv_radar.config.messages import translate
from arxiv_radar.config.sections import Config
from arxiv_radar.errors import ConfigError

__all__ = ["CONFIG_FILENAME", "LEGACY_FILENAME", "find_config_file", "load_config"]

CONFIG_FILENAME = "arxiv-radar.toml"
LEGACY_FILENAME = "config.json"


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
            data, keymap = from_legacy(_read_json(found), str(found))
        else:
            raise ConfigError(
                f"unsupported file type '{found.suffix}'",
                path=str(found),
                expected="a .toml file (or the old tool's config.json)",
            )
    env_keys = apply_environment(data, env)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        # from None: pydantic's error repeats every input value, and --debug prints the chain
        # (a key pasted where its variable's name belongs would show in the traceback).
        raise translate(exc, source, keymap, env_keys, legacy) from None
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
