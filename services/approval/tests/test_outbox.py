"""Events through the outbox to real HTTP receivers on loopback: signatures, retries, dead letters, intake."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from sealflow_approval.main import create_app
from sealkit.contracts.approval import REQUEST_DECIDED, TASK_CREATED
from sealkit.jsonutil import dumps, loads
from sealkit.signing import HEADER, sign, verify
from sealkit.tables import inbox_events, outbox
from sealkit.testing import (
    TEST_EVENT_SECRET,
    Received,
    Receiver,
    auth,
    create_test_database,
    drop_database,
    receiver,
    unique,
)

from .conftest import make_settings
from .helpers import assert_problem, decide, open_request, request_body, task_of


@pytest.fixture(scope="module")
async def own_db() -> AsyncIterator[str]:
    """This module's own database: the dead letters and retries it counts are its own."""
    url = await create_test_database("approval")
    yield url
    await drop_database(url)


@contextlib.asynccontextmanager
async def running(db_url: str, **settings: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(make_settings(**settings), database_url=db_url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://approval") as client,
    ):
        yield app, client


async def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll `check` (plain or async) until it returns something truthy, within a bounded wait."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s")
        await asyncio.sleep(0.05)


def _about(hook: Receiver, request_id: str) -> list[Received]:
    return [r for r in hook.received if loads(r.body)["data"].get("request_id") == request_id]


async def _rows(app: FastAPI, request_id: str) -> list[Any]:
    async with app.state.db.transaction() as conn:
        return list((await conn.execute(sa.select(outbox).where(outbox.c.body.contains(request_id)))).all())


async def test_task_created_reaches_the_subscriber_signed_with_what_the_mail_bridge_needs(
    own_db: str,
) -> None:
    async with receiver() as hook, running(own_db, subscribers=f"{TASK_CREATED}={hook.url}") as (_, client):
        applicant, a, b = unique("alice"), unique("bob"), unique("carol")
        body = request_body(("all", [a, b]))
        body["groups"][0]["approvers"][0].update(email=f"{a}@example.org", email_approval=True)
        created = await open_request(client, applicant, body)
        got = await eventually(lambda: len(_about(hook, created["id"])) >= 2 and _about(hook, created["id"]))
        assert len(got) == 2
        by_approver = {}
        for delivery in got:
            assert verify(delivery.body, TEST_EVENT_SECRET, delivery.headers[HEADER.lower()])
            assert not verify(delivery.body, "another-secret", delivery.headers[HEADER.lower()])
            event = loads(delivery.body)
            assert set(event) == {"id", "type", "source", "occurred_at", "data"}
            assert (event["type"], event["source"]) == (TASK_CREATED, "approval")
            assert delivery.headers["x-sealflow-event-id"] == event["id"]
            by_approver[event["data"]["approver_id"]] = event["data"]
        assert set(by_approver) == {a, b}
        data = by_approver[a]
        assert data["task_id"] == task_of(created, a)
        assert (data["request_id"], data["title"], data["form"]) == (
            created["id"],
            "Buy a laptop",
            {"cost": 1200},
        )
        assert (data["approver_email"], data["email_approval"]) == (f"{a}@example.org", True)
        assert (by_approver[b]["approver_email"], by_approver[b]["email_approval"]) == (None, False)
        # the subscriber only asked for task.created: the decision is not sent there
        assert (await decide(client, task_of(created, a), a, "reject")).json()["request_status"] == "rejected"
        await asyncio.sleep(0.3)
        assert all(loads(r.body)["type"] == TASK_CREATED for r in hook.received)


async def test_the_callback_url_receives_the_decision_signed_once(own_db: str) -> None:
    async with receiver() as hook, running(own_db) as (app, client):
        applicant, a = unique("alice"), unique("bob")
        created = await open_request(client, applicant, request_body(("any", [a]), callback_url=hook.url))
        assert (await decide(client, task_of(created, a), a)).json()["request_status"] == "approved"
        got = await eventually(lambda: _about(hook, created["id"]))
        await asyncio.sleep(0.5)  # time for a second (wrong) delivery to show up
        assert len(_about(hook, created["id"])) == 1
        event = loads(got[0].body)
        assert verify(got[0].body, TEST_EVENT_SECRET, got[0].headers[HEADER.lower()])
        assert (event["type"], event["source"]) == (REQUEST_DECIDED, "approval")  # written by SQL
        assert (event["data"]["request_id"], event["data"]["status"]) == (created["id"], "approved")
        assert event["data"]["decided_at"]
        rows = await _rows(app, created["id"])
        assert [(r.event_type, r.destination, r.status, r.attempts) for r in rows] == [
            (REQUEST_DECIDED, hook.url, "delivered", 1)
        ]


async def test_a_failing_receiver_gets_the_retry(own_db: str) -> None:
    async with (
        receiver() as hook,
        running(own_db, outbox_backoff_seconds=0.02, outbox_max_attempts=5) as (app, client),
    ):
        hook.fail_next = 3
        applicant, a = unique("alice"), unique("bob")
        created = await open_request(client, applicant, request_body(("all", [a]), callback_url=hook.url))
        assert (await decide(client, task_of(created, a), a, "reject")).status_code == 200
        got = await eventually(lambda: _about(hook, created["id"]))
        assert loads(got[0].body)["data"]["status"] == "rejected"
        assert hook.fail_next == 0
        row = (await eventually(lambda: _delivered_rows(app, created["id"])))[0]
        assert (row.status, row.attempts, row.last_error) == ("delivered", 4, None)


