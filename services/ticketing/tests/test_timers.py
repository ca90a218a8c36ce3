"""Timers: overdue fires exactly once with several loops racing; locks lapse by themselves."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_ticketing import priority
from sealflow_ticketing.models import ticket_events, tickets
from sealflow_ticketing.workers import rounds, step
from sealkit.app import Runtime
from sealkit.testing import auth, receiver, unique
from sealkit.types import utcnow

from .helpers import SUPERVISOR, claimed, is_problem, make_type, open_ticket, timeline

OVERDUE_TICKETS = 40


async def run_concurrently(runtime: Runtime, name: str, loops: int, batch: int, seconds: float) -> None:
    """`loops` timer loops of round `name` running at once for `seconds`, like as many replicas."""
    _, _, one_round = rounds(runtime)[name]
    tick = step(runtime, batch, lambda conn: one_round(conn))

    async def loop() -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            await tick()
            await asyncio.sleep(0)

    await asyncio.gather(*(loop() for _ in range(loops)))


async def sql(app: FastAPI, stmt: Any) -> list[Any]:
    runtime: Runtime = app.state.runtime
    async with runtime.db.transaction() as conn:
        result = await conn.execute(stmt)
        return list(result.all()) if result.returns_rows else []


async def test_overdue_fires_exactly_once_with_racing_timer_loops(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    kind = await make_type(client, default_priority=30)
    async with receiver() as requester_hook:
        opened = [
            (await open_ticket(client, kind, notify_url=requester_hook.url))["id"]
            for _ in range(OVERDUE_TICKETS)
        ]
        agent = unique("agent")
        held = await claimed(client, agent, kind)
        # Time travel the other way: the tickets fall due now (the SLA is at least a minute).
        await sql(
            app,
            sa.update(tickets)
            .where(tickets.c.type_key == kind)
            .values(due_at=utcnow() - timedelta(seconds=1)),
        )
        # Four loops with small batches, plus the app's own overdue timer, all at once.
        await run_concurrently(app.state.runtime, "overdue", loops=4, batch=3, seconds=1.5)
        deliveries = await requester_hook.wait_for(OVERDUE_TICKETS, timeout=20)
        await asyncio.sleep(0.3)  # would a second round of deliveries arrive?
        events = [r.body for r in requester_hook.received]
    assert len(deliveries) == len(events) == OVERDUE_TICKETS
    counted = await sql(
        app,
        sa.select(ticket_events.c.ticket_id, sa.func.count())
        .join(tickets, tickets.c.id == ticket_events.c.ticket_id)
        .where(tickets.c.type_key == kind, ticket_events.c.action == "overdue")
        .group_by(ticket_events.c.ticket_id),
    )
    assert Counter({str(t): n for t, n in counted}) == Counter(dict.fromkeys(opened, 1))
    ticket = (await client.get(f"/v1/tickets/{held['id']}", headers=SUPERVISOR)).json()
    assert ticket["overdue"] is True
    assert ticket["priority"] == priority.raise_on_overdue(30) == 50
    listed = await client.get("/v1/tickets", params={"type": kind, "overdue": "true"}, headers=SUPERVISOR)
    assert len(listed.json()["items"]) == OVERDUE_TICKETS
    # Past due_at: no lock can be taken, and the result is recorded as late.
    lock = await client.post(
        f"/v1/tickets/{held['id']}/lock", json={"minutes": 1}, headers=auth(agent, "agent")
    )
    assert is_problem(lock, 409)
    late = await client.post(
        f"/v1/tickets/{held['id']}/result", json={"result": "x"}, headers=auth(agent, "agent")
    )
    assert late.json()["late"] is True


async def test_a_lapsed_lock_stops_counting_and_the_timer_clears_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    kind = await make_type(client)
    await open_ticket(client, kind)
    agent = unique("agent")
    ticket = await claimed(client, agent, kind)
    path = f"/v1/tickets/{ticket['id']}"
    locked = await client.post(f"{path}/lock", json={"minutes": 5}, headers=auth(agent, "agent"))
    assert locked.status_code == 200
    await sql(
        app,
        sa.update(tickets)
        .where(tickets.c.id == ticket["id"])
        .values(locked_until=utcnow() - timedelta(seconds=1)),
    )
    await run_concurrently(app.state.runtime, "locks", loops=2, batch=10, seconds=0.5)
    after = (await client.get(path, headers=SUPERVISOR)).json()
    assert after["locked_until"] is None
    actions = await timeline(client, ticket["id"])
    assert actions.count("lock_expired") == 1
    other = unique("agent")
    moved = await client.post(f"{path}/assign", json={"agent_id": other}, headers=SUPERVISOR)
    assert moved.status_code == 200 and moved.json()["assignee"] == other
