"""Reminders as rows: scheduled when an appointment is booked (or an application returned), sent by a
timer round that takes due rows with FOR UPDATE SKIP LOCKED, so any number of replicas run it and each
reminder goes out once. A reminder whose subject changed since (another slot, a resubmission) is
cancelled instead of sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.domain import appointments as rules
from sealflow_orders.models import applications, items, orders
from sealflow_orders.repository import slots as repo
from sealkit.contracts.orders import ORDER_REMINDER, AppointmentRef, OrderReminder
from sealkit.ids import new_id
from sealkit.outbox import Outbox
from sealkit.sql import AnyRow


def hours_for(item_reminders: list[dict[str, Any]] | None, when: str, key: str) -> list[float]:
    """The hours of an item's reminders of one kind, e.g. `{"when": "appointment", "before_hours": 24}`."""
    found = []
    for rule in item_reminders or []:
        if isinstance(rule, dict) and rule.get("when") == when and isinstance(rule.get(key), int | float):
            found.append(float(rule[key]))
    return found


async def reschedule_appointment(
    conn: AsyncConnection, *, order: AnyRow, slot: AnyRow, number: str, now: datetime, default_hours: float
) -> None:
    """Replace the order's pending appointment reminders with ones for this booking."""
    await repo.cancel_order_reminders(conn, order.id, "appointment")
    item_reminders = await conn.scalar(sa.select(items.c.reminders).where(items.c.id == order.item_id))
    before = hours_for(item_reminders, "appointment", "before_hours") or [default_hours]
    subject = {"slot_id": str(slot.id), "number": number}
    rows = []
    for hours in sorted(set(before)):
        due = rules.appointment_reminder_at(slot.start, hours, now)
        if due is not None:
            rows.append(_row("appointment", order.applicant_id, due, subject, now, order_id=order.id))
    await repo.insert_reminders(conn, rows)


async def schedule_returned(conn: AsyncConnection, *, application: AnyRow, returned_at: datetime) -> None:
    """For the core's return of an application: remind its applicant if it is still returned later."""
    item_reminders = await conn.scalar(sa.select(items.c.reminders).where(items.c.id == application.item_id))
    subject = {"version": application.version}
    rows = [
        _row(
            "returned",
            application.applicant_id,
            rules.returned_reminder_at(returned_at, hours),
            subject,
            returned_at,
            application_id=application.id,
        )
        for hours in sorted(set(hours_for(item_reminders, "returned", "after_hours")))
    ]
    await repo.insert_reminders(conn, rows)


def _row(
    kind: str, recipient: str, due: datetime, subject: dict[str, Any], now: datetime, **refs: Any
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "kind": kind,
        "order_id": refs.get("order_id"),
        "application_id": refs.get("application_id"),
        "subject": subject,
        "recipient_id": recipient,
        "due_at": due,
        "status": "pending",
        "sent_at": None,
        "created_at": now,
    }


async def _still_relevant(conn: AsyncConnection, row: AnyRow) -> OrderReminder | None:
    """The event to send, or None when the booking or the return it was about is gone."""
    if row.kind == "appointment":
        current = await repo.get_appointment(conn, row.order_id)
        if (
            current is None
            or current.number != row.subject["number"]
            or str(current.slot_id) != row.subject["slot_id"]
        ):
            return None
        item = (
            await conn.execute(
                sa.select(items.c.id, items.c.name)
                .select_from(items.join(orders, items.c.id == orders.c.item_id))
                .where(orders.c.id == row.order_id)
            )
        ).one()
        return OrderReminder(
            reminder_id=row.id,
            kind="appointment",
            recipient_id=row.recipient_id,
            order_id=row.order_id,
            application_id=None,
            item_id=item.id,
            item_name=item.name,
            text=f"Your appointment {current.number} for {item.name} starts at {current.start.isoformat()}",
            appointment=AppointmentRef(
                number=current.number, slot_id=current.slot_id, start=current.start, end=current.end
            ),
        )
    app = (
        await conn.execute(
            sa.select(applications.c.status, applications.c.version, applications.c.item_id, items.c.name)
            .join(items, items.c.id == applications.c.item_id)
            .where(applications.c.id == row.application_id)
        )
    ).first()
    if app is None or app.status != "returned" or app.version != row.subject["version"]:
        return None
    return OrderReminder(
        reminder_id=row.id,
        kind="returned",
        recipient_id=row.recipient_id,
        order_id=None,
        application_id=row.application_id,
        item_id=app.item_id,
        item_name=app.name,
        text=f"Your application for {app.name} was returned and is waiting for your changes",
    )


async def send_due(conn: AsyncConnection, outbox: Outbox, *, now: datetime, limit: int) -> int:
    """One timer round: every due reminder becomes an event and a notification, or is cancelled."""
    rows = await repo.due_reminders(conn, now, limit)
    for row in rows:
        event = await _still_relevant(conn, row)
        if event is None:
            await repo.finish_reminder(conn, row.id, "cancelled", now)
            continue
        await outbox.emit(conn, ORDER_REMINDER, event)
        await repo.insert_notification(
            conn,
            {
                "id": new_id(),
                "recipient_id": row.recipient_id,
                "kind": f"reminder.{row.kind}",
                "text": event.text,
                "data": event.model_dump(mode="json"),
                "created_at": now,
            },
        )
        await repo.finish_reminder(conn, row.id, "sent", now)
    return len(rows)