async def _delivered_rows(app: FastAPI, request_id: str) -> list[Any]:
    return [r for r in await _rows(app, request_id) if r.status == "delivered"]


async def test_rows_park_as_dead_letters_and_the_retry_requeues_them(own_db: str) -> None:
    async with (
        receiver() as hook,
        running(own_db, outbox_backoff_seconds=0.02, outbox_max_attempts=2) as (app, client),
    ):
        hook.fail_next = 2
        applicant, a = unique("alice"), unique("bob")
        created = await open_request(client, applicant, request_body(("all", [a]), callback_url=hook.url))
        assert (await decide(client, task_of(created, a), a)).status_code == 200
        admin = auth(unique("root"), "admin")

        async def dead() -> list[dict[str, Any]]:
            page = (await client.get("/v1/outbox/dead-letters", headers=admin)).json()
            return [d for d in page["items"] if d["body"]["data"].get("request_id") == created["id"]]

        letters = await eventually(dead)
        assert len(letters) == 1
        letter = letters[0]
        assert (letter["event_type"], letter["destination"], letter["attempts"]) == (
            REQUEST_DECIDED,
            hook.url,
            2,
        )
        assert "503" in letter["last_error"]
        assert _about(hook, created["id"]) == []
        # a monitor sees the dead letters but may not send them again
        assert (
            await client.get("/v1/outbox/dead-letters", headers=auth(unique(), "monitor"))
        ).status_code == 200
        assert_problem(
            await client.post(
                f"/v1/outbox/dead-letters/{letter['id']}/retry", headers=auth(unique(), "monitor")
            ),
            403,
        )
        response = await client.post(f"/v1/outbox/dead-letters/{letter['id']}/retry", headers=admin)
        assert response.status_code == 202, response.text
        got = await eventually(lambda: _about(hook, created["id"]))
        assert loads(got[0].body)["id"] == letter["event_id"]
        assert await dead() == []
        row = (await eventually(lambda: _delivered_rows(app, created["id"])))[0]
        assert (row.status, row.attempts) == ("delivered", 1)
        # retrying a row that is not dead is 404
        assert_problem(await client.post(f"/v1/outbox/dead-letters/{letter['id']}/retry", headers=admin), 404)


# --- the receiving side ----------------------------------------------------------------------------


def _event() -> tuple[str, bytes]:
    event_id = str(uuid.uuid4())
    body = dumps(
        {
            "id": event_id,
            "type": "ticket.resolved",
            "source": "ticketing",
            "occurred_at": "2026-01-01T00:00:00Z",
            "data": {},
        }
    )
    return event_id, body


async def test_the_event_intake_refuses_a_bad_signature(client: httpx.AsyncClient) -> None:
    event_id, body = _event()
    for signature in [
        None,
        "sha256=" + "0" * 64,
        sign(body, "another-secret"),
        sign(body + b" ", TEST_EVENT_SECRET),
        sign(body, TEST_EVENT_SECRET).removeprefix("sha256="),  # the right digest without its scheme
    ]:
        headers = {"Content-Type": "application/json", **({HEADER: signature} if signature else {})}
        assert_problem(await client.post("/v1/events", content=body, headers=headers), 401)
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]  # ASGITransport keeps its app
    async with app.state.db.transaction() as conn:
        seen = await conn.scalar(
            sa.select(sa.func.count()).where(inbox_events.c.event_id == uuid.UUID(event_id))
        )
    assert seen == 0


async def test_the_event_intake_acts_only_on_what_it_takes_from_whom_produces_it(
    client: httpx.AsyncClient,
) -> None:
    # approval takes no events: a genuine one (e.g. its own decision, sent back by a callback_url
    # aimed at its intake) is acknowledged but leaves no inbox row; a forged source is refused
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]  # ASGITransport keeps its app
    for event_type, source, status in [
        (REQUEST_DECIDED, "approval", 200),
        ("ticket.resolved", "ticketing", 200),
        ("ticket.resolved", "approval", 403),
        ("ticket.requested", "ticketing", 403),
        ("made.up", "approval", 403),
    ]:
        event_id = str(uuid.uuid4())
        envelope = {
            "id": event_id,
            "type": event_type,
            "source": source,
            "occurred_at": "2026-01-01T00:00:00Z",
        }
        body = dumps({**envelope, "data": {}})
        headers = {"Content-Type": "application/json", HEADER: sign(body, TEST_EVENT_SECRET)}
        response = await client.post("/v1/events", content=body, headers=headers)
        if status == 200:
            assert response.json() == {"status": "ignored"}, (event_type, source)
        else:
            assert_problem(response, status)
        async with app.state.db.transaction() as conn:
            seen = await conn.scalar(
                sa.select(sa.func.count()).where(inbox_events.c.event_id == uuid.UUID(event_id))
            )
        assert seen == 0, (event_type, source)
    signed_garbage = b'{"id": "nope"}'
    response = await client.post(
        "/v1/events", content=signed_garbage, headers={HEADER: sign(signed_garbage, TEST_EVENT_SECRET)}
    )
    assert_problem(response, 422)
