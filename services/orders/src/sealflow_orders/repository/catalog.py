"""Catalogue queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import categories, item_versions, items
from sealkit.pagination import newest_first
from sealkit.sql import AnyRow, Rows, insert_ignoring_conflicts


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def insert_category(conn: AsyncConnection, values: dict[str, Any]) -> AnyRow | None:
    stmt = insert_ignoring_conflicts(conn, categories, values).returning(*categories.c)
    return (await conn.execute(stmt)).first()


async def update_category(conn: AsyncConnection, category_id: UUID, values: dict[str, Any]) -> AnyRow | None:
    stmt = (
        sa.update(categories).where(categories.c.id == category_id).values(**values).returning(*categories.c)
    )
    return (await conn.execute(stmt)).first()


async def category_named(conn: AsyncConnection, name: str) -> AnyRow | None:
    return (await conn.execute(sa.select(categories).where(categories.c.name == name))).first()


async def get_category(conn: AsyncConnection, category_id: UUID) -> AnyRow | None:
    return (await conn.execute(sa.select(categories).where(categories.c.id == category_id))).first()


async def list_categories(conn: AsyncConnection) -> Rows:
    return (await conn.execute(sa.select(categories).order_by(categories.c.name))).all()


async def insert_item(conn: AsyncConnection, values: dict[str, Any], snapshot: dict[str, Any]) -> None:
    await conn.execute(sa.insert(items).values(**values))
    await insert_version(conn, values["id"], values["version"], snapshot, values["updated_at"])


async def insert_version(
    conn: AsyncConnection, item_id: UUID, version: int, snapshot: dict[str, Any], at: datetime
) -> None:
    await conn.execute(
        sa.insert(item_versions).values(item_id=item_id, version=version, snapshot=snapshot, created_at=at)
    )


async def get_item(conn: AsyncConnection, item_id: UUID, *, lock: bool = False) -> AnyRow | None:
    stmt = sa.select(items).where(items.c.id == item_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).first()


async def update_item(conn: AsyncConnection, item_id: UUID, values: dict[str, Any]) -> None:
    await conn.execute(sa.update(items).where(items.c.id == item_id).values(**values))


async def get_version(conn: AsyncConnection, item_id: UUID, version: int) -> dict[str, Any] | None:
    snapshot = await conn.scalar(
        sa.select(item_versions.c.snapshot).where(
            item_versions.c.item_id == item_id, item_versions.c.version == version
        )
    )
    return dict(snapshot) if snapshot is not None else None


async def list_items(
    conn: AsyncConnection,
    *,
    category_id: UUID | None,
    q: str | None,
    provider_kind: str | None,
    cursor: str | None,
    limit: int,
) -> Rows:
    """Newest first; one row more than `limit` (see sealkit.pagination)."""
    stmt = sa.select(items).where(items.c.active)
    if category_id is not None:
        stmt = stmt.where(items.c.category_id == category_id)
    if provider_kind is not None:
        stmt = stmt.where(items.c.provider_kind == provider_kind)
    if q:
        stmt = stmt.where(items.c.search_text.like(like_pattern(q), escape="\\"))
    stmt = newest_first(stmt, items.c.created_at, items.c.id, cursor=cursor, limit=limit)
    return (await conn.execute(stmt)).all()


async def popular_items(conn: AsyncConnection, limit: int) -> Rows:
    stmt = (
        sa.select(items).where(items.c.active).order_by(items.c.applications.desc(), items.c.id).limit(limit)
    )
    return (await conn.execute(stmt)).all()


async def count_application(conn: AsyncConnection, item_id: UUID) -> None:
    await conn.execute(
        sa.update(items).where(items.c.id == item_id).values(applications=items.c.applications + 1)
    )
