"""The demo's journey against four real processes on PostgreSQL, wired as `make run` wires them, and
then the books: every event each service's outbox wrote was delivered, once, to a consumer that
recorded it once, and each effect of the journey exists once."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sealkit.db import service_database_url
from sealkit.tables import inbox_events, outbox
from sealkit.testing import REPO_ROOT, auth, drop_suite_databases, postgres_base_url, unique

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import demo
from journey_kit import Narrator, SuiteUrls, Trail

SERVICES = ("approval", "ticketing", "orders", "mail-bridge")
ADMIN = auth("admin-e2e", "admin")
# the rows the journey leaves in each service, by their migrated table names
TICKETS = sa.table("tickets", sa.column("id"), sa.column("reference"))
REQUESTS = sa.table("approval_requests", sa.column("id"))
MAILS = sa.table("mail_outbound", sa.column("kind"), sa.column("task_id", sa.Uuid))
# what the journey must carry between services: (event type, the consumer it goes to)
JOURNEY_EVENTS = {
    ("approval.task.created", "mail-bridge"),
    ("approval.request.decided", "orders"),
    ("ticket.requested", "ticketing"),
    ("ticket.resolved", "orders"),
}


@dataclass
class Walked:
    base: str
    urls: SuiteUrls
    trail: Trail
    narration: str
    engines: dict[str, AsyncEngine]

    async def rows(self, service: str, query: sa.Select[Any]) -> list[sa.Row[Any]]:
        async with self.engines[service].connect() as conn:
            return list((await conn.execute(query)).all())


@pytest.fixture
async def walked() -> AsyncIterator[Walked]:
    base = postgres_base_url().rsplit("/", 1)[0] + f"/sfjourney_{unique('')[-10:].replace('-', '')}"
    env = {**os.environ, "SEALFLOW_DATABASE_URL": base, "SEALFLOW_OUTBOX_BACKOFF_SECONDS": "0.2"}
    engines: dict[str, AsyncEngine] = {}
    try:
        with demo.started_suite(env) as running:
            narration = io.StringIO()
            trail = await asyncio.to_thread(demo.walk, running.urls, Narrator(narration), 90.0)
            engines = {s: create_async_engine(service_database_url(base, s)) for s in SERVICES}
            yield Walked(base, running.urls, trail, narration.getvalue(), engines)
    finally:
        for engine in engines.values():
            await engine.dispose()
        await drop_suite_databases(base, *SERVICES)


def _consumer(destination: str, urls: SuiteUrls) -> str:
    return next(name for name, url in urls.by_service().items() if destination.startswith(f"{url}/"))


async def _settled_outboxes(walked: Walked, timeout: float = 60) -> dict[str, list[sa.Row[Any]]]:
    """Every service's outbox rows once none is pending (a delivery is marked after the peer answers)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = {s: await walked.rows(s, sa.select(outbox)) for s in SERVICES}
        if not any(r.status == "pending" for found in rows.values() for r in found):
            return rows
        assert time.monotonic() < deadline, "outbox rows still pending"
        await asyncio.sleep(0.3)


async def test_the_journey_delivers_every_event_exactly_once(walked: Walked) -> None:
    trail, urls = walked.trail, walked.urls
    assert "[7]" in walked.narration and "task approved via email" in walked.narration

    async with httpx.AsyncClient(timeout=10) as client:
        for service, url in urls.by_service().items():
            dead = await client.get(f"{url}/v1/outbox/dead-letters", headers=ADMIN)
            assert dead.status_code == 200, dead.text
            assert dead.json()["items"] == [], f"{service} has dead letters: {dead.json()['items']}"

    outboxes = await _settled_outboxes(walked)
    sent: dict[str, list[tuple[Any, str]]] = {s: [] for s in SERVICES}  # consumer -> [(event id, type)]
    for producer, rows in outboxes.items():
        for row in rows:
            assert row.status == "delivered", f"{producer} → {row.destination}: {row.status} {row.last_error}"
            sent[_consumer(row.destination, urls)].append((row.event_id, row.event_type))
    carried = {(event_type, consumer) for consumer, got in sent.items() for _, event_type in got}
    assert carried >= JOURNEY_EVENTS, f"events the journey needs were not sent: {JOURNEY_EVENTS - carried}"

    for consumer, got in sent.items():
        # one outbox row per event for this consumer, however many ways it was addressed
        # (orders is both approval's subscriber and the request's callback_url)
        repeats = [eid for eid, n in Counter(eid for eid, _ in got).items() if n > 1]
        assert not repeats, f"{consumer} was sent these events more than once: {repeats}"
        inbox = await walked.rows(consumer, sa.select(inbox_events.c.event_id, inbox_events.c.event_type))
        assert Counter(r.event_id for r in inbox) == Counter(eid for eid, _ in got), (
            f"{consumer}'s inbox does not hold exactly the events delivered to it"
        )

    # and each effect of the journey exists once
    order_id, ticket_id = trail["order_id"], trail["ticket_id"]
    tickets = await walked.rows("ticketing", sa.select(TICKETS.c.id).where(TICKETS.c.reference == order_id))
    assert [str(t.id) for t in tickets] == [ticket_id]
    requests = await walked.rows("approval", sa.select(REQUESTS.c.id))
    assert [str(r.id) for r in requests] == [trail["request_id"]]
    mails = await walked.rows(
        "mail-bridge", sa.select(MAILS.c.kind).where(MAILS.c.task_id == uuid.UUID(trail["task_id"]))
    )
    assert Counter(m.kind for m in mails) == {"task": 1, "confirmation": 1}
    async with httpx.AsyncClient(timeout=10) as client:
        order = (await client.get(f"{urls.orders}/v1/orders/{order_id}", headers=ADMIN)).json()
        deliveries = (await client.get(f"{urls.orders}/v1/deliveries", headers=ADMIN)).json()["items"]
    # orders' own call to approval (not an event: a delivery row, sent with an Idempotency-Key)
    assert [(d["kind"], d["status"]) for d in deliveries if d["order_id"] == order_id] == [
        ("approval", "delivered")
    ]
    public = [p["status"] for p in order["progress"] if not p["internal"]]  # staff also see internal notes
    assert public == ["awaiting_approval", "dispatched", "completed"], order["progress"]
    assert order["rating"]["rating"] == 5
