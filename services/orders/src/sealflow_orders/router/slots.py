"""Appointment endpoints: slots per item (admin writes, everyone reads), an order's appointment (its
applicant books, replaces and frees it), and the caller's notifications."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sealflow_orders.config import OrdersSettings
from sealflow_orders.router.common import Admin
from sealflow_orders.schemas.slots import AppointmentOut, BookingIn, NotificationOut, SlotIn, SlotOut
from sealflow_orders.service import slots as service
from sealkit.auth import CurrentUser
from sealkit.contracts.types import UtcDateTime
from sealkit.db import DbConn
from sealkit.idempotency import idempotent
from sealkit.pagination import Page, clamp_limit

router = APIRouter(prefix="/v1", tags=["appointments"])


@router.post(
    "/catalog/items/{item_id}/slots",
    status_code=201,
    response_model=SlotOut,
    summary="Open an appointment slot",
)
async def create_slot(item_id: UUID, body: SlotIn, request: Request, conn: DbConn, user: Admin) -> Response:
    return await idempotent(conn, request, user, body, lambda: service.create_slot(conn, item_id, body))


@router.get(
    "/catalog/items/{item_id}/slots",
    response_model=Page[SlotOut],
    summary="An item's slots starting in [from, to), each with its remaining places",
)
async def list_slots(
    item_id: UUID,
    conn: DbConn,
    _: CurrentUser,
    start_from: Annotated[UtcDateTime | None, Query(alias="from")] = None,
    start_to: Annotated[UtcDateTime | None, Query(alias="to")] = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[SlotOut]:
    return await service.list_slots(
        conn, item_id, start_from=start_from, start_to=start_to, cursor=cursor, limit=clamp_limit(limit)
    )


@router.post(
    "/orders/{order_id}/appointment",
    status_code=201,
    response_model=AppointmentOut,
    summary="Book a place (replaces the order's earlier appointment)",
)
async def book(
    order_id: UUID, body: BookingIn, request: Request, conn: DbConn, user: CurrentUser
) -> Response:
    settings: OrdersSettings = request.app.state.settings
    return await idempotent(
        conn,
        request,
        user,
        body,
        lambda: service.book(
            conn,
            user,
            order_id,
            body,
            zone_name=settings.appointment_zone,
            default_hours=settings.appointment_reminder_hours,
        ),
    )


@router.get(
    "/orders/{order_id}/appointment", response_model=AppointmentOut, summary="The order's appointment"
)
async def get_appointment(order_id: UUID, conn: DbConn, user: CurrentUser) -> AppointmentOut:
    return await service.get_appointment(conn, user, order_id)


@router.delete("/orders/{order_id}/appointment", status_code=204, summary="Free the order's place")
async def free(order_id: UUID, conn: DbConn, user: CurrentUser) -> Response:
    await service.free(conn, user, order_id)
    return Response(status_code=204)


@router.get(
    "/notifications", response_model=Page[NotificationOut], summary="The caller's notifications, newest first"
)
async def notifications(
    conn: DbConn, user: CurrentUser, cursor: str | None = None, limit: int = 50
) -> Page[NotificationOut]:
    return await service.notifications(conn, user, cursor=cursor, limit=clamp_limit(limit))
