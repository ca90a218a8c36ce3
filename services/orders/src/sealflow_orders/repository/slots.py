"""Slot, appointment, day-counter, reminder and notification queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.models import appointment_days, appointments, notifications, reminders, slots
from sealkit.sql import AnyRow, Rows, for_update


async def insert_slot(conn: AsyncConnection, values: dict[str, Any]) -> AnyRow:
    return (await conn.execute(sa.insert(slots).values(**values).returning(*slots.c))).one()


async def list_slots(
    conn: AsyncConnection,
    item_id: UUID,
    *,
    start_from: datetime | None,
    start_to: datetime | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Rows:
    stmt = sa.select(slots).where(slots.c.item_id == item_id)
    if start_from is not None:
        stmt = stmt.where(slots.c.start >= start_from)
    if start_to is not None:
        stmt = stmt.where(slots.c.start < start_to)
    if after is not None:
        stmt = stmt.where(sa.tuple_(slots.c.start, slots.c.id) > sa.tuple_(*after))
    return (await conn.execute(stmt.order_by(slots.c.start, slots.c.id).limit(limit))).all()


async def lock_slots(conn: AsyncConnection, slot_ids: Sequence[UUID]) -> dict[UUID, AnyRow]:
    """Lock the slots a booking touches, always in id order, so two replacements crossing the same two
    slots in opposite directions wait for each other instead of deadlocking."""
    stmt = for_update(sa.select(slots).where(slots.c.id.in_(sorted(set(slot_ids)))).order_by(slots.c.id))
    return {row.id: row for row in (await conn.execute(stmt)).all()}


async def change_booked(conn: AsyncConnection, slot_id: UUID, delta: int) -> None:
    # the table's CHECK (0 <= booked <= capacity) refuses an overbooking even if a caller got this wrong
    await conn.execute(sa.update(slots).where(slots.c.id == slot_id).values(booked=slots.c.booked + delta))


async def take_number(conn: AsyncConnection, day: str) -> int:
    """The day's next sequence, in one upsert (the row lock holds other bookings of that day until commit)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(appointment_days)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": appointment_days.c.last + 1})
        .returning(appointment_days.c.last)
    )
    return int((await conn.execute(stmt)).scalar_one())


async def get_appointment(conn: AsyncConnection, order_id: UUID) -> AnyRow | None:
    stmt = (
        sa.select(appointments, slots.c.start, slots.c.end)
        .join(slots, slots.c.id == appointments.c.slot_id)
        .where(appointments.c.order_id == order_id)
    )
    return (await conn.execute(stmt)).first()


async def save_appointment(conn: AsyncConnection, values: dict[str, Any], *, exists: bool) -> None:
    if exists:
        changed = {k: values[k] for k in ("slot_id", "day", "number", "created_at")}
        await conn.execute(
            sa.update(appointments).where(appointments.c.order_id == values["order_id"]).values(**changed)
        )
    else:
        await conn.execute(sa.insert(appointments).values(**values))


async def delete_appointment(conn: AsyncConnection, order_id: UUID) -> None:
    await conn.execute(sa.delete(appointments).where(appointments.c.order_id == order_id))


async def insert_reminders(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(sa.insert(reminders), list(rows))


async def cancel_order_reminders(conn: AsyncConnection, order_id: UUID, kind: str) -> None:
    await conn.execute(
        sa.update(reminders)
        .where(reminders.c.order_id == order_id, reminders.c.kind == kind, reminders.c.status == "pending")
        .values(status="cancelled")
    )


async def due_reminders(conn: AsyncConnection, now: datetime, limit: int) -> Rows:
    """Pending reminders whose time has come, locked; another replica's round skips these rows."""
    stmt = for_update(
        sa.select(reminders)
        .where(reminders.c.status == "pending", reminders.c.due_at <= now)
        .order_by(reminders.c.due_at)
        .limit(limit),
        skip_locked=True,
    )
    return (await conn.execute(stmt)).all()


async def finish_reminder(conn: AsyncConnection, reminder_id: UUID, status: str, at: datetime) -> None:
    await conn.execute(
        sa.update(reminders)
        .where(reminders.c.id == reminder_id)
        .values(status=status, sent_at=at if status == "sent" else None)
    )


async def insert_notification(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(sa.insert(notifications).values(**values))


async def list_notifications(
    conn: AsyncConnection, recipient_id: str, *, after: tuple[datetime, UUID] | None, limit: int
) -> Rows:
    stmt = sa.select(notifications).where(notifications.c.recipient_id == recipient_id)
    if after is not None:
        stmt = stmt.where(sa.tuple_(notifications.c.created_at, notifications.c.id) < sa.tuple_(*after))
    stmt = stmt.order_by(notifications.c.created_at.desc(), notifications.c.id.desc()).limit(limit)
    return (await conn.execute(stmt)).all()
