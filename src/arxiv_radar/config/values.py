"""The values a setting may take: categories, URLs, keywords, followed authors.

Each check raises a pydantic error of kind ``arxiv_radar`` carrying the message and what is
expected, which :mod:`arxiv_radar.config.messages` turns into one clear line.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from arxiv_radar.arxiv.taxonomy import RETIRED, canonical_category, suggest_categories

__all__ = [
    "DEFAULT_AUTHOR_WEIGHT",
    "DEFAULT_KEYWORDS",
    "MODEL_CONFIG",
    "AnnounceTypeName",
    "Author",
    "AuthorRule",
    "Category",
    "Condition",
    "Keyword",
    "KeywordRule",
    "NonEmpty",
    "ProfileName",
    "Term",
    "Url",
    "describe",
    "invalid",
]

DEFAULT_KEYWORDS: tuple[str, ...] = (
    "kv cache", "offload", "State Space", "SSM", "framework", "System", "Generation", "Video",
    "Linear", "LLM", "RL", "RLHF", "Inference", "Training", "Attention", "Pipeline", "MOE",
    "Sparse", "Quantization", "Speculative", "Efficient", "Efficiency", "Framework", "Parallel",
    "Distributed", "Kernel", "Decode", "Decoding", "Prefill", "Throughput", "Fast", "Network",
    "Hardware", "Cluster", "FP8", "FP4", "Optimization", "Scalable", "Communication",
)  # fmt: skip
"""The old tool's keyword list, in its order (duplicates such as framework/Framework kept)."""

DEFAULT_AUTHOR_WEIGHT = 2.0
"""Points a followed author adds when given by name alone."""

MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def invalid(message: str, expected: str) -> PydanticCustomError:
    """A validation error whose message and expectation are shown as they are."""
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
        raise invalid(
            f"'{value}' is a retired arXiv archive, now {retired}",
            f"a current category such as {retired}",
        )
    hints = suggest_categories(value)
    hint = f" (did you mean {' or '.join(hints)}?)" if hints else ""
    raise invalid(
        f"unknown arXiv category '{value}'{hint}",
        "an arXiv category id such as cs.AI, math.QA or hep-th",
    )


def _check_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(f"found '{value}'", "an http:// or https:// URL")
    return value.strip()


def check_term(value: str) -> str:
    """A keyword: any non-empty text, kept as written."""
    if not value.strip():
        raise invalid("found an empty keyword", "a word or phrase")
    return value  # kept as written: legacy ranking matches it exactly


def _check_nonempty(value: str) -> str:
    if not value.strip():
        raise invalid("found an empty string", "a non-empty string")
    return value.strip()


def _check_profile_name(value: str) -> str:
    if not _PROFILE_NAME.match(value):
        raise invalid(
            f"profile name '{value}' cannot be used in file names and URLs",
            "letters, digits, '-' and '_', starting with a letter or digit",
        )
    return value


Category = Annotated[str, AfterValidator(_check_category)]
Url = Annotated[str, AfterValidator(_check_url)]
Term = Annotated[str, AfterValidator(check_term)]
NonEmpty = Annotated[str, AfterValidator(_check_nonempty)]
ProfileName = Annotated[str, AfterValidator(_check_profile_name)]


class KeywordRule(BaseModel):
    """A keyword with options, written as a table in ``keywords``, ``exclude`` or ``required``.

    Exactly one of ``term`` (matched like a plain keyword) and ``regex`` (a Python regular
    expression, used as is, case-insensitive) is given. ``label`` names the rule in
    explanations (default: the term or the expression).
    """

    model_config = MODEL_CONFIG

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
            raise invalid(
                f"invalid regular expression '{value}': {exc.msg} at position {exc.pos}",
                "a Python regular expression such as '\\bMoE\\b'",
            ) from None
        if compiled.search("") is not None:
            raise invalid(
                f"the regular expression '{value}' matches empty text, "
                "so it would match every paper",
                "a regular expression that needs at least one character",
            )
        return value

    @model_validator(mode="after")
    def _term_or_regex(self) -> KeywordRule:
        if (self.term is None) == (self.regex is None):
            raise invalid(
                "a keyword table needs exactly one of 'term' and 'regex'",
                "{term = \"kv cache\", weight = 2.0} or {regex = '\\bMoE\\b'}",
            )
        return self


class AuthorRule(BaseModel):
    """A followed author with a weight, written as a table in ``authors``."""

    model_config = MODEL_CONFIG

    name: NonEmpty
    weight: float = Field(default=DEFAULT_AUTHOR_WEIGHT, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _has_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data:
            raise invalid("an author table needs a 'name'", '{name = "Yann LeCun", weight = 3.0}')
        return data

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str) -> str:
        if not any(char.isalpha() for char in value):
            raise invalid(f"found '{value}'", "an author name such as Yann LeCun")
        return value


def _keyword_item(value: Any, handler: ValidatorFunctionWrapHandler) -> str | KeywordRule:
    """A keyword is a string or a :class:`KeywordRule` table.

    Validated by hand rather than as a pydantic union, so that an error inside a table is
    reported at its own key (``keywords[3].regex``) and not once per union member.
    """
    if isinstance(value, str):
        return check_term(value)
    if isinstance(value, dict | KeywordRule):
        return KeywordRule.model_validate(value)
    raise invalid(
        f"found {describe(value, False)}",
        'a string or a table such as {term = "kv cache", weight = 2.0}',
    )


def _condition_item(value: Any, handler: ValidatorFunctionWrapHandler) -> str | KeywordRule:
    """An ``exclude`` or ``required`` keyword: as in ``keywords``, without a weight."""
    item = _keyword_item(value, handler)
    if isinstance(item, KeywordRule) and item.weight != 1.0:
        raise invalid("a weight has no effect in exclude and required", "a keyword without weight")
    return item


def _author_item(value: Any, handler: ValidatorFunctionWrapHandler) -> str | AuthorRule:
    """A followed author is a name or an :class:`AuthorRule` table (see ``_keyword_item``)."""
    if isinstance(value, str):
        if not any(char.isalpha() for char in value):
            raise invalid(f"found {describe(value, False)}", "an author name such as Yann LeCun")
        return value.strip()
    if isinstance(value, dict | AuthorRule):
        return AuthorRule.model_validate(value)
    raise invalid(
        f"found {describe(value, False)}",
        'a name or a table such as {name = "Yann LeCun", weight = 3.0}',
    )


Keyword = Annotated[KeywordRule | str, WrapValidator(_keyword_item)]
Condition = Annotated[KeywordRule | str, WrapValidator(_condition_item)]
Author = Annotated[AuthorRule | str, WrapValidator(_author_item)]
AnnounceTypeName = Literal["new", "cross", "replace", "replace-cross"]


def describe(value: Any, legacy: bool) -> str:
    """``value`` as a message shows it ("found ..."); ``legacy`` speaks of JSON objects."""
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
