"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from arxiv_radar.arxiv.http import ArxivClient, RateGate
from arxiv_radar.net import RetryPolicy

from coverage_floor import pytest_configure  # noqa: F401  (the floor's scope: the whole suite)
from replay_server import ReplayServer
from store_backends import store_url  # noqa: F401  (an empty store, on SQLite and PostgreSQL)

# Generated inputs are checked, not timed: a busy two-core CI machine must not fail a property
# test because drawing examples took longer than Hypothesis expects.
settings.register_profile(
    "arxiv-radar", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("arxiv-radar")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A real HTTP server on 127.0.0.1 replaying recorded arXiv responses."""
    with ReplayServer() as server:
        yield server


@pytest.fixture
def client_factory() -> Iterator[type]:
    """Build ArxivClients with a short interval and their own rate gate (fast tests)."""
    clients: list[ArxivClient] = []

    def make(**kwargs: object) -> ArxivClient:
        """Keyword arguments of :class:`ArxivClient`, or fields of its :class:`RetryPolicy`."""
        retry: dict[str, object] = {"max_retries": 2, "base": 0.05, "cap": 0.2}
        for name in [key for key in kwargs if key in RetryPolicy.__dataclass_fields__]:
            retry[name] = kwargs.pop(name)
        options: dict[str, object] = {
            "min_interval": 0.05,
            "timeout": 5.0,
            "retry": RetryPolicy(**retry),  # type: ignore[arg-type]
            "gate": RateGate(),
        }
        options.update(kwargs)
        client = ArxivClient(**options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make  # type: ignore[misc]
    for client in clients:
        client.close()
