"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from arxiv_radar.arxiv.http import ArxivClient, RateGate

from replay_server import ReplayServer

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
        options: dict[str, object] = {
            "min_interval": 0.05,
            "timeout": 5.0,
            "max_retries": 2,
            "backoff_base": 0.05,
            "backoff_max": 0.2,
            "gate": RateGate(),
        }
        options.update(kwargs)
        client = ArxivClient(**options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make  # type: ignore[misc]
    for client in clients:
        client.close()
