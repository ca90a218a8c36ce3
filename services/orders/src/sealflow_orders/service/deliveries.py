"""Admin views of the calls orders makes (approval requests, provider forwarding) and manual resends."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.repository import orders as repo
from sealflow_orders.schemas.orders import DeliveryOut
from sealkit.pagination import Page
from sealkit.problems import NotFound
from sealkit.types import utcnow


async def list_deliveries(conn: AsyncConnection, *, status: str | None, limit: int) -> Page[DeliveryOut]:
    rows = await repo.list_deliveries(conn, status=status, limit=limit)
    return Page(items=[DeliveryOut.model_validate(r, from_attributes=True) for r in rows], next_cursor=None)


async def resend(conn: AsyncConnection, delivery_id: UUID) -> dict[str, str]:
    if not await repo.resend(conn, delivery_id, utcnow()):
        raise NotFound("no dead delivery with this id")
    return {"status": "pending"}
