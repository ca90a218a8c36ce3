"""Races the fuzzing of issue 10 (item 7) found: one ticket_id asked for at once, a hand-off against a result."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from sealflow_ticketing.main import create_app
from sealflow_ticketing.models import ticket_events, tickets
from sealkit.signing import HEADER, sign
from sealkit.testing import TEST_EVENT_SECRET, auth, live_server, unique

from .conftest import make_settings
from .helpers import SUPERVISOR, claimed, make_type

AT_ONCE = 8


def _requested(ticket_id: str, kind: str) -> tuple[bytes, dict[str, str]]:
    event = {
        "id": str(uuid.uuid4()),  # a new event id each: the inbox does not make these repeats
        "type": "ticket.requested",
        "source": "orders",
        "occurred_at": "2026-01-01T00:00:00Z",
        "data": {"ticket_id": ticket_id, "type": kind, "title": "Badge", "requester": {"id": "ent-1"}},
    }
    raw = json.dumps(event).encode()
    return raw, {HEADER: sign(raw, TEST_EVENT_SECRET), "Content-Type": "application/json"}


async def test_concurrent_requests_for_one_ticket_id_open_it_once_and_none_fails(db_url: str) -> None:
    app = create_app(make_settings(run_workers=False), database_url=db_url)
    async with live_server(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        kind = await make_type(http)
        for _ in range(3):  # a few rounds: the race is won differently each time
            ticket_id = str(uuid.uuid4())
            start = asyncio.Event()

            async def one(ticket_id: str = ticket_id, start: asyncio.Event = start) -> httpx.Response:
                raw, headers = _requested(ticket_id, kind)
                await start.wait()
                return await http.post("/v1/events", content=raw, headers=headers)

            tasks = [asyncio.create_task(one()) for _ in range(AT_ONCE)]
            await asyncio.sleep(0.05)
            start.set()
            responses = await asyncio.gather(*tasks)
            assert Counter(r.status_code for r in responses) == {200: AT_ONCE}, [r.text for r in responses]
            assert (await http.get(f"/v1/tickets/{ticket_id}", headers=SUPERVISOR)).status_code == 200
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            opened = await conn.scalar(
                sa.select(sa.func.count()).select_from(tickets).where(tickets.c.type_key == kind)
            )
            created = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(ticket_events.join(tickets, tickets.c.id == ticket_events.c.ticket_id))
                .where(tickets.c.type_key == kind, ticket_events.c.action == "created")
            )
    finally:
        await engine.dispose()
    assert (opened, created) == (3, 3)


async def test_a_result_that_loses_to_the_agents_own_handoff_is_409(db_url: str) -> None:
    app = create_app(make_settings(run_workers=False), database_url=db_url)
    async with live_server(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        kind = await make_type(http)
        agent = unique("agent")
        seen: Counter[tuple[int, int]] = Counter()
        for _ in range(6):
            opened = await http.post(
                "/v1/tickets", json={"type": kind, "title": "t"}, headers=auth(unique("r"))
            )
            assert opened.status_code == 201
            ticket = await claimed(http, agent, kind)
            handoff = http.post(
                f"/v1/tickets/{ticket['id']}/handoff",
                json={"reason": "not mine"},
                headers=auth(agent, "agent"),
            )
            result = http.post(
                f"/v1/tickets/{ticket['id']}/result", json={"result": "done"}, headers=auth(agent, "agent")
            )
            h, r = await asyncio.gather(handoff, result)
            seen[(h.status_code, r.status_code)] += 1
            # exactly one wins; the other learns it lost a race (409), never 403 or 500
            assert sorted((h.status_code, r.status_code)) == [200, 409], (h.text, r.text)
            if h.status_code == 200:
                assert r.json()["type"].endswith("/not-assigned"), r.text
        # and the same answer when the hand-off has plainly come first
        ticket = await claimed(http, agent, kind)
        assert (
            await http.post(
                f"/v1/tickets/{ticket['id']}/handoff", json={"reason": "x"}, headers=auth(agent, "agent")
            )
        ).status_code == 200
        late = await http.post(
            f"/v1/tickets/{ticket['id']}/result", json={"result": "done"}, headers=auth(agent, "agent")
        )
        assert late.status_code == 409 and late.headers["content-type"] == "application/problem+json"
        # someone else's assigned ticket is still a 403
        other = await claimed(http, unique("agent"), kind)
        stranger = await http.post(
            f"/v1/tickets/{other['id']}/result", json={"result": "x"}, headers=auth(agent, "agent")
        )
        assert stranger.status_code in (403, 404)
