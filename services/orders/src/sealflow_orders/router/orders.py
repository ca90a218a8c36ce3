"""Order endpoints: lists and reads, staff progress, the applicant's cancellation and rating, provider
updates (signed with the provider's secret), figures for monitors, and delivery administration."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request

from sealflow_orders.domain.orders import OrderStatus
from sealflow_orders.router.common import Admin, Figures, Staff
from sealflow_orders.schemas.orders import (
    CancelIn,
    DeliveryOut,
    OrderOut,
    OrderStats,
    OrderSummary,
    ProgressIn,
    RatingIn,
)
from sealflow_orders.service import deliveries as deliveries_service
from sealflow_orders.service import events as events_service
from sealflow_orders.service import orders as service
from sealflow_orders.service import stats as stats_service
from sealflow_orders.service.context import Context
from sealkit.app import RuntimeDep
from sealkit.auth import CurrentUser
from sealkit.contracts.types import UtcDateTime
from sealkit.db import DbConn, get_database
from sealkit.pagination import Page, clamp_limit
from sealkit.signing import HEADER

router = APIRouter(prefix="/v1", tags=["orders"])


@router.get("/orders", response_model=Page[OrderSummary], summary="Orders, newest first, filtered")
async def list_orders(
    conn: DbConn,
    user: CurrentUser,
    item_id: UUID | None = None,
    category_id: UUID | None = None,
    status: OrderStatus | None = None,
    created_from: Annotated[UtcDateTime | None, Query(alias="from")] = None,
    created_to: Annotated[UtcDateTime | None, Query(alias="to")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[OrderSummary]:
    filters = {
        "item_id": item_id, "category_id": category_id, "status": status, "created_from": created_from,
        "created_to": created_to, "q": q.strip() if q else None,
    }  # fmt: skip
    return await service.list_orders(
        conn, user=user, filters=filters, cursor=cursor, limit=clamp_limit(limit)
    )


@router.get("/orders/{order_id}", response_model=OrderOut, summary="An order and its progress")
async def get_order(order_id: UUID, conn: DbConn, user: CurrentUser) -> OrderOut:
    return await service.get(conn, user=user, order_id=order_id)


@router.post("/orders/{order_id}/progress", response_model=OrderOut, summary="Staff: a note, or a new status")
async def add_progress(order_id: UUID, body: ProgressIn, conn: DbConn, user: Staff) -> OrderOut:
    return await service.add_progress(conn, user=user, order_id=order_id, body=body)


@router.post(
    "/orders/{order_id}/cancel", response_model=OrderOut, summary="The applicant withdraws the order"
)
async def cancel(
    order_id: UUID, body: CancelIn, conn: DbConn, runtime: RuntimeDep, user: CurrentUser
) -> OrderOut:
    return await service.cancel(conn, Context.of(runtime), user=user, order_id=order_id, body=body)


@router.post(
    "/orders/{order_id}/rating", response_model=OrderOut, summary="The applicant rates a completed order"
)
async def rate(order_id: UUID, body: RatingIn, conn: DbConn, user: CurrentUser) -> OrderOut:
    return await service.rate(conn, user=user, order_id=order_id, body=body)


@router.post(
    "/orders/{order_id}/provider-updates",
    summary="A third-party provider reports progress (signed with its secret)",
    responses={401: {"description": "missing or wrong signature: nothing changes"}},
)
async def provider_update(order_id: UUID, request: Request) -> dict[str, str]:
    raw = await request.body()
    async with get_database(request).transaction() as conn:
        return await events_service.provider_update(
            conn, order_id=order_id, raw=raw, signature=request.headers.get(HEADER)
        )


@router.get(
    "/stats/orders",
    response_model=OrderStats,
    summary="Monitor: how orders are distributed and how far along",
)
async def order_stats(conn: DbConn, _: Figures, waiting: int = 10) -> OrderStats:
    return await stats_service.order_stats(conn, waiting=clamp_limit(waiting))


@router.get("/deliveries", response_model=Page[DeliveryOut], summary="Admin: calls to approval and providers")
async def list_deliveries(
    conn: DbConn, _: Admin, status: Literal["pending", "delivered", "dead"] | None = None, limit: int = 100
) -> Page[DeliveryOut]:
    return await deliveries_service.list_deliveries(conn, status=status, limit=clamp_limit(limit))


@router.post("/deliveries/{delivery_id}/resend", status_code=202, summary="Admin: send a dead delivery again")
async def resend(delivery_id: UUID, conn: DbConn, _: Admin) -> dict[str, str]:
    return await deliveries_service.resend(conn, delivery_id)
