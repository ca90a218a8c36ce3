"""Callbacks, result delivery and event intake, against real HTTP receivers on loopback."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from sealflow_ticketing.main import create_app
from sealkit.contracts.ticketing import TicketResolved
from sealkit.jsonutil import dumps, loads
from sealkit.signing import HEADER, sign, verify
from sealkit.testing import TEST_EVENT_SECRET, Received, auth, free_port, receiver, unique

from .conftest import make_settings
from .helpers import SUPERVISOR, claimed, make_type, open_ticket, timeline


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 20.0) -> Any:
    """Poll until `check` returns something truthy (deliveries are asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def envelope(received: Received) -> dict[str, Any]:
    assert verify(received.body, TEST_EVENT_SECRET, received.headers.get(HEADER.lower()))
    data: dict[str, Any] = loads(received.body)
    return data


async def test_result_is_delivered_signed_and_retried(client: httpx.AsyncClient) -> None:
    kind = await make_type(client)
    async with receiver() as requester_hook:
        requester_hook.fail_next = 1
        await open_ticket(client, kind, notify_url=requester_hook.url)
        agent = unique("agent")
        ticket = await claimed(client, agent, kind)
        done = await client.post(
            f"/v1/tickets/{ticket['id']}/result", json={"result": "fixed"}, headers=auth(agent, "agent")
        )
        assert done.status_code == 200
        (delivery,) = await requester_hook.wait_for(1, timeout=20)
    event = envelope(delivery)
    assert event["type"] == "ticket.resolved"
    assert event["data"]["ticket_id"] == ticket["id"]
    assert (event["data"]["result"], event["data"]["assignee"], event["data"]["late"]) == (
        "fixed",
        agent,
        False,
    )
    # the hot path writes this event in SQL: every field must be what the contract says
    resolved = TicketResolved.model_validate(event["data"])
    assert (resolved.type, resolved.reference, resolved.requester_id) == (
        ticket["type"],
        ticket["reference"],
        ticket["requester"]["id"],
    )
    assert resolved.due_at == datetime.fromisoformat(ticket["due_at"])
    assert resolved.resolved_at == datetime.fromisoformat(done.json()["resolved_at"])


async def test_callback_type_reports_the_answer_then_queues(client: httpx.AsyncClient) -> None:
    async with receiver() as callback, receiver() as requester_hook:
        callback.fail_next = 1  # the first attempt fails; the outbox retries
        kind = await make_type(client, callback_url=callback.url)
        ticket = await open_ticket(client, kind, notify_url=requester_hook.url, reference="order-7")
        assert ticket["status"] == "callback_pending"
        (sent,) = await callback.wait_for(1, timeout=20)
        (report,) = await requester_hook.wait_for(1, timeout=20)
    call = envelope(sent)
    assert call["type"] == "ticket.callback"
    assert (call["data"]["ticket_id"], call["data"]["reference"]) == (ticket["id"], "order-7")
    reported = envelope(report)
    assert reported["type"] == "ticket.callback.reported"
    assert reported["data"]["ok"] is True
    assert reported["data"]["answer"] == {"status": "ok"}  # what the receiver answered
    after = (await client.get(f"/v1/tickets/{ticket['id']}", headers=SUPERVISOR)).json()
    assert after["status"] == "queued"
    assert after["callback"]["status"] == "answered"
    assert await timeline(client, ticket["id"]) == ["created", "callback_sent", "callback_answered", "queued"]
    assert (await claimed(client, unique("agent"), kind))["id"] == ticket["id"]


@pytest.fixture
async def impatient_app(db_url: str) -> AsyncIterator[FastAPI]:
    """A second replica whose outbox gives up after two attempts."""
    application = create_app(make_settings(outbox_max_attempts=2), database_url=db_url)
    async with LifespanManager(application):
        yield application


async def test_a_callback_that_never_answers_still_queues_reported_as_failed(
    client: httpx.AsyncClient, impatient_app: FastAPI
) -> None:
    dead_url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    kind = await make_type(client, callback_url=dead_url)
    async with receiver() as requester_hook:
        ticket = await open_ticket(client, kind, notify_url=requester_hook.url)
        (report,) = await requester_hook.wait_for(1, timeout=30)
    reported = envelope(report)
    assert reported["data"]["ok"] is False and reported["data"]["error"]
    after = (await client.get(f"/v1/tickets/{ticket['id']}", headers=SUPERVISOR)).json()
    assert (after["status"], after["callback"]["status"]) == ("queued", "failed")


def signed(event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = dumps(event)
    return raw, {HEADER: sign(raw, TEST_EVENT_SECRET), "Content-Type": "application/json"}


async def test_ticket_requested_event_opens_a_ticket_once(client: httpx.AsyncClient) -> None:
    kind = await make_type(client, default_priority=33)
    ticket_id = str(uuid.uuid4())
    event = {
        "id": str(uuid.uuid4()),
        "type": "ticket.requested",
        "source": "orders",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {
            "ticket_id": ticket_id,
            "type": kind,
            "title": "Install a badge reader",
            "data": {"floor": 2},
            "requester": {"id": "ent-user-1", "email": "u@example.com"},
            "reference": "order-42",
        },
    }
    raw, headers = signed(event)
    first = await client.post("/v1/events", content=raw, headers=headers)
    again = await client.post("/v1/events", content=raw, headers=headers)
    assert (first.json()["status"], again.json()["status"]) == ("processed", "duplicate")
    raw2, headers2 = signed({**event, "id": str(uuid.uuid4())})  # same ticket asked again, new event id
    assert (await client.post("/v1/events", content=raw2, headers=headers2)).status_code == 200
    made = await client.get(f"/v1/tickets/{ticket_id}", headers=SUPERVISOR)
    assert made.status_code == 200
    body = made.json()
    assert (body["status"], body["priority"], body["reference"]) == ("queued", 33, "order-42")
    assert body["requester"] == {"id": "ent-user-1", "email": "u@example.com"}
    listed = await client.get(
        "/v1/tickets", params={"reference": "order-42", "type": kind}, headers=SUPERVISOR
    )
    assert len(listed.json()["items"]) == 1


async def test_event_intake_refuses_bad_signatures_and_bad_bodies(client: httpx.AsyncClient) -> None:
    event = {
        "id": str(uuid.uuid4()),
        "type": "ticket.requested",
        "source": "orders",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {"type": "no-such-type", "title": "x", "requester": {"id": "u"}},
    }
    raw, headers = signed(event)
    forged = await client.post("/v1/events", content=raw, headers={**headers, HEADER: "sha256=00"})
    assert forged.status_code == 401
    unknown = await client.post("/v1/events", content=raw, headers=headers)
    assert unknown.status_code == 422
    malformed = {**event, "id": str(uuid.uuid4()), "data": {"title": "no type"}}
    raw, headers = signed(malformed)
    assert (await client.post("/v1/events", content=raw, headers=headers)).status_code == 422
