"""Validation errors turned into one clear message: the file (or environment variable), the
dotted key, what was found and what is expected (docs/configuration.md, "Error messages")."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from arxiv_radar.config.sections import Config, ProfileConfig
from arxiv_radar.config.values import describe
from arxiv_radar.errors import ConfigError

__all__ = ["annotation_at", "dotted", "plain_message", "translate", "variable_at"]

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


def dotted(loc: tuple[Any, ...]) -> str:
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
            return keymap[loc[:size]] + dotted(("x", *loc[size:]))[1:]
    return dotted(loc)


def _unwrap(tp: Any) -> Any:
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            tp = next(arg for arg in get_args(tp) if arg is not type(None))
        else:
            return tp


def annotation_at(loc: tuple[Any, ...]) -> Any:
    """The type of the setting at ``loc`` (``("profiles", "x", "max_papers")`` is ``int``),
    without its ``Annotated`` and ``None`` wrappers; None when there is no such setting."""
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
    return _unwrap(tp)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class of the table at ``loc`` (for listing its valid keys)."""
    tp = annotation_at(loc)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


_PYDANTIC_PREFIX = re.compile(r"\b(?:Value error|Assertion failed), ")


def plain_message(text: str) -> str:
    """``text`` without the prefixes pydantic puts before a validator's own message
    ("Value error, 'x' is not one of ..." becomes "'x' is not one of ...")."""
    return _PYDANTIC_PREFIX.sub("", text)


def _explain(error: Any, legacy: bool) -> tuple[str, str | None]:
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx") or {}
    found = f"found {describe(error['input'], legacy)}"
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
        table = f" in [{dotted(loc[:-1])}]" if len(loc) > 1 else ""
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


def translate(
    exc: ValidationError,
    source: str | None,
    keymap: Mapping[tuple[str, ...], str],
    env_keys: Mapping[tuple[str, ...], str],
    legacy: bool,
) -> ConfigError:
    """One :class:`ConfigError` for a failed validation: the first problem described, the others
    listed by key. It names the file (``source``), or the environment variable a value came from
    (``env_keys``: key path -> variable); ``keymap`` gives the old config.json's names of keys."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first["loc"])
    message, expected = _explain(first, legacy)
    variable = variable_at(loc, env_keys)
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


def variable_at(loc: tuple[Any, ...], env_keys: Mapping[tuple[str, ...], str]) -> str | None:
    """The environment variable that set the value at ``loc``, or a table holding it."""
    parts = tuple(str(part) for part in loc)
    for size in range(len(parts), 0, -1):
        if parts[:size] in env_keys:
            return env_keys[parts[:size]]
    return None
