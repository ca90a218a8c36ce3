"""Where file bytes live, behind one small interface: in the database by default, so every replica
reads what any replica wrote, in the same transaction as the file's row."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import file_blobs


class FileStore(Protocol):
    async def put(self, conn: AsyncConnection, file_id: UUID, data: bytes) -> None: ...

    async def get(self, conn: AsyncConnection, file_id: UUID) -> bytes | None: ...


class DatabaseStore:
    """Bytes in `file_blobs` (bytea on PostgreSQL, BLOB on SQLite)."""

    async def put(self, conn: AsyncConnection, file_id: UUID, data: bytes) -> None:
        await conn.execute(sa.insert(file_blobs).values(file_id=file_id, data=data))

    async def get(self, conn: AsyncConnection, file_id: UUID) -> bytes | None:
        data = await conn.scalar(sa.select(file_blobs.c.data).where(file_blobs.c.file_id == file_id))
        return bytes(data) if data is not None else None


STORE: FileStore = DatabaseStore()
