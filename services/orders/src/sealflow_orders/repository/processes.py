"""Process configuration versions and orders' positions in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import (
    order_processes,
    orders,
    process_versions,
)
from sealkit.sql import AnyRow


async def latest_version(conn: AsyncConnection, item_id: UUID) -> AnyRow | None:
    stmt = (
        sa.select(process_versions)
        .where(process_versions.c.item_id == item_id)
        .order_by(process_versions.c.version.desc())
        .limit(1)
    )
    return (await conn.execute(stmt)).first()


async def get_version(conn: AsyncConnection, item_id: UUID, version: int) -> AnyRow | None:
    stmt = sa.select(process_versions).where(
        process_versions.c.item_id == item_id, process_versions.c.version == version
    )
    return (await conn.execute(stmt)).first()


async def version_for_order(conn: AsyncConnection, item_id: UUID, created_at: datetime) -> AnyRow | None:
    """The version in force when the order was made; the first one if the item had none then."""
    in_force = (
        sa.select(process_versions)
        .where(process_versions.c.item_id == item_id, process_versions.c.created_at <= created_at)
        .order_by(process_versions.c.version.desc())
        .limit(1)
    )
    row = (await conn.execute(in_force)).first()
    if row is not None:
        return row
    first = (
        sa.select(process_versions)
        .where(process_versions.c.item_id == item_id)
        .order_by(process_versions.c.version)
        .limit(1)
    )
    return (await conn.execute(first)).first()


async def insert_version(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(process_versions).values(**values))


async def get_position(conn: AsyncConnection, order_id: UUID) -> AnyRow | None:
    stmt = sa.select(order_processes).where(order_processes.c.order_id == order_id)
    return (await conn.execute(stmt)).first()


async def save_position(conn: AsyncConnection, values: dict[str, Any], *, exists: bool) -> None:
    if exists:
        changed = {k: v for k, v in values.items() if k in ("channel", "completed", "updated_at")}
        await conn.execute(
            sa.update(order_processes)
            .where(order_processes.c.order_id == values["order_id"])
            .values(**changed)
        )
    else:
        await conn.execute(sa.insert(order_processes).values(**values))


async def move_order_channel(conn: AsyncConnection, order_id: UUID, channel: str, at: datetime) -> None:
    await conn.execute(
        sa.update(orders).where(orders.c.id == order_id).values(channel=channel, updated_at=at)
    )
