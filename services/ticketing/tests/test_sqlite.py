"""The embedded SQLite default (`make run`): the same API, the hot paths without PostgreSQL's CTEs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sealflow_ticketing.main import create_app
from sealkit.jsonutil import loads
from sealkit.migrations import upgrade
from sealkit.testing import REPO_ROOT, auth, receiver, unique

from .conftest import make_settings
from .helpers import SUPERVISOR, claimed, make_type, open_ticket, timeline


@pytest.fixture
async def sqlite_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ticketing.db'}"
    await asyncio.to_thread(upgrade, REPO_ROOT / "services" / "ticketing", url)
    app = create_app(make_settings(), database_url=url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ticketing") as client,
    ):
        yield client


async def test_the_whole_flow_on_sqlite(sqlite_client: httpx.AsyncClient) -> None:
    client = sqlite_client
    kind, other = await make_type(client, default_priority=20), await make_type(client)
    requester, agent = unique("req"), unique("agent")
    low = await open_ticket(client, kind, requester, priority=10)
    high = await open_ticket(client, kind, requester, priority=90)
    await open_ticket(client, other, priority=100)
    first = await claimed(client, agent, kind)
    assert first["id"] == high["id"]
    untyped = await client.post("/v1/pool/claim", headers=auth(agent, "agent"))
    assert untyped.json()["type"] == other
    second = await claimed(client, agent, kind)
    assert second["id"] == low["id"]
    assert (
        await client.post("/v1/pool/claim", json={"types": [kind]}, headers=auth(agent, "agent"))
    ).status_code == 204
    done = await client.post(
        f"/v1/tickets/{first['id']}/result", json={"result": "ok"}, headers=auth(agent, "agent")
    )
    assert (done.json()["status"], done.json()["late"]) == ("resolved", False)
    accepted = await client.post(
        f"/v1/tickets/{first['id']}/feedback",
        json={"verdict": "accept", "rating": 4},
        headers=auth(requester),
    )
    assert accepted.json()["status"] == "closed"
    assert await timeline(client, first["id"]) == ["created", "claimed", "resolved", "feedback", "closed"]
    stats = {s["agent_id"]: s for s in (await client.get("/v1/stats/agents", headers=SUPERVISOR)).json()}
    assert (stats[agent]["handled"], stats[agent]["open"], stats[agent]["mean_rating"]) == (1, 2, 4.0)


async def test_callback_and_result_delivery_on_sqlite(sqlite_client: httpx.AsyncClient) -> None:
    client = sqlite_client
    async with receiver() as callback, receiver() as requester_hook:
        kind = await make_type(client, callback_url=callback.url)
        ticket = await open_ticket(client, kind, notify_url=requester_hook.url)
        await callback.wait_for(1, timeout=20)
        await requester_hook.wait_for(1, timeout=20)  # the callback's outcome
        agent = unique("agent")
        assert (await claimed(client, agent, kind))["id"] == ticket["id"]
        await client.post(
            f"/v1/tickets/{ticket['id']}/result", json={"result": "ok"}, headers=auth(agent, "agent")
        )
        received = await requester_hook.wait_for(2, timeout=20)
    assert [loads(r.body)["type"] for r in received] == ["ticket.callback.reported", "ticket.resolved"]
