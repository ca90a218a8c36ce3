"""What only shows on a pool nobody else shares (a database of the test's own, cloned from the migrated
template): a claim without a type filter and a dispatch to an agent who takes any type both range over
every queued ticket, so in the session's shared database they would take other tests' tickets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from sealflow_ticketing import repository as repo
from sealflow_ticketing import service
from sealflow_ticketing.main import create_app
from sealkit.testing import OwnDatabase, asgi_client, auth, started, unique
from sealkit.types import utcnow

from .conftest import make_settings
from .helpers import SUPERVISOR, make_type, open_ticket, timeline


@pytest.fixture
async def alone(own_database: OwnDatabase) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(make_settings(), database_url=await own_database("ticketing"))
    async with started(app), asgi_client(app, "http://ticketing") as client:
        yield app, client


async def _untyped_claim(client: httpx.AsyncClient, agent: str) -> httpx.Response:
    return await client.post("/v1/pool/claim", headers=auth(agent, "agent"))


async def test_a_claim_without_types_takes_the_whole_pool_in_order(
    alone: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = alone
    plumbing, wiring = await make_type(client), await make_type(client, sla_minutes=30)
    low = await open_ticket(client, plumbing, priority=10)
    later_due = await open_ticket(client, plumbing, priority=60)
    sooner_due = await open_ticket(client, wiring, priority=60)  # opened last, but its SLA is shorter
    high = await open_ticket(client, wiring, priority=90)
    agent = unique("agent")
    order = []
    for _ in range(4):
        response = await _untyped_claim(client, agent)  # the one-statement claim on PostgreSQL
        assert response.status_code == 200, response.text
        order.append(response.json()["id"])
    assert order == [high["id"], sooner_due["id"], later_due["id"], low["id"]]
    assert (await _untyped_claim(client, agent)).status_code == 204
    assert await timeline(client, high["id"]) == ["created", "claimed"]


async def test_the_one_statement_claim_without_types_and_the_transactional_one_agree(
    alone: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = alone
    kind, other = await make_type(client), await make_type(client)
    first = await open_ticket(client, other, priority=70)
    second = await open_ticket(client, kind, priority=40)
    agent = unique("agent")
    async with app.state.db.statement() as pg:
        assert pg is not None
        at_once = await repo.claim_at_once(pg, agent, None, utcnow())
    async with app.state.db.transaction() as conn:
        in_transaction = await repo.claim(conn, agent, None, utcnow())
    assert at_once is not None and in_transaction is not None
    assert (str(at_once["id"]), str(in_transaction.id)) == (first["id"], second["id"])
    assert (at_once["assignee"], in_transaction.assignee) == (agent, agent)
    assert await timeline(client, first["id"]) == ["created", "claimed"]
    assert await timeline(client, second["id"]) == ["created", "claimed"]


async def test_dispatch_gives_an_agent_of_any_type_every_type_up_to_capacity(
    alone: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = alone
    plumbing, wiring = await make_type(client), await make_type(client)
    opened = [
        await open_ticket(client, plumbing, priority=20),
        await open_ticket(client, wiring, priority=80),
        await open_ticket(client, plumbing, priority=50),
    ]
    anyone = unique("agent")
    me = await client.put(
        "/v1/agents/me/availability", json={"available": True, "capacity": 2}, headers=auth(anyone, "agent")
    )
    assert me.status_code == 200 and me.json()["types"] is None  # no list: every type
    async with app.state.db.transaction() as conn:
        assert await service.dispatch_round(conn, now=utcnow(), limit=10) == 2
    got = {t["id"]: (await client.get(f"/v1/tickets/{t['id']}", headers=SUPERVISOR)).json() for t in opened}
    # both types, in pool order, up to the agent's capacity; the lowest priority waits
    assert [(got[t["id"]]["status"], got[t["id"]]["assignee"]) for t in opened] == [
        ("queued", None),
        ("assigned", anyone),
        ("assigned", anyone),
    ]
    agents = (await client.get("/v1/agents", headers=SUPERVISOR)).json()
    assert [(a["agent_id"], a["load"]) for a in agents] == [(anyone, 2)]
