"""SSRF (issue 10, item 2): caller-given URLs are checked when given and again when the outbox connects."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_ticketing.main import create_app
from sealkit.signing import HEADER, sign
from sealkit.tables import inbox_events, outbox
from sealkit.testing import (
    TEST_EVENT_SECRET,
    asgi_client,
    create_test_database,
    drop_database,
    live_server,
    receiver,
    started,
)

from .conftest import make_settings
from .helpers import ADMIN, SUPERVISOR, is_problem, make_type, open_ticket


@pytest.fixture
async def own_db() -> AsyncIterator[str]:
    """No other replica's dispatcher may deliver this test's rows with a looser policy."""
    url = await create_test_database("ticketing")
    yield url
    await drop_database(url)


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := await check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
    return value


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://10.0.0.7/hook",
        "http://127.0.0.2:9/x",
    ],
)
async def test_refused_destinations_are_422_when_given(client: httpx.AsyncClient, url: str) -> None:
    kind = {"key": f"t-{uuid.uuid4().hex[:8]}", "name": "n", "sla_minutes": 5, "default_priority": 5}
    response = await client.post("/v1/ticket-types", json={**kind, "callback_url": url}, headers=ADMIN)
    assert is_problem(response, 422) and response.json()["errors"][0]["loc"] == ["body", "callback_url"]
    key = await make_type(client)
    body = {"type": key, "title": "t", "notify_url": url}
    response = await client.post("/v1/tickets", json=body, headers=SUPERVISOR)
    assert is_problem(response, 422) and response.json()["errors"][0]["loc"] == ["body", "notify_url"]
    event = {
        "id": str(uuid.uuid4()),
        "type": "ticket.requested",
        "source": "orders",
        "occurred_at": "2026-01-01T00:00:00Z",
        "data": {"type": key, "title": "x", "requester": {"id": "u"}, "notify_url": url},
    }
    raw = json.dumps(event).encode()
    headers = {HEADER: sign(raw, TEST_EVENT_SECRET), "Content-Type": "application/json"}
    assert is_problem(await client.post("/v1/events", content=raw, headers=headers), 422)


async def test_events_from_a_source_that_does_not_produce_them_are_403(client: httpx.AsyncClient) -> None:
    key = await make_type(client)
    ticket_id = str(uuid.uuid4())
    data = {"ticket_id": ticket_id, "type": key, "title": "x", "requester": {"id": "u"}}
    for source in ("approval", "ticketing", ""):
        event = {
            "id": str(uuid.uuid4()),
            "type": "ticket.requested",
            "source": source,
            "occurred_at": "2026-01-01T00:00:00Z",
        }
        raw = json.dumps({**event, "data": data}).encode()
        headers = {HEADER: sign(raw, TEST_EVENT_SECRET), "Content-Type": "application/json"}
        assert is_problem(await client.post("/v1/events", content=raw, headers=headers), 403), source
    assert (await client.get(f"/v1/tickets/{ticket_id}", headers=SUPERVISOR)).status_code == 404


async def test_a_callback_pointed_at_our_own_intake_is_not_accepted(own_db: str) -> None:
    # the attack of issue 10: a callback_url aimed at ticketing's own /v1/events is delivered signed,
    # and must not be taken as an event (ticketing does not take its own ticket.callback): no inbox row
    app = create_app(make_settings(outbox_max_attempts=2), database_url=own_db)
    async with live_server(app) as url, httpx.AsyncClient(base_url=url) as client:
        kind = await make_type(client, callback_url=f"{url}/v1/events")
        ticket = await open_ticket(client, kind)

        async def settled() -> Any:
            got = (await client.get(f"/v1/tickets/{ticket['id']}", headers=SUPERVISOR)).json()
            return got if got["status"] == "queued" else None

        after = await eventually(settled)
        assert after["callback"]["answer"] == {"status": "ignored"}  # acknowledged, not acted on
        async with app.state.db.transaction() as conn:
            assert await conn.scalar(sa.select(sa.func.count()).select_from(inbox_events)) == 0


@contextlib.contextmanager
def rebind_to(address: str) -> Any:
    """`rebind.test` resolves to `address` from now on (the attacker's DNS answer changed)."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return await real(host, port, *args, **kwargs)

    loop.getaddrinfo = getaddrinfo  # type: ignore[method-assign]  # this loop only, undone below
    try:
        yield
    finally:
        del loop.getaddrinfo  # back to the class method


async def test_the_dispatcher_checks_the_address_at_connection_time(own_db: str) -> None:
    async with receiver() as victim, receiver() as subscriber:
        port = httpx.URL(victim.url).port
        settings = make_settings(outbound_allow="", subscribers=f"ticket.callback={subscriber.url}")
        async with started(create_app(settings, database_url=own_db)) as app, asgi_client(app) as client:
            # a public-looking name passes at creation; by delivery it resolves to loopback
            kind = await make_type(client, callback_url=f"http://rebind.test:{port}/steal")
            with rebind_to("127.0.0.1"):
                ticket = await open_ticket(client, kind)
                (to_subscriber,) = await subscriber.wait_for(
                    1, timeout=20
                )  # the operator's own URL is trusted
                rows = await _rows(app, f"http://rebind.test:{port}/steal")
                row = await eventually(lambda: _dead(app, rows))
        assert victim.received == []
        assert row.attempts == 1 and "outbound policy" in row.last_error and "127.0.0.1" in row.last_error
        assert json.loads(to_subscriber.body)["data"]["ticket_id"] == ticket["id"]


async def _rows(app: FastAPI, destination: str) -> list[uuid.UUID]:
    async with app.state.db.transaction() as conn:
        return list(
            (await conn.scalars(sa.select(outbox.c.id).where(outbox.c.destination == destination))).all()
        )


async def _dead(app: FastAPI, ids: list[uuid.UUID]) -> Any:
    async with app.state.db.transaction() as conn:
        return (
            await conn.execute(sa.select(outbox).where(outbox.c.id.in_(ids), outbox.c.status == "dead"))
        ).first()
