"""Process configuration versions and orders' positions; the order rows the process endpoints act on."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import (
    enterprise_members,
    order_processes,
    order_progress,
    orders,
    process_versions,
)
from sealkit.ids import new_id
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


ORDER_COLUMNS = (
    orders.c.id,
    orders.c.item_id,
    orders.c.enterprise_id,
    orders.c.applicant_id,
    orders.c.channel,
    orders.c.status,
    orders.c.created_at,
)


async def get_order(conn: AsyncConnection, order_id: UUID, *, lock: bool = False) -> AnyRow | None:
    """The order's row; `lock` takes its row lock, which every writer of the order's process takes
    first, so a completion and a hand-off (or two hand-offs) on one order run one after the other."""
    stmt = sa.select(*ORDER_COLUMNS).where(orders.c.id == order_id)
    if lock:
        stmt = stmt.with_for_update(of=orders)
    return (await conn.execute(stmt)).first()


async def is_member(conn: AsyncConnection, enterprise_id: UUID, user_id: str) -> bool:
    found = await conn.scalar(
        sa.select(sa.literal(1)).where(
            enterprise_members.c.enterprise_id == enterprise_id, enterprise_members.c.user_id == user_id
        )
    )
    return found is not None


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


async def add_history(
    conn: AsyncConnection, *, order_id: UUID, status: str, note: str, by: str, channel: str, at: datetime
) -> None:
    """An entry in the order's progress: what happened on which channel, by whom, when."""
    await conn.execute(
        sa.insert(order_progress).values(
            id=new_id(), order_id=order_id, at=at, status=status, note=note, by=by, channel=channel
        )
    )
