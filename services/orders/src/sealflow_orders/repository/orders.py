"""Order queries: numbers, orders, progress, the list's filters, the figures and peer deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import categories, deliveries, order_counters, order_progress, orders
from sealflow_orders.repository.catalog import like_pattern
from sealkit.ids import new_id
from sealkit.pagination import newest_first
from sealkit.sql import AnyRow, Rows, for_update
from sealkit.types import utcnow


async def next_number(conn: AsyncConnection, day: str) -> int:
    """The next order counter. On PostgreSQL a sequence (no row lock: concurrent orders never wait on
    each other; a rolled-back order leaves a gap); on SQLite, where writers are serialised anyway, a
    counter per day taken with one upsert."""
    if conn.dialect.name == "postgresql":
        return int((await conn.execute(sa.text("SELECT nextval('order_number_seq')"))).scalar_one())
    dialect = sqlite
    stmt = (
        dialect.insert(order_counters)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": order_counters.c.last + 1})
        .returning(order_counters.c.last)
    )
    return int((await conn.execute(stmt)).scalar_one())


async def insert_order(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(orders).values(**values))


async def get_order(conn: AsyncConnection, order_id: UUID, *, lock: bool = False) -> AnyRow | None:
    stmt = sa.select(orders).where(orders.c.id == order_id)
    if lock:
        stmt = for_update(stmt)
    return (await conn.execute(stmt)).first()


async def order_by(conn: AsyncConnection, column: str, value: UUID) -> AnyRow | None:
    """The order whose approval_request_id or ticket_id is `value`, locked for the change that follows."""
    return (await conn.execute(for_update(sa.select(orders).where(orders.c[column] == value)))).first()


async def update_order(conn: AsyncConnection, order_id: UUID, values: dict[str, Any]) -> None:
    await conn.execute(sa.update(orders).where(orders.c.id == order_id).values(**values))


async def add_progress(
    conn: AsyncConnection,
    *,
    order_id: UUID,
    status: str,
    note: str | None,
    by: str,
    internal: bool = False,
    channel: str | None = None,
    at: datetime | None = None,
) -> None:
    """One entry of an order's progress (what happened, the status after it, who, when)."""
    await conn.execute(
        sa.insert(order_progress).values(
            id=new_id(),
            order_id=order_id,
            at=at or utcnow(),
            status=status,
            note=note,
            by=by,
            internal=internal,
            channel=channel,
        )
    )


async def progress(conn: AsyncConnection, order_id: UUID, *, internal: bool) -> Rows:
    stmt = sa.select(order_progress).where(order_progress.c.order_id == order_id)
    if not internal:
        stmt = stmt.where(sa.not_(order_progress.c.internal))
    return (await conn.execute(stmt.order_by(order_progress.c.at, order_progress.c.id))).all()


async def list_orders(
    conn: AsyncConnection,
    *,
    enterprise_ids: list[UUID] | None,
    item_id: UUID | None,
    category_id: UUID | None,
    status: str | None,
    created_from: datetime | None,
    created_to: datetime | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> Rows:
    """Newest first; each filter is the leading column of an index that ends in (created_at, id)."""
    stmt = sa.select(orders)
    if enterprise_ids is not None:
        stmt = stmt.where(orders.c.enterprise_id.in_(enterprise_ids))
    for column, value in (("item_id", item_id), ("category_id", category_id), ("status", status)):
        if value is not None:
            stmt = stmt.where(orders.c[column] == value)
    if created_from is not None:
        stmt = stmt.where(orders.c.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(orders.c.created_at < created_to)
    if q:
        stmt = stmt.where(orders.c.search_text.like(like_pattern(q), escape="\\"))
    stmt = newest_first(stmt, orders.c.created_at, orders.c.id, cursor=cursor, limit=limit)
    return (await conn.execute(stmt)).all()


async def stats(conn: AsyncConnection, *, waiting: int, now: datetime) -> dict[str, Any]:
    counted = (
        await conn.execute(sa.select(orders.c.status, sa.func.count()).group_by(orders.c.status))
    ).all()
    by_status: dict[str, int] = {str(s): int(c) for s, c in counted}
    by_item = (
        await conn.execute(
            sa.select(orders.c.item_id, sa.func.max(orders.c.item_name), sa.func.count())
            .group_by(orders.c.item_id)
            .order_by(sa.func.count().desc())
        )
    ).all()
    by_category = (
        await conn.execute(
            sa.select(orders.c.category_id, sa.func.max(categories.c.name), sa.func.count())
            .select_from(orders.outerjoin(categories, categories.c.id == orders.c.category_id))
            .group_by(orders.c.category_id)
            .order_by(sa.func.count().desc())
        )
    ).all()
    seconds: sa.ColumnElement[Any]
    if conn.dialect.name == "postgresql":
        seconds = sa.func.extract("epoch", orders.c.completed_at - orders.c.created_at)
    else:  # SQLite keeps times as text: julianday counts days
        seconds = (sa.func.julianday(orders.c.completed_at) - sa.func.julianday(orders.c.created_at)) * 86400
    mean_seconds = await conn.scalar(
        sa.select(sa.func.avg(seconds)).where(orders.c.completed_at.is_not(None))
    )
    rating = (
        await conn.execute(
            sa.select(sa.func.avg(orders.c.rating), sa.func.count(orders.c.rating)).where(
                orders.c.rating.is_not(None)
            )
        )
    ).one()
    oldest = (
        await conn.execute(
            sa.select(orders)
            .where(orders.c.status.in_(["awaiting_approval", "dispatched", "in_progress"]))
            .order_by(orders.c.created_at, orders.c.id)
            .limit(waiting)
        )
    ).all()
    return {
        "by_status": by_status,
        "by_item": [(str(i), n, int(c)) for i, n, c in by_item],
        "by_category": [(str(i), n, int(c)) for i, n, c in by_category],
        "mean_hours": float(mean_seconds) / 3600 if mean_seconds is not None else None,
        "mean_rating": float(rating[0]) if rating[0] is not None else None,
        "rated": int(rating[1]),
        "oldest": oldest,
        "now": now,
    }


async def insert_delivery(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(deliveries).values(**values))


async def lease_deliveries(
    conn: AsyncConnection, *, now: datetime, lease_until: datetime, limit: int
) -> Rows:
    """Due deliveries, locked with SKIP LOCKED so replicas share them, leased so a crash retries them."""
    due = (
        await conn.execute(
            for_update(
                sa.select(deliveries)
                .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
                .order_by(deliveries.c.next_attempt_at)
                .limit(limit),
                skip_locked=True,
            )
        )
    ).all()
    if due:
        await conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.id.in_([r.id for r in due]))
            .values(next_attempt_at=lease_until)
        )
    return due


async def update_delivery(conn: AsyncConnection, delivery_id: UUID, values: dict[str, Any]) -> None:
    await conn.execute(sa.update(deliveries).where(deliveries.c.id == delivery_id).values(**values))


async def list_deliveries(conn: AsyncConnection, *, status: str | None, limit: int) -> Rows:
    stmt = sa.select(deliveries)
    if status is not None:
        stmt = stmt.where(deliveries.c.status == status)
    return (await conn.execute(stmt.order_by(deliveries.c.created_at.desc()).limit(limit))).all()


async def resend(conn: AsyncConnection, delivery_id: UUID, now: datetime) -> bool:
    stmt = (
        sa.update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
        .returning(deliveries.c.id)
    )
    return (await conn.execute(stmt)).first() is not None
