"""The request's writers: every one locks the request row first and bumps its version, so lock order is
always request → group → task and a single-statement decision can tell that what it read went stale."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval.models import groups, requests, tasks
from sealkit.sql import AnyRow, for_update

# The decision's statements are built once: building a Core statement costs ≈ 70-110 µs of CPU per call,
# as much as executing it (bench/README.md); bound parameters keep the SQL and its plan-cache key identical.
_LOCK_REQUEST_OF_TASK = for_update(
    sa.select(
        tasks.c.id,
        tasks.c.request_id,
        tasks.c.group_id,
        tasks.c.approver_id,
        tasks.c.approver_email,
        tasks.c.email_approval,
        tasks.c.status.label("task_status"),
        requests.c.status.label("request_status"),
        requests.c.applicant_id,
        requests.c.combine,
        requests.c.group_count,
        requests.c.approved_groups,
        requests.c.rejected_groups,
        requests.c.callback_url,
        requests.c.title,
        requests.c.form,
        requests.c.remind_every_minutes,
        requests.c.deadline_at,
        requests.c.definition_key,
        requests.c.stages,
        requests.c.current_stage,
        requests.c.cc,
    )
    .join(requests, requests.c.id == tasks.c.request_id)
    .where(tasks.c.id == sa.bindparam("task_id", type_=sa.Uuid)),
    of=requests,
)


async def lock_request_of_task(conn: AsyncConnection, task_id: UUID) -> AnyRow | None:
    """The task with its request, the request row locked (and its version bumped, see models)."""
    row = (await conn.execute(_LOCK_REQUEST_OF_TASK, {"task_id": task_id})).first()
    if row is not None:
        await conn.execute(_BUMP_VERSION, {"request_id": row.request_id})
    return row


async def lock_request(conn: AsyncConnection, request_id: UUID) -> AnyRow | None:
    """The request, locked, its version bumped: every writer of a request starts here, or at
    lock_request_of_task (the one-statement decision in repository.decision does the same in SQL), so
    lock order is request → group → task."""
    stmt = sa.update(requests).where(requests.c.id == request_id).values(version=requests.c.version + 1)
    return (await conn.execute(stmt.returning(*requests.c))).first()


_BUMP_VERSION = (
    sa.update(requests)
    .where(requests.c.id == sa.bindparam("request_id", type_=sa.Uuid))
    .values(version=requests.c.version + 1)
)


TASK_OUT = (
    tasks.c.id,
    tasks.c.approver_id,
    tasks.c.status,
    tasks.c.decided_at,
    tasks.c.comment,
    tasks.c.channel,
    tasks.c.approver_email,
    tasks.c.email_approval,
    tasks.c.created_at,
    tasks.c.delegated_from,
)
_DECIDE_PENDING_TASK = (
    sa.update(tasks)
    .where(tasks.c.id == sa.bindparam("task_id", type_=sa.Uuid), tasks.c.status == "pending")
    .values(
        status=sa.bindparam("status", type_=tasks.c.status.type),
        decided_at=sa.bindparam("decided_at", type_=tasks.c.decided_at.type),
        comment=sa.bindparam("comment", type_=tasks.c.comment.type),
        channel=sa.bindparam("channel", type_=tasks.c.channel.type),
        decided_by=sa.bindparam("decided_by", type_=tasks.c.decided_by.type),
        next_remind_at=None,
    )
    .returning(*TASK_OUT)
)


async def record_decision(
    conn: AsyncConnection,
    task_id: UUID,
    *,
    status: str,
    decided_at: datetime,
    comment: str | None,
    channel: str | None,
    decided_by: str,
) -> AnyRow | None:
    """Record a decision on a pending task (a prebuilt statement): None when it is no longer pending."""
    params = {
        "task_id": task_id,
        "status": status,
        "decided_at": decided_at,
        "comment": comment,
        "channel": channel,
        "decided_by": decided_by,
    }
    return (await conn.execute(_DECIDE_PENDING_TASK, params)).first()


async def cancel_task(
    conn: AsyncConnection, task_id: UUID, *, at: datetime, by: str, comment: str | None
) -> AnyRow | None:
    """Cancel a pending task (a delegation hands it on); None when it is no longer pending."""
    stmt = (
        sa.update(tasks)
        .where(tasks.c.id == task_id, tasks.c.status == "pending")
        .values(status="cancelled", decided_at=at, decided_by=by, comment=comment, next_remind_at=None)
        .returning(*TASK_OUT)
    )
    return (await conn.execute(stmt)).first()


_COUNT_ON_GROUP = (
    sa.update(groups)
    .where(groups.c.id == sa.bindparam("group_id", type_=sa.Uuid), groups.c.status == "pending")
    .values(
        approved_count=groups.c.approved_count + sa.bindparam("approved", type_=sa.Integer),
        rejected_count=groups.c.rejected_count + sa.bindparam("rejected", type_=sa.Integer),
    )
    .returning(
        groups.c.mode,
        groups.c.min_approvals,
        groups.c.task_count,
        groups.c.approved_count,
        groups.c.rejected_count,
    )
)


async def count_on_group(
    conn: AsyncConnection, group_id: UUID, approved: int, rejected: int
) -> AnyRow | None:
    params = {"group_id": group_id, "approved": approved, "rejected": rejected}
    return (await conn.execute(_COUNT_ON_GROUP, params)).first()


async def close_group(conn: AsyncConnection, group_id: UUID, status: str, now: datetime) -> None:
    await conn.execute(sa.update(groups).where(groups.c.id == group_id).values(status=status, decided_at=now))
    await conn.execute(
        sa.update(tasks)
        .where(tasks.c.group_id == group_id, tasks.c.status == "pending")
        .values(status="cancelled", decided_at=now)
    )


async def update_request(conn: AsyncConnection, request_id: UUID, **values: Any) -> None:
    stmt = sa.update(requests).where(requests.c.id == request_id)
    await conn.execute(stmt.values(**values, version=requests.c.version + 1))


async def cancel_everything_pending(conn: AsyncConnection, request_id: UUID, now: datetime) -> None:
    await conn.execute(
        sa.update(groups)
        .where(groups.c.request_id == request_id, groups.c.status == "pending")
        .values(status="cancelled", decided_at=now)
    )
    await conn.execute(
        sa.update(tasks)
        .where(tasks.c.request_id == request_id, tasks.c.status == "pending")
        .values(status="cancelled", decided_at=now)
    )


async def reschedule_reminder(
    conn: AsyncConnection, task_id: UUID, next_at: datetime | None, sent: int
) -> None:
    await conn.execute(
        sa.update(tasks).where(tasks.c.id == task_id).values(next_remind_at=next_at, reminders_sent=sent)
    )


async def grow_group(conn: AsyncConnection, group_id: UUID) -> None:
    await conn.execute(
        sa.update(groups).where(groups.c.id == group_id).values(task_count=groups.c.task_count + 1)
    )
