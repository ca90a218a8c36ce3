"""Automatic dispatch with racing dispatchers, agents' availability, and the KPIs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_ticketing.models import ticket_events, tickets
from sealkit.testing import auth, unique
from sealkit.types import utcnow

from .helpers import SUPERVISOR, claimed, is_problem, make_type, open_ticket
from .test_timers import run_concurrently, sql


async def available(client: httpx.AsyncClient, agent: str, **body: Any) -> dict[str, Any]:
    response = await client.put(
        "/v1/agents/me/availability", json={"available": True, **body}, headers=auth(agent, "agent")
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_availability_endpoint(client: httpx.AsyncClient) -> None:
    agent = unique("agent")
    path = "/v1/agents/me/availability"
    assert is_problem(await client.put(path, json={"available": True}), 401)
    assert is_problem(await client.put(path, json={"available": True}, headers=auth(agent, "applicant")), 403)
    assert is_problem(
        await client.put(path, json={"available": True, "capacity": 0}, headers=auth(agent, "agent")), 422
    )
    me = await available(client, agent, types=["b", "a", "a"], capacity=3)
    assert (me["types"], me["capacity"], me["load"]) == (["a", "b"], 3, 0)
    off = await client.put(path, json={"available": False}, headers=auth(agent, "agent"))
    assert off.json()["available"] is False
    assert is_problem(await client.get("/v1/agents", headers=auth(agent, "agent")), 403)
    listed = await client.get("/v1/agents", headers=SUPERVISOR)
    assert agent in {a["agent_id"] for a in listed.json()}


async def test_racing_dispatchers_fill_capacity_least_loaded_first(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    kind = await make_type(client)
    agents = [unique("agent") for _ in range(3)]
    for agent in agents:
        await available(client, agent, types=[kind], capacity=2)
    busy = agents[0]
    await open_ticket(client, kind, priority=100)
    await claimed(client, busy, kind)  # busy starts with a load of 1
    opened = [(await open_ticket(client, kind))["id"] for _ in range(8)]
    await run_concurrently(app.state.runtime, "dispatch", loops=3, batch=2, seconds=1.0)
    rows = await sql(
        app, sa.select(tickets.c.id, tickets.c.status, tickets.c.assignee).where(tickets.c.type_key == kind)
    )
    load = Counter(r.assignee for r in rows if r.status == "assigned")
    assert load == {agents[0]: 2, agents[1]: 2, agents[2]: 2}
    assert sum(1 for r in rows if r.status == "queued") == 3
    counted = await sql(
        app,
        sa.select(ticket_events.c.ticket_id, sa.func.count())
        .where(ticket_events.c.ticket_id.in_(opened), ticket_events.c.action == "assigned")
        .group_by(ticket_events.c.ticket_id),
    )
    assert all(n == 1 for _, n in counted) and len(counted) == 5
    listed = {a["agent_id"]: a for a in (await client.get("/v1/agents", headers=SUPERVISOR)).json()}
    assert [listed[a]["load"] for a in agents] == [2, 2, 2]


async def test_dispatch_takes_turns_among_equals(client: httpx.AsyncClient, app: FastAPI) -> None:
    kind = await make_type(client)
    agents = [unique("agent") for _ in range(3)]
    for agent in agents:
        await available(client, agent, types=[kind], capacity=10)
    order: list[str] = []
    for _ in range(3):
        ticket = await open_ticket(client, kind)
        await run_concurrently(app.state.runtime, "dispatch", loops=1, batch=10, seconds=0.05)
        got = (await client.get(f"/v1/tickets/{ticket['id']}", headers=SUPERVISOR)).json()
        order.append(got["assignee"])
        done = await client.post(
            f"/v1/tickets/{ticket['id']}/result",
            json={"result": "ok"},
            headers=auth(got["assignee"], "agent"),
        )
        assert done.status_code == 200
    assert sorted(order) == sorted(agents)  # each load returns to 0; the idle one goes next


async def test_kpis_per_agent_and_per_type(client: httpx.AsyncClient, app: FastAPI) -> None:
    kind = await make_type(client)
    agent, requester = unique("agent"), unique("req")
    for _ in range(3):
        await open_ticket(client, kind, requester)
    first, second, third = [await claimed(client, agent, kind) for _ in range(3)]
    await sql(
        app,
        sa.update(tickets).where(tickets.c.id == second["id"]).values(due_at=utcnow() - timedelta(seconds=1)),
    )
    for ticket, rating in ((first, 4), (second, 2)):
        await client.post(
            f"/v1/tickets/{ticket['id']}/result", json={"result": "ok"}, headers=auth(agent, "agent")
        )
        response = await client.post(
            f"/v1/tickets/{ticket['id']}/feedback",
            json={"verdict": "accept", "rating": rating},
            headers=auth(requester),
        )
        assert response.status_code == 200
    assert is_problem(await client.get("/v1/stats/agents", headers=auth(agent, "agent")), 403)
    assert is_problem(await client.get("/v1/stats/agents"), 401)
    stats = {
        s["agent_id"]: s for s in (await client.get("/v1/stats/agents", headers=auth("m", "monitor"))).json()
    }
    mine = stats[agent]
    assert (mine["handled"], mine["open"], mine["sla_met_ratio"], mine["mean_rating"], mine["ratings"]) == (
        2,
        1,
        0.5,
        3.0,
        2,
    )
    assert mine["mean_handling_seconds"] >= 0
    by_type = {s["type"]: s for s in (await client.get("/v1/stats/types", headers=SUPERVISOR)).json()}
    assert (by_type[kind]["handled"], by_type[kind]["open"], by_type[kind]["mean_rating"]) == (2, 1, 3.0)
    assert third["assignee"] == agent
