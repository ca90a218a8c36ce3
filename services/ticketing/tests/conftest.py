"""Ticketing test fixtures: one migrated PostgreSQL database per session, the app in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from sealflow_ticketing.config import TicketingSettings
from sealflow_ticketing.main import create_app
from sealkit.testing import TEST_SETTINGS, asgi_client, create_test_database, drop_database, started


@pytest.fixture(scope="session")
async def db_url() -> AsyncIterator[str]:
    url = await create_test_database("ticketing")
    yield url
    await drop_database(url)


def make_settings(**overrides: object) -> TicketingSettings:
    values: dict[str, object] = {
        **TEST_SETTINGS,
        "timer_interval_seconds": 0.1,
        # Tests that dispatch start their own rounds; a background dispatcher would race their claims.
        "dispatch_enabled": False,
    }
    values.update(overrides)
    return TicketingSettings(**values)  # type: ignore[arg-type]  # pydantic-settings takes field names here


@pytest.fixture(scope="session")
async def app(db_url: str) -> AsyncIterator[FastAPI]:
    async with started(create_app(make_settings(), database_url=db_url)) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "http://ticketing") as c:
        yield c


# Shutting the app down cancels its timer loops; one cancelled while SQLAlchemy's pool is opening a
# connection leaves asyncpg's connect coroutine unawaited. Harmless, and not this suite's subject.
_CANCELLED_CONNECT = "ignore:coroutine 'connect' was never awaited:RuntimeWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(_CANCELLED_CONNECT))
