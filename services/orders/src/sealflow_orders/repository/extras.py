"""Suggestion, favourite and premises queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import favorites, items, premises, suggestions
from sealkit.sql import AnyRow, Rows


async def insert_suggestion(conn: AsyncConnection, values: dict[str, Any]) -> AnyRow:
    return (await conn.execute(sa.insert(suggestions).values(**values).returning(*suggestions.c))).one()


async def list_suggestions(conn: AsyncConnection, *, after: tuple[datetime, UUID] | None, limit: int) -> Rows:
    stmt = sa.select(suggestions)
    if after is not None:
        stmt = stmt.where(sa.tuple_(suggestions.c.created_at, suggestions.c.id) < sa.tuple_(*after))
    stmt = stmt.order_by(suggestions.c.created_at.desc(), suggestions.c.id.desc()).limit(limit)
    return (await conn.execute(stmt)).all()


async def serialise_on(conn: AsyncConnection, key: str) -> None:
    """Hold a transaction-scoped lock on `key` (PostgreSQL), for writers that replace a set of rows with
    no parent row to lock; SQLite serialises writers anyway."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))


async def active_item_ids(conn: AsyncConnection, item_ids: Sequence[UUID]) -> set[UUID]:
    found = await conn.scalars(sa.select(items.c.id).where(items.c.id.in_(item_ids), items.c.active))
    return set(found)


async def replace_favorites(conn: AsyncConnection, user_id: str, item_ids: Sequence[UUID]) -> None:
    await conn.execute(sa.delete(favorites).where(favorites.c.user_id == user_id))
    if item_ids:
        rows = [{"user_id": user_id, "item_id": i, "position": n} for n, i in enumerate(item_ids)]
        await conn.execute(sa.insert(favorites), rows)


async def favorite_items(conn: AsyncConnection, user_id: str) -> Rows:
    stmt = (
        sa.select(items)
        .join(favorites, favorites.c.item_id == items.c.id)
        .where(favorites.c.user_id == user_id, items.c.active)
        .order_by(favorites.c.position)
    )
    return (await conn.execute(stmt)).all()


async def has_favorites(conn: AsyncConnection, user_id: str) -> bool:
    return (
        await conn.scalar(sa.select(sa.literal(1)).where(favorites.c.user_id == user_id).limit(1)) is not None
    )


async def replace_premises(
    conn: AsyncConnection, enterprise_id: UUID, rows: Sequence[dict[str, Any]]
) -> None:
    await conn.execute(sa.delete(premises).where(premises.c.enterprise_id == enterprise_id))
    if rows:
        await conn.execute(sa.insert(premises), list(rows))


async def rooms_held_by_others(
    conn: AsyncConnection, enterprise_id: UUID, rooms: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    if not rooms:
        return []
    stmt = sa.select(premises.c.building, premises.c.unit).where(
        sa.tuple_(premises.c.building, premises.c.unit).in_(rooms), premises.c.enterprise_id != enterprise_id
    )
    return [(r.building, r.unit) for r in (await conn.execute(stmt)).all()]


async def premises_of(conn: AsyncConnection, enterprise_id: UUID) -> Rows:
    stmt = sa.select(premises).where(premises.c.enterprise_id == enterprise_id).order_by(premises.c.position)
    return (await conn.execute(stmt)).all()
