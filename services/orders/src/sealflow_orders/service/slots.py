"""Appointments (预约号): slots with remaining places, booking that is never overbooked, replace and free.

A booking locks the order's row (one booking at a time per order), then the slots it touches in id
order; the place is taken only while `booked < capacity`, and the table's CHECK refuses anything else,
so however many book at once a slot never holds more than its capacity.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.domain import appointments as rules
from sealflow_orders.repository import catalog as catalog_repo
from sealflow_orders.repository import slots as repo
from sealflow_orders.schemas.slots import AppointmentOut, BookingIn, NotificationOut, SlotIn, SlotOut
from sealflow_orders.service import reminders
from sealflow_orders.service.order_refs import ensure_applicant, ensure_open, visible_order
from sealkit.auth import Principal
from sealkit.ids import new_id
from sealkit.pagination import Page, decode_cursor, encode_cursor
from sealkit.problems import Conflict, NotFound, Unprocessable
from sealkit.sql import AnyRow
from sealkit.types import utcnow


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def slot_out(row: AnyRow) -> SlotOut:
    return SlotOut(
        id=row.id,
        item_id=row.item_id,
        start=row.start,
        end=row.end,
        capacity=row.capacity,
        remaining=rules.remaining(row.capacity, row.booked),
    )


async def create_slot(conn: AsyncConnection, item_id: UUID, body: SlotIn) -> SlotOut:
    if await catalog_repo.get_item(conn, item_id) is None:
        raise NotFound("item not found")
    problems = rules.slot_problems(body.start, body.end, body.capacity)
    if problems:
        errors = [{"loc": ["body", field], "msg": msg} for field, msg in problems]
        raise Unprocessable(problems[0][1], slug="invalid-slot", extra={"errors": errors})
    row = await repo.insert_slot(
        conn,
        {
            "id": new_id(),
            "item_id": item_id,
            "start": body.start,
            "end": body.end,
            "capacity": body.capacity,
            "booked": 0,
            "created_at": utcnow(),
        },
    )
    return slot_out(row)


async def list_slots(
    conn: AsyncConnection,
    item_id: UUID,
    *,
    start_from: datetime | None,
    start_to: datetime | None,
    cursor: str | None,
    limit: int,
) -> Page[SlotOut]:
    if await catalog_repo.get_item(conn, item_id) is None:
        raise NotFound("item not found")
    rows = await repo.list_slots(
        conn,
        item_id,
        start_from=start_from,
        start_to=start_to,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    page = [slot_out(r) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items=page, next_cursor=encode_cursor(page[-1].start, page[-1].id) if more else None)


def _appointment_out(order_id: UUID, row: Any) -> AppointmentOut:
    return AppointmentOut(
        number=row.number, slot_id=row.slot_id, start=row.start, end=row.end, order_id=order_id, day=row.day
    )


async def book(
    conn: AsyncConnection,
    user: Principal,
    order_id: UUID,
    body: BookingIn,
    *,
    zone_name: str,
    default_hours: float,
) -> AppointmentOut:
    """Book a place in a slot for the order; an earlier appointment of the order is replaced."""
    order = await visible_order(conn, user, order_id, lock=True)
    ensure_applicant(user, order, "books its appointment")
    ensure_open(order, "it takes no appointment")
    current = await repo.get_appointment(conn, order.id)
    if current is not None and current.slot_id == body.slot_id:
        return _appointment_out(order.id, current)  # booked already: the same place, not a second one
    locked = await repo.lock_slots(conn, [body.slot_id, *([current.slot_id] if current is not None else [])])
    slot = locked.get(body.slot_id)
    if slot is None or slot.item_id != order.item_id:
        raise Unprocessable("slot_id: there is no such slot for this order's item", slug="unknown-slot")
    now = utcnow()
    if slot.start <= now:
        raise Conflict("the slot has already begun", slug="slot-begun")
    if rules.remaining(slot.capacity, slot.booked) == 0:
        raise Conflict("the slot is full", slug="slot-full")
    await repo.change_booked(conn, slot.id, +1)
    if current is not None:
        await repo.change_booked(conn, current.slot_id, -1)
    day = rules.slot_day(slot.start, zone(zone_name)).isoformat()
    if current is not None and current.day == day:
        number = current.number  # the same day: the number the applicant already has stays theirs
    else:
        number = rules.format_number(await repo.take_number(conn, day))
    values = {
        "order_id": order.id,
        "slot_id": slot.id,
        "day": day,
        "number": number,
        "booked_by": user.sub,
        "created_at": now,
    }
    await repo.save_appointment(conn, values, exists=current is not None)
    await reminders.reschedule_appointment(
        conn, order=order, slot=slot, number=number, now=now, default_hours=default_hours
    )
    return AppointmentOut(
        number=number, slot_id=slot.id, start=slot.start, end=slot.end, order_id=order.id, day=day
    )


async def get_appointment(conn: AsyncConnection, user: Principal, order_id: UUID) -> AppointmentOut:
    order = await visible_order(conn, user, order_id, lock=False)
    current = await repo.get_appointment(conn, order.id)
    if current is None:
        raise NotFound("the order has no appointment", slug="no-appointment")
    return _appointment_out(order.id, current)


async def free(conn: AsyncConnection, user: Principal, order_id: UUID) -> None:
    """Give the place back; the reminder is cancelled with it."""
    order = await visible_order(conn, user, order_id, lock=True)
    ensure_applicant(user, order, "frees its appointment")
    current = await repo.get_appointment(conn, order.id)
    if current is None:
        raise NotFound("the order has no appointment", slug="no-appointment")
    await repo.lock_slots(conn, [current.slot_id])
    await repo.change_booked(conn, current.slot_id, -1)
    await repo.delete_appointment(conn, order.id)
    await repo.cancel_order_reminders(conn, order.id, "appointment")


async def notifications(
    conn: AsyncConnection, user: Principal, *, cursor: str | None, limit: int
) -> Page[NotificationOut]:
    rows = await repo.list_notifications(
        conn, user.sub, after=decode_cursor(cursor) if cursor else None, limit=limit + 1
    )
    page = [NotificationOut.model_validate(r, from_attributes=True) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items=page, next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if more else None)
