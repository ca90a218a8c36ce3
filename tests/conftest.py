"""Fixtures of the cross-service tests: the services as live processes, shared by the contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .live_services import LiveServices


@pytest.fixture(scope="session")
def live_services() -> Iterator[LiveServices]:
    services = LiveServices()
    yield services
    services.stop()
