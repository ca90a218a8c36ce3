"""Real races over real HTTP: many agents claiming at once never get the same ticket."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from sealflow_ticketing.main import create_app
from sealflow_ticketing.models import ticket_events, tickets
from sealflow_ticketing.repository import claim_statement
from sealkit.app import Runtime
from sealkit.sql import driver_sql
from sealkit.testing import auth, live_server, unique
from sealkit.types import utcnow

from .conftest import make_settings
from .helpers import make_type, open_ticket

AGENTS = 200
TICKETS = 60


async def test_200_concurrent_claims_never_share_a_ticket(client: httpx.AsyncClient, db_url: str) -> None:
    kind = await make_type(client)
    opened = {(await open_ticket(client, kind))["id"] for _ in range(TICKETS)}
    agents = [unique("agent") for _ in range(AGENTS)]
    app = create_app(make_settings(run_workers=False), database_url=db_url)
    async with (
        live_server(app) as base,
        httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=AGENTS), timeout=60) as http,
    ):
        start = asyncio.Event()

        async def one(agent: str) -> httpx.Response:
            await start.wait()
            return await http.post("/v1/pool/claim", json={"types": [kind]}, headers=auth(agent, "agent"))

        tasks = [asyncio.create_task(one(agent)) for agent in agents]
        await asyncio.sleep(0.05)
        start.set()
        responses = await asyncio.gather(*tasks)

    codes = Counter(r.status_code for r in responses)
    assert codes == {200: TICKETS, 204: AGENTS - TICKETS}
    won = [r.json()["id"] for r in responses if r.status_code == 200]
    assert len(won) == len(set(won)) == TICKETS
    assert set(won) == opened
    winners = {r.json()["id"]: r.json()["assignee"] for r in responses if r.status_code == 200}
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(tickets.c.id, tickets.c.assignee).where(tickets.c.type_key == kind)
                )
            ).all()
            claims = (
                await conn.execute(
                    sa.select(ticket_events.c.ticket_id, sa.func.count())
                    .join(tickets, tickets.c.id == ticket_events.c.ticket_id)
                    .where(tickets.c.type_key == kind, ticket_events.c.action == "claimed")
                    .group_by(ticket_events.c.ticket_id)
                )
            ).all()
    finally:
        await engine.dispose()
    assert {str(r.id): r.assignee for r in rows} == winners
    assert len(claims) == TICKETS and all(count == 1 for _, count in claims)


def _sql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(_sql_literal(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return "now()"
    return "'" + str(value).replace("'", "''") + "'"


async def test_the_claim_is_served_by_the_pool_index_without_a_sort(app: FastAPI) -> None:
    """EXPLAIN of the claim as asyncpg runs it (a prepared statement), with a plan made without knowing
    the parameters, as PostgreSQL may choose after a few executions: the pool index must still give the
    order, so the claim reads the head of the index whatever the pool's size."""
    runtime: Runtime = app.state.runtime
    for types in (None, ["some-type"]):
        # the very statement and SQL text claim_at_once sends (with its timeline CTE), not a look-alike
        params = {"p_agent": "agent", "p_now": utcnow(), "p_types": types or []}
        sql, *values = driver_sql(claim_statement(typed=types is not None, postgres=True), params)
        arguments = ", ".join(_sql_literal(value) for value in values)
        async with runtime.db.engine.connect() as conn:
            # asyncpg's simple protocol (no arguments), so PREPARE sees its own $n placeholders.
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            async with driver.transaction():
                # Rule out small-table shortcuts: this asks whether the index CAN give the order.
                await driver.execute(
                    "SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off;"
                    " SET LOCAL plan_cache_mode = force_generic_plan"
                )
                await driver.execute(f"PREPARE claim_probe AS {sql}")
                try:
                    explain = await driver.fetch(f"EXPLAIN EXECUTE claim_probe({arguments})")
                finally:
                    await driver.execute("DEALLOCATE claim_probe")
        plan = "\n".join(r[0] for r in explain)
        # ix_tickets_pool, or ix_tickets_pool_type when the planner bets on the type filter
        assert "Index Scan using ix_tickets_pool" in plan, plan
        assert "Sort" not in plan, plan
