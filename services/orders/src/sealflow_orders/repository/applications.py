"""Application queries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import application_events, applications
from sealkit.sql import AnyRow, Rows


async def insert_application(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(applications).values(**values))


async def get_application(conn: AsyncConnection, application_id: UUID) -> AnyRow | None:
    return (await conn.execute(sa.select(applications).where(applications.c.id == application_id))).first()


async def update_if_unchanged(
    conn: AsyncConnection, application_id: UUID, read_version: int, values: dict[str, Any]
) -> bool:
    """Write a resubmission only if nobody resubmitted since `read_version` was read: of two at once,
    exactly one finds its version still there (the row lock orders them), the other writes nothing."""
    stmt = (
        sa.update(applications)
        .where(
            applications.c.id == application_id,
            applications.c.version == read_version,
            applications.c.status == "returned",
        )
        .values(**values, version=read_version + 1)
        .returning(applications.c.id)
    )
    return (await conn.execute(stmt)).first() is not None


async def set_order(conn: AsyncConnection, application_id: UUID, order_id: UUID) -> None:
    await conn.execute(
        sa.update(applications).where(applications.c.id == application_id).values(order_id=order_id)
    )


async def add_event(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(application_events).values(**values))


async def history(conn: AsyncConnection, application_id: UUID) -> Rows:
    stmt = (
        sa.select(application_events)
        .where(application_events.c.application_id == application_id)
        .order_by(application_events.c.at, application_events.c.id)
    )
    return (await conn.execute(stmt)).all()
