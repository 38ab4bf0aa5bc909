"""Log lines never show a secret from the environment, whoever logs them."""

from __future__ import annotations

import logging

from arxiv_radar.cli.common import SecretFilter, environment_secrets


def test_secret_values_are_found_by_variable_name() -> None:
    env = {
        "DASHSCOPE_API_KEY": "sk-long-secret-1",
        "ARXIV_RADAR_ADMIN_TOKEN": "token-123456",
        "DB_PASSWORD": "hunter2hunter2",
        "SHORT_KEY": "abc",  # too short to be a secret worth scrubbing (would mangle logs)
        "HOME": "/root/a-long-path",
    }
    assert set(environment_secrets(env)) == {"sk-long-secret-1", "token-123456", "hunter2hunter2"}


def test_the_filter_scrubs_messages_and_arguments() -> None:
    record = logging.LogRecord(
        "httpcore",
        logging.DEBUG,
        __file__,
        1,
        "send headers %s",
        ("Bearer sk-long-secret-1",),
        None,
    )
    assert SecretFilter(["sk-long-secret-1"]).filter(record)
    assert record.getMessage() == "send headers Bearer ***"
    untouched = logging.LogRecord("x", logging.INFO, __file__, 1, "nothing %d", (1,), None)
    SecretFilter(["sk-long-secret-1"]).filter(untouched)
    assert untouched.getMessage() == "nothing 1" and untouched.args == (1,)
