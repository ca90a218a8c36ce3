"""The pool's hot paths, claim and resolve, each with its timeline entry, in as few round trips as the
database allows: on PostgreSQL one statement (a data-modifying CTE), elsewhere (SQLite) two. The statements
are built once per shape, so a request pays neither their construction nor their cache key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_ticketing.models import IS_QUEUED, ticket_events, tickets
from sealkit.contracts.ticketing import TICKET_RESOLVED, TicketResolved
from sealkit.db import HotConnection
from sealkit.event_sql import EventInSql
from sealkit.outbox import Outbox
from sealkit.sql import AnyRow, AnySelect, fetch_on_driver, for_update

POOL_ORDER = (tickets.c.priority.desc(), tickets.c.due_at, tickets.c.created_at)
_EVENT_COLUMNS = ("id", "ticket_id", "at", "actor_id", "action")
_RESOLVED_COLUMNS = (*_EVENT_COLUMNS, "detail", "agent_id", "type_key", "handling_seconds", "late")


def claim_update(*, typed: bool, postgres: bool = True) -> Any:
    """UPDATE … WHERE id = (first queued ticket in pool order that nobody holds) RETURNING the ticket.

    The subquery walks ix_tickets_pool (or ix_tickets_pool_type) and stops at the first row it can lock;
    rows other claims hold are skipped, so concurrent claims never wait on each other or share a ticket.
    """
    pick: AnySelect = sa.select(tickets.c.id).where(IS_QUEUED)
    if typed and postgres:  # one array parameter: one prepared statement whatever the number of types
        pick = pick.where(tickets.c.type_key == sa.any_(sa.bindparam("p_types", type_=ARRAY(sa.String))))
    elif typed:
        pick = pick.where(tickets.c.type_key.in_(sa.bindparam("p_types", expanding=True)))
    first = for_update(pick.order_by(*POOL_ORDER).limit(1), skip_locked=True).scalar_subquery()
    return (
        sa.update(tickets)
        .where(tickets.c.id == first, tickets.c.status == "queued")
        .values(
            status="assigned",
            assignee=sa.bindparam("p_agent"),
            assigned_at=sa.bindparam("p_now"),
            locked_until=None,
        )
        .returning(*tickets.c)
    )


@cache
def claim_statement(*, typed: bool, postgres: bool) -> Any:
    """The claim as `claim_at_once` (PostgreSQL: with its timeline entry in a CTE) and `claim` send it."""
    update = claim_update(typed=typed, postgres=postgres)
    if not postgres:
        return update
    claimed = update.cte("claimed")
    logged = sa.insert(ticket_events).from_select(
        _EVENT_COLUMNS,
        sa.select(
            sa.func.gen_random_uuid(),
            claimed.c.id,
            sa.bindparam("p_now"),
            sa.bindparam("p_agent"),
            sa.literal("claimed"),
        ),
    )
    return sa.select(claimed).add_cte(logged.cte("logged"))


async def claim_at_once(
    driver: HotConnection, agent_id: str, types: Sequence[str] | None, now: datetime
) -> dict[str, Any] | None:
    """`claim` as one autocommit statement on a `Database.statement()` connection (PostgreSQL)."""
    params: dict[str, Any] = {"p_agent": agent_id, "p_now": now, "p_types": list(types or ())}
    rows = await fetch_on_driver(driver, claim_statement(typed=bool(types), postgres=True), params)
    return rows[0] if rows else None


async def claim(
    conn: AsyncConnection, agent_id: str, types: Sequence[str] | None, now: datetime
) -> AnyRow | None:
    """Give the caller the next ticket in pool order and record 'claimed'; None when none is queued."""
    postgres = conn.dialect.name == "postgresql"
    params: dict[str, Any] = {"p_agent": agent_id, "p_now": now}
    if types:
        params["p_types"] = list(types)
    row = (await conn.execute(claim_statement(typed=bool(types), postgres=postgres), params)).first()
    if row is not None and not postgres:
        await conn.execute(
            sa.insert(ticket_events),
            [{"id": uuid.uuid4(), "ticket_id": row.id, "at": now, "actor_id": agent_id, "action": "claimed"}],
        )
    return row


def resolve_update() -> Any:
    return (
        sa.update(tickets)
        .where(
            tickets.c.id == sa.bindparam("p_id"),
            tickets.c.status == "assigned",
            tickets.c.assignee == sa.bindparam("p_agent"),
        )
        .values(
            status="resolved",
            result=sa.bindparam("p_result"),
            resolved_at=sa.bindparam("p_now"),
            resolved_by=sa.bindparam("p_agent"),
            locked_until=None,
            late=tickets.c.due_at < sa.bindparam("p_now"),
        )
        .returning(*tickets.c)
    )


@cache
def _resolve(*, with_history: bool, with_event: bool = False) -> Any:
    update = resolve_update()
    if not with_history:
        return update
    done = update.cte("done")
    now = sa.bindparam("p_now", type_=tickets.c.resolved_at.type)
    logged = sa.insert(ticket_events).from_select(
        _RESOLVED_COLUMNS,
        sa.select(
            sa.func.gen_random_uuid(),
            done.c.id,
            now,
            sa.bindparam("p_agent"),
            sa.literal("resolved"),
            sa.func.jsonb_build_object("late", done.c.late, "result", sa.bindparam("p_result")),
            sa.bindparam("p_agent"),
            done.c.type_key,
            sa.extract("epoch", now - done.c.assigned_at),
            done.c.late,
        ),
    )
    statement = sa.select(done).add_cte(logged.cte("logged"))
    if with_event:
        columns = {
            "type": done.c.type_key,
            "reference": done.c.reference,
            "requester_id": done.c.requester_id,
            "due_at": done.c.due_at,
            "late": done.c.late,
        }
        announced = RESOLVED.insert(done, columns, also_to=done.c.notify_url)
        statement = statement.add_cte(announced.cte("announced"))
    return statement


# `ticket.resolved` as the resolving statement writes it: these fields come from the ticket's row
RESOLVED = EventInSql(
    TICKET_RESOLVED,
    TicketResolved,
    from_row=("type", "reference", "requester_id", "due_at", "late"),
    name="resolved",
)


async def resolve_at_once(
    driver: HotConnection, outbox: Outbox, ticket_id: UUID, agent_id: str, result: str, now: datetime
) -> dict[str, Any] | None:
    """`resolve` and its `ticket.resolved` outbox rows as one autocommit statement on a
    `Database.statement()` connection (PostgreSQL); None when the caller may not resolve it now."""
    known = {"ticket_id": ticket_id, "assignee": agent_id, "result": result, "resolved_at": now}
    params = {"p_id": ticket_id, "p_agent": agent_id, "p_result": result, "p_now": now}
    params.update(RESOLVED.params(outbox, known, now=now))
    rows = await fetch_on_driver(driver, _resolve(with_history=True, with_event=True), params)
    return rows[0] if rows else None


async def resolve(
    conn: AsyncConnection, ticket_id: UUID, agent_id: str, result: str, now: datetime
) -> AnyRow | None:
    """Resolve when the caller is the assignee of an assigned ticket, with the 'resolved' entry that
    carries the KPI facts (handling time, late); `late` is decided against `due_at` in the statement."""
    postgres = conn.dialect.name == "postgresql"
    params = {"p_id": ticket_id, "p_agent": agent_id, "p_result": result, "p_now": now}
    row = (await conn.execute(_resolve(with_history=postgres), params)).first()
    if row is not None and not postgres:
        handling = (now - row.assigned_at).total_seconds() if row.assigned_at else None
        await conn.execute(
            sa.insert(ticket_events),
            [
                {
                    "id": uuid.uuid4(),
                    "ticket_id": ticket_id,
                    "at": now,
                    "actor_id": agent_id,
                    "action": "resolved",
                    "detail": {"late": row.late, "result": result},
                    "agent_id": agent_id,
                    "type_key": row.type_key,
                    "handling_seconds": handling,
                    "late": row.late,
                }
            ],
        )
    return row
