"""Orders test fixtures: migrated PostgreSQL databases per session; orders in-process and live on
loopback, beside the real approval and ticketing services (each live, on its own database), so an
order's approval request, its ticket and the events that come back all travel over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from sealflow_approval.config import ApprovalSettings
from sealflow_approval.main import create_app as create_approval
from sealflow_orders.config import OrdersSettings
from sealflow_orders.main import create_app
from sealflow_ticketing.config import TicketingSettings
from sealflow_ticketing.main import create_app as create_ticketing
from sealkit.testing import (
    TEST_SETTINGS,
    asgi_client,
    auth,
    create_test_database,
    drop_database,
    free_port,
    live_server,
)


@dataclass(frozen=True)
class Peers:
    approval: str
    ticketing: str


@pytest.fixture(scope="session")
async def db_url() -> AsyncIterator[str]:
    url = await create_test_database("orders")
    yield url
    await drop_database(url)


@pytest.fixture(scope="session")
async def peers() -> AsyncIterator[Peers]:
    """The real approval and ticketing services, live on loopback, each on its own test database."""
    approval_db = await create_test_database("approval")
    ticketing_db = await create_test_database("ticketing")
    approval_settings = ApprovalSettings(**{**TEST_SETTINGS, "timer_interval_seconds": 0.2})  # type: ignore[arg-type]
    ticketing_settings = TicketingSettings(**{**TEST_SETTINGS, "dispatch_enabled": False})  # type: ignore[arg-type]
    try:
        async with (
            live_server(create_approval(approval_settings, database_url=approval_db)) as approval,
            live_server(create_ticketing(ticketing_settings, database_url=ticketing_db)) as ticketing,
        ):
            # the ticket type the tests' internal items use (helpers.item_body)
            async with httpx.AsyncClient(base_url=ticketing) as c:
                body = {"key": "loans", "name": "Loans desk", "sla_minutes": 600, "default_priority": 50}
                created = await c.post("/v1/ticket-types", json=body, headers=auth("admin-1", "admin"))
                assert created.status_code == 201, created.text
            yield Peers(approval=approval, ticketing=ticketing)
    finally:
        await drop_database(approval_db)
        await drop_database(ticketing_db)


def make_settings(**overrides: object) -> OrdersSettings:
    values: dict[str, object] = {
        **TEST_SETTINGS,
        "timer_interval_seconds": 0.05,
        "public_url": "http://orders",
    }
    values.update(overrides)
    return OrdersSettings(**values)  # type: ignore[arg-type]  # pydantic-settings takes field names here


@pytest.fixture(scope="session")
async def app(db_url: str, peers: Peers) -> AsyncIterator[FastAPI]:
    """Orders, served live on loopback (peers call it back) and called in-process by `client`."""
    port = free_port()
    settings = make_settings(
        public_url=f"http://127.0.0.1:{port}", approval_url=peers.approval, ticketing_url=peers.ticketing
    )
    application = create_app(settings, database_url=db_url)
    async with live_server(application, port=port):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "http://orders") as c:
        yield c


@pytest.fixture
async def approval(peers: Peers) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=peers.approval, timeout=30) as c:
        yield c


@pytest.fixture
async def ticketing(peers: Peers) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=peers.ticketing, timeout=30) as c:
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
