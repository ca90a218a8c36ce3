"""Enterprise and membership queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import enterprise_members, enterprises
from sealkit.pagination import oldest_first
from sealkit.sql import AnyRow, Rows, insert_ignoring_conflicts


async def insert_enterprise(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """False when the credit code is already registered (the unique index decides a race)."""
    stmt = insert_ignoring_conflicts(conn, enterprises, values).returning(enterprises.c.id)
    return (await conn.execute(stmt)).first() is not None


async def add_member(conn: AsyncConnection, enterprise_id: UUID, user_id: str, at: datetime) -> None:
    await conn.execute(
        insert_ignoring_conflicts(
            conn, enterprise_members, {"enterprise_id": enterprise_id, "user_id": user_id, "created_at": at}
        )
    )


async def get_enterprise(conn: AsyncConnection, enterprise_id: UUID, *, lock: bool = False) -> AnyRow | None:
    stmt = sa.select(enterprises).where(enterprises.c.id == enterprise_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).first()


async def member_ids(conn: AsyncConnection, enterprise_id: UUID) -> list[str]:
    stmt = (
        sa.select(enterprise_members.c.user_id)
        .where(enterprise_members.c.enterprise_id == enterprise_id)
        .order_by(enterprise_members.c.created_at, enterprise_members.c.user_id)
    )
    return list((await conn.scalars(stmt)).all())


async def is_registered_member(conn: AsyncConnection, enterprise_id: UUID, user_id: str) -> bool:
    stmt = sa.select(sa.literal(1)).where(
        enterprise_members.c.enterprise_id == enterprise_id, enterprise_members.c.user_id == user_id
    )
    return (await conn.scalar(stmt)) is not None


async def enterprises_of(conn: AsyncConnection, user_id: str) -> list[UUID]:
    stmt = sa.select(enterprise_members.c.enterprise_id).where(enterprise_members.c.user_id == user_id)
    return list((await conn.scalars(stmt)).all())


async def update_enterprise(conn: AsyncConnection, enterprise_id: UUID, values: dict[str, Any]) -> None:
    await conn.execute(sa.update(enterprises).where(enterprises.c.id == enterprise_id).values(**values))


async def list_enterprises(
    conn: AsyncConnection, *, status: str | None, cursor: str | None, limit: int
) -> Rows:
    stmt = sa.select(enterprises)
    if status is not None:
        stmt = stmt.where(enterprises.c.status == status)
    # oldest first: the review queue is worked in the order enterprises registered
    stmt = oldest_first(stmt, enterprises.c.created_at, enterprises.c.id, cursor=cursor, limit=limit)
    return (await conn.execute(stmt)).all()
