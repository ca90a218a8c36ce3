"""Ticketing queries (the pool's hot paths are in pool.py). A ticket's row is the unit of locking: writers lock it (or update it
conditionally) first, so two actions on one ticket run one after the other and one of them wins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_ticketing.models import (
    IS_OPEN_NOT_OVERDUE,
    IS_QUEUED,
    OPEN_STATUSES,
    agents,
    ticket_events,
    ticket_types,
    tickets,
)
from sealflow_ticketing.repository.pool import POOL_ORDER
from sealkit.db import HotConnection
from sealkit.pagination import newest_first
from sealkit.sql import AnyRow, AnySelect, Rows, fetch_on_driver, for_update, insert_ignoring_conflicts

# ticket types


async def insert_type(conn: AsyncConnection, row: dict[str, Any]) -> AnyRow | None:
    stmt = insert_ignoring_conflicts(conn, ticket_types, row).returning(*ticket_types.c)
    return (await conn.execute(stmt)).first()


_TYPE_BY_KEY = sa.select(ticket_types).where(ticket_types.c.key == sa.bindparam("p_key"))


async def get_type(conn: AsyncConnection, key: str) -> AnyRow | None:
    return (await conn.execute(_TYPE_BY_KEY, {"p_key": key})).first()


async def get_type_at_once(driver: HotConnection, key: str) -> SimpleNamespace | None:
    """`get_type` on a `Database.statement()` connection (the hot creation), with attribute access."""
    rows = await fetch_on_driver(driver, _TYPE_BY_KEY, {"p_key": key})
    return SimpleNamespace(**rows[0]) if rows else None


async def list_types(conn: AsyncConnection) -> Rows:
    return (await conn.execute(sa.select(ticket_types).order_by(ticket_types.c.key))).all()


async def update_type(conn: AsyncConnection, key: str, values: dict[str, Any]) -> AnyRow | None:
    stmt = (
        sa.update(ticket_types).where(ticket_types.c.key == key).values(**values).returning(*ticket_types.c)
    )
    return (await conn.execute(stmt)).first()


# tickets


async def get_ticket(conn: AsyncConnection, ticket_id: UUID) -> AnyRow | None:
    return (await conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id))).first()


async def lock_ticket(conn: AsyncConnection, ticket_id: UUID) -> AnyRow | None:
    return (await conn.execute(for_update(sa.select(tickets).where(tickets.c.id == ticket_id)))).first()


async def update_ticket(
    conn: AsyncConnection, ticket_id: UUID, values: dict[str, Any], *conditions: Any
) -> AnyRow | None:
    """Update one ticket if `conditions` still hold; the new row, or None when they did not."""
    stmt = (
        sa.update(tickets)
        .where(tickets.c.id == ticket_id, *conditions)
        .values(**values)
        .returning(*tickets.c)
    )
    return (await conn.execute(stmt)).first()


async def list_tickets(
    conn: AsyncConnection,
    *,
    visible_to: Any | None,
    status: str | None,
    type_key: str | None,
    assignee: str | None,
    overdue: bool | None,
    requester: str | None,
    reference: str | None,
    cursor: str | None,
    limit: int,
) -> Rows:
    stmt: AnySelect = sa.select(
        tickets.c.id,
        tickets.c.type_key.label("type"),
        tickets.c.title,
        tickets.c.priority,
        tickets.c.status,
        tickets.c.overdue,
        tickets.c.assignee,
        tickets.c.requester_id,
        tickets.c.reference,
        tickets.c.created_at,
        tickets.c.due_at,
        tickets.c.locked_until,
    )
    if visible_to is not None:
        stmt = stmt.where(visible_to)
    for column, value in (
        (tickets.c.status, status),
        (tickets.c.type_key, type_key),
        (tickets.c.assignee, assignee),
        (tickets.c.overdue, overdue),
        (tickets.c.requester_id, requester),
        (tickets.c.reference, reference),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    stmt = newest_first(stmt, tickets.c.created_at, tickets.c.id, cursor=cursor, limit=limit)
    return (await conn.execute(stmt)).all()


async def timeline(conn: AsyncConnection, ticket_id: UUID) -> Rows:
    stmt = (
        sa.select(
            ticket_events.c.at, ticket_events.c.actor_id, ticket_events.c.action, ticket_events.c.detail
        )
        .where(ticket_events.c.ticket_id == ticket_id)
        .order_by(ticket_events.c.at, ticket_events.c.id)
    )
    return (await conn.execute(stmt)).all()


# timers


async def due_for_overdue(conn: AsyncConnection, now: datetime, limit: int) -> Rows:
    stmt = (
        sa.select(tickets)
        .where(IS_OPEN_NOT_OVERDUE, tickets.c.due_at <= now)
        .order_by(tickets.c.due_at)
        .limit(limit)
    )
    return (await conn.execute(for_update(stmt, skip_locked=True))).all()


async def lapsed_locks(conn: AsyncConnection, now: datetime, limit: int) -> Rows:
    stmt = (
        sa.select(tickets.c.id, tickets.c.assignee, tickets.c.locked_until)
        .where(tickets.c.locked_until.is_not(None), tickets.c.locked_until <= now)
        .order_by(tickets.c.locked_until)
        .limit(limit)
    )
    return (await conn.execute(for_update(stmt, skip_locked=True))).all()


async def clear_locks(conn: AsyncConnection, ids: Sequence[UUID], now: datetime) -> Rows:
    stmt = (
        sa.update(tickets)
        .where(tickets.c.id.in_(list(ids)), tickets.c.locked_until <= now)
        .values(locked_until=None)
        .returning(tickets.c.id, tickets.c.assignee)
    )
    return (await conn.execute(stmt)).all()


# agents and dispatch


async def upsert_agent(conn: AsyncConnection, row: dict[str, Any]) -> None:
    found = await conn.execute(
        sa.update(agents)
        .where(agents.c.agent_id == row["agent_id"])
        .values(**{k: v for k, v in row.items() if k != "agent_id"})
        .returning(agents.c.agent_id)
    )
    if found.first() is None:
        await conn.execute(insert_ignoring_conflicts(conn, agents, {**row, "last_assigned_at": None}))


def _load() -> Any:
    return (
        sa.select(sa.func.count())
        .where(tickets.c.assignee == agents.c.agent_id, tickets.c.status == "assigned")
        .correlate(agents)
        .scalar_subquery()
        .label("load")
    )


async def list_agents(conn: AsyncConnection, agent_id: str | None = None) -> Rows:
    stmt = sa.select(agents, _load()).order_by(agents.c.agent_id)
    if agent_id is not None:
        stmt = stmt.where(agents.c.agent_id == agent_id)
    return (await conn.execute(stmt)).all()


async def lock_available_agents(conn: AsyncConnection) -> Rows:
    """Available agents, locked in one order: concurrent dispatchers take turns on the agents' loads."""
    stmt = (
        sa.select(agents.c.agent_id, agents.c.types, agents.c.capacity, agents.c.last_assigned_at)
        .where(agents.c.available.is_(True))
        .order_by(agents.c.agent_id)
    )
    return (await conn.execute(for_update(stmt))).all()


