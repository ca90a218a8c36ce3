"""The monitor's figures: how orders are distributed and how far along they are."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.domain.orders import STATUSES
from sealflow_orders.repository import orders as repo
from sealflow_orders.schemas.orders import CountOut, OrderStats, WaitingOrder
from sealkit.types import utcnow


async def order_stats(conn: AsyncConnection, *, waiting: int) -> OrderStats:
    now = utcnow()
    figures = await repo.stats(conn, waiting=waiting, now=now)
    by_status: dict[str, int] = {status: figures["by_status"].get(status, 0) for status in STATUSES}
    return OrderStats(
        total=sum(by_status.values()),
        by_status=by_status,
        by_item=[CountOut(key=k, name=n, count=c) for k, n, c in figures["by_item"]],
        by_category=[CountOut(key=k, name=n, count=c) for k, n, c in figures["by_category"]],
        mean_hours_to_completion=figures["mean_hours"],
        mean_rating=figures["mean_rating"],
        rated=figures["rated"],
        waiting_longest=[
            WaitingOrder(
                id=r.id,
                number=r.number,
                status=r.status,
                item_name=r.item_name,
                enterprise_name=r.enterprise_name,
                created_at=r.created_at,
                waiting_hours=round((now - r.created_at).total_seconds() / 3600, 3),
            )
            for r in figures["oldest"]
        ],
    )
