"""The single-statement result (service.post_result_at_once) called directly: through the API a broken hot
path would hide behind the transactional fallback, which answers the same."""

from __future__ import annotations

from uuid import UUID

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_ticketing import service
from sealflow_ticketing.schemas import ResultIn
from sealkit.auth import Principal
from sealkit.jsonutil import loads
from sealkit.tables import outbox
from sealkit.testing import receiver, unique

from .helpers import claimed, make_type, open_ticket


async def _outbox_rows(app: FastAPI, ticket_id: str) -> list[sa.Row[tuple[object, ...]]]:
    async with app.state.db.transaction() as conn:
        return list((await conn.execute(sa.select(outbox).where(outbox.c.body.contains(ticket_id)))).all())


async def test_the_result_and_its_event_are_one_statement(app: FastAPI, client: httpx.AsyncClient) -> None:
    kind = await make_type(client)
    async with receiver() as hook:  # the requester's notify_url: the event's extra destination
        await open_ticket(client, kind, notify_url=hook.url)
        agent, stranger = unique("agent"), unique("agent")
        ticket = await claimed(client, agent, kind)
        ticket_id = UUID(ticket["id"])
        async with app.state.db.statement() as pg:
            assert pg is not None
            refused = await service.post_result_at_once(
                pg, app.state.outbox, user=Principal(stranger, roles=frozenset({"agent"})), ticket_id=ticket_id,
                body=ResultIn(result="not mine"),
            )  # fmt: skip
            assert refused is None, "only the assignee resolves"
            assert await _outbox_rows(app, ticket["id"]) == []
            done = await service.post_result_at_once(
                pg, app.state.outbox, user=Principal(agent, roles=frozenset({"agent"})), ticket_id=ticket_id,
                body=ResultIn(result="fixed"),
            )  # fmt: skip
    assert done is not None
    assert (done.status, done.result, done.resolved_by) == ("resolved", "fixed", agent)
    rows = [r for r in await _outbox_rows(app, ticket["id"]) if r.event_type == "ticket.resolved"]
    assert [r.destination for r in rows] == [hook.url]
    assert loads(rows[0].body)["data"]["result"] == "fixed"
    async with app.state.db.transaction() as conn:
        actions = (
            (
                await conn.execute(
                    sa.text("SELECT action FROM ticket_events WHERE ticket_id = :t ORDER BY at"),
                    {"t": ticket_id},
                )
            )
            .scalars()
            .all()
        )
    assert actions[-1] == "resolved"
