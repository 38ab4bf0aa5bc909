"""Property-based tests of the API from its own OpenAPI description (schemathesis).

Every operation gets generated requests, valid and invalid, a bounded number of them so the
whole file runs in well under a minute. No answer may be a 5xx; JSON answers must match
their documented schema and every status code must be one the description lists.

Skipped when schemathesis is not installed, except under ``CI=true`` (a failure there).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

try:
    import schemathesis
    from schemathesis.specs.openapi.checks import (
        response_schema_conformance,
        status_code_conformance,
    )
except ImportError:  # pragma: no cover - depends on the machine
    schemathesis = None  # type: ignore[assignment]

if schemathesis is None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            "schemathesis is not installed but CI=true: pip install schemathesis",
            pytrace=False,
        )
    pytest.skip("the API fuzz tests need schemathesis", allow_module_level=True)

TOKEN = "fuzz-token"
EXAMPLES = 40


@pytest.fixture
def api_schema(make_app: Callable[..., FastAPI]) -> Any:
    app = make_app(env={"ARXIV_RADAR_ADMIN_TOKEN": TOKEN}, runner=_no_run)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _no_run() -> Any:
    raise AssertionError("the fuzzer must not start a run: it has no token")


def test_no_server_errors_and_answers_as_documented(api_schema: Any) -> None:
    # Each operation's generated cases run through Hypothesis directly (not schemathesis'
    # pytest plugin, which reaches into pytest's private node attributes).
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                checks=[
                    schemathesis.checks.not_a_server_error,
                    response_schema_conformance,
                    status_code_conformance,
                ]
            )

        check()
