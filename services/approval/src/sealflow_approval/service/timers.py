"""The timers: deadlines that decide a request, reminders to approvers who have not decided yet."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval import repository as repo
from sealflow_approval.service.common import SYSTEM_ACTOR, finish
from sealkit.contracts.approval import TASK_REMINDER, TaskReminder
from sealkit.outbox import Outbox


async def apply_deadlines(conn: AsyncConnection, outbox: Outbox, *, now: datetime, limit: int) -> int:
    """Decide requests whose deadline passed, as their `on_deadline` says; replicas skip each other's rows."""
    due = await repo.due_deadlines(conn, now, limit)
    for request in due:
        status: Literal["approved", "rejected"] = (
            "approved" if request.on_deadline == "approve" else "rejected"
        )
        await finish(conn, outbox, request, status, now=now, actor=SYSTEM_ACTOR, action="deadline")
    return len(due)


async def send_reminders(conn: AsyncConnection, outbox: Outbox, *, now: datetime, limit: int) -> int:
    """Remind approvers whose task waited another interval; replicas skip each other's rows."""
    due = await repo.due_reminders(conn, now, limit)
    events: list[tuple[str, TaskReminder]] = []
    for t in due:
        sent = t.reminders_sent + 1
        interval = t.remind_every_minutes
        await repo.reschedule_reminder(
            conn, t.id, now + timedelta(minutes=interval) if interval else None, sent
        )
        events.append(
            (
                TASK_REMINDER,
                TaskReminder(
                    task_id=t.id,
                    request_id=t.request_id,
                    title=t.title,
                    approver_id=t.approver_id,
                    approver_email=t.approver_email,
                    email_approval=t.email_approval,
                    pending_since=t.created_at,
                    reminder_number=sent,
                ),
            )
        )
    await outbox.emit_many(conn, events)
    return len(due)