async def agent_loads(conn: AsyncConnection, agent_ids: Sequence[str]) -> dict[str, int]:
    stmt = (
        sa.select(tickets.c.assignee, sa.func.count())
        .where(tickets.c.status == "assigned", tickets.c.assignee.in_(list(agent_ids)))
        .group_by(tickets.c.assignee)
    )
    return {row[0]: int(row[1]) for row in (await conn.execute(stmt)).all()}


async def queued_for_dispatch(conn: AsyncConnection, types: Sequence[str] | None, limit: int) -> Rows:
    stmt: AnySelect = sa.select(tickets.c.id, tickets.c.type_key).where(IS_QUEUED)
    if types is not None:
        stmt = stmt.where(tickets.c.type_key.in_(list(types)))
    stmt = stmt.order_by(*POOL_ORDER).limit(limit)
    return (await conn.execute(for_update(stmt, skip_locked=True))).all()


async def assign_many(conn: AsyncConnection, plan: Sequence[tuple[UUID, str]], now: datetime) -> None:
    for ticket_id, agent_id in plan:
        await conn.execute(
            sa.update(tickets)
            .where(tickets.c.id == ticket_id, tickets.c.status == "queued")
            .values(status="assigned", assignee=agent_id, assigned_at=now, locked_until=None)
        )


async def touch_agents(conn: AsyncConnection, stamps: dict[str, datetime]) -> None:
    for agent_id, at in stamps.items():
        await conn.execute(sa.update(agents).where(agents.c.agent_id == agent_id).values(last_assigned_at=at))


# KPIs


async def kpis(conn: AsyncConnection, by: str) -> tuple[Rows, Rows, Rows]:
    """(resolved facts, ratings, open counts), each grouped by agent (`by="agent"`) or by type."""
    ev = ticket_events
    key = ev.c.agent_id if by == "agent" else ev.c.type_key
    resolved = (
        await conn.execute(
            sa.select(
                key.label("key"),
                sa.func.count().label("handled"),
                sa.func.avg(ev.c.handling_seconds).label("mean_handling_seconds"),
                sa.func.avg(sa.case((ev.c.late.is_(False), 1.0), else_=0.0)).label("sla_met_ratio"),
            )
            .where(ev.c.action == "resolved")
            .group_by(key)
        )
    ).all()
    ratings = (
        await conn.execute(
            sa.select(
                key.label("key"),
                sa.func.avg(ev.c.rating).label("mean_rating"),
                sa.func.count(ev.c.rating).label("ratings"),
            )
            .where(ev.c.action == "feedback", ev.c.rating.is_not(None))
            .group_by(key)
        )
    ).all()
    if by == "agent":
        open_stmt = (
            sa.select(tickets.c.assignee.label("key"), sa.func.count().label("open"))
            .where(tickets.c.status == "assigned")
            .group_by(tickets.c.assignee)
        )
    else:
        open_stmt = (
            sa.select(tickets.c.type_key.label("key"), sa.func.count().label("open"))
            .where(tickets.c.status.in_(OPEN_STATUSES))
            .group_by(tickets.c.type_key)
        )
    return resolved, ratings, (await conn.execute(open_stmt)).all()
