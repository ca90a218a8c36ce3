"""File queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import applications, enterprises, files
from sealkit.sql import AnyRow


async def insert_file(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(files).values(**values))


async def get_file(conn: AsyncConnection, file_id: UUID) -> AnyRow | None:
    return (await conn.execute(sa.select(files).where(files.c.id == file_id))).first()


async def get_files(conn: AsyncConnection, file_ids: Iterable[UUID]) -> dict[UUID, AnyRow]:
    ids = list(set(file_ids))
    if not ids:
        return {}
    rows = (await conn.execute(sa.select(files).where(files.c.id.in_(ids)))).all()
    return {r.id: r for r in rows}


async def used_in_review(conn: AsyncConnection, file_id: UUID) -> bool:
    """Whether an application's materials or an enterprise's certificate use the file (a cold path:
    staff opening a submission's file)."""
    as_text = str(file_id)
    in_application = sa.select(applications.c.id).where(
        sa.cast(applications.c.materials, sa.Text).contains(as_text)
    )
    as_certificate = sa.select(enterprises.c.id).where(enterprises.c.certificate_file_id == file_id)
    found = await conn.scalar(sa.select(sa.or_(sa.exists(in_application), sa.exists(as_certificate))))
    return bool(found)
