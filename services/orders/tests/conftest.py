"""Orders test fixtures: one migrated PostgreSQL database per session, the app in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from sealflow_orders.config import OrdersSettings
from sealflow_orders.main import create_app
from sealkit.testing import TEST_SETTINGS, asgi_client, auth, create_test_database, drop_database, started


@pytest.fixture(scope="session")
async def db_url() -> AsyncIterator[str]:
    url = await create_test_database("orders")
    yield url
    await drop_database(url)


def make_settings(**overrides: object) -> OrdersSettings:
    values: dict[str, object] = {
        **TEST_SETTINGS,
        "timer_interval_seconds": 0.1,
        "public_url": "http://orders",
    }
    values.update(overrides)
    return OrdersSettings(**values)  # type: ignore[arg-type]  # pydantic-settings takes field names here


@pytest.fixture(scope="session")
async def app(db_url: str) -> AsyncIterator[FastAPI]:
    async with started(create_app(make_settings(), database_url=db_url)) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "http://orders") as c:
        yield c


@pytest.fixture
def admin() -> dict[str, str]:
    return auth("admin-1", "admin")


@pytest.fixture
def staff() -> dict[str, str]:
    return auth("staff-1", "staff")


@pytest.fixture
def monitor() -> dict[str, str]:
    return auth("monitor-1", "monitor")


# Shutting the app down cancels its timer loops; one cancelled while SQLAlchemy's pool is opening a
# connection leaves asyncpg's connect coroutine unawaited. Harmless, and not this suite's subject.
_CANCELLED_CONNECT = "ignore:coroutine 'connect' was never awaited:RuntimeWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(_CANCELLED_CONNECT))
