"""The approval reads: requests, their groups and tasks, the inbox, the timeline, and the due timers."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval.models import audit, groups, requests, tasks
from sealkit.pagination import newest_first
from sealkit.sql import AnyRow, AnySelect, Rows, for_update


async def get_request(conn: AsyncConnection, request_id: UUID) -> AnyRow | None:
    return (await conn.execute(sa.select(requests).where(requests.c.id == request_id))).first()


async def groups_and_tasks(conn: AsyncConnection, request_id: UUID) -> tuple[Rows, Rows]:
    group_rows = (
        await conn.execute(
            sa.select(groups).where(groups.c.request_id == request_id).order_by(groups.c.position)
        )
    ).all()
    task_rows = (
        await conn.execute(
            sa.select(tasks).where(tasks.c.request_id == request_id).order_by(tasks.c.created_at, tasks.c.id)
        )
    ).all()
    return group_rows, task_rows


async def get_group(conn: AsyncConnection, group_id: UUID) -> AnyRow | None:
    return (await conn.execute(sa.select(groups).where(groups.c.id == group_id))).first()


async def is_approver_of(conn: AsyncConnection, request_id: UUID, user_id: str) -> bool:
    found = await conn.execute(
        sa.select(tasks.c.id).where(tasks.c.request_id == request_id, tasks.c.approver_id == user_id).limit(1)
    )
    return found.first() is not None


async def approves_in_group(conn: AsyncConnection, group_id: UUID, user_id: str) -> bool:
    """Whether `user_id` holds a live (not cancelled) task in the group."""
    found = await conn.execute(
        sa.select(tasks.c.id)
        .where(tasks.c.group_id == group_id, tasks.c.approver_id == user_id, tasks.c.status != "cancelled")
        .limit(1)
    )
    return found.first() is not None


async def list_requests(
    conn: AsyncConnection, *, applicant_id: str | None, status: str | None, cursor: str | None, limit: int
) -> Rows:
    stmt: AnySelect = sa.select(
        requests.c.id,
        requests.c.title,
        requests.c.applicant_id,
        requests.c.status,
        requests.c.combine,
        requests.c.created_at,
        requests.c.decided_at,
        requests.c.deadline_at,
    )
    if applicant_id is not None:
        stmt = stmt.where(requests.c.applicant_id == applicant_id)
    if status:
        stmt = stmt.where(requests.c.status == status)
    stmt = newest_first(stmt, requests.c.created_at, requests.c.id, cursor=cursor, limit=limit)
    return (await conn.execute(stmt)).all()


async def inbox(
    conn: AsyncConnection,
    *,
    approver_id: str,
    status: str | None,
    request_id: UUID | None,
    q: str | None,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> Rows:
    stmt = (
        sa.select(
            tasks,
            groups.c.name.label("group_name"),
            groups.c.stage,
            groups.c.stage_name,
            requests.c.title,
            requests.c.applicant_id,
            requests.c.status.label("request_status"),
            requests.c.deadline_at,
        )
        .join(groups, groups.c.id == tasks.c.group_id)
        .join(requests, requests.c.id == tasks.c.request_id)
        .where(tasks.c.approver_id == approver_id)
    )
    if status:
        stmt = stmt.where(tasks.c.status == status)
    if request_id:
        stmt = stmt.where(tasks.c.request_id == request_id)
    if q:
        stmt = stmt.where(requests.c.title.icontains(q, autoescape=True))  # '%' and '_' are literal
    if since:
        stmt = stmt.where(tasks.c.created_at >= since)
    if until:
        stmt = stmt.where(tasks.c.created_at < until)
    stmt = newest_first(stmt, tasks.c.created_at, tasks.c.id, cursor=cursor, limit=limit)
    return (await conn.execute(stmt)).all()


async def timeline(conn: AsyncConnection, request_id: UUID) -> Rows:
    return (
        await conn.execute(
            sa.select(audit).where(audit.c.request_id == request_id).order_by(audit.c.at, audit.c.id)
        )
    ).all()


async def due_deadlines(conn: AsyncConnection, now: datetime, limit: int) -> Rows:
    stmt = (
        sa.select(requests)
        .where(requests.c.status == "pending", requests.c.deadline_at <= now)
        .order_by(requests.c.deadline_at)
        .limit(limit)
    )
    return (await conn.execute(for_update(stmt, skip_locked=True))).all()


async def due_reminders(conn: AsyncConnection, now: datetime, limit: int) -> Rows:
    stmt = (
        sa.select(
            tasks.c.id,
            tasks.c.request_id,
            tasks.c.approver_id,
            tasks.c.approver_email,
            tasks.c.email_approval,
            tasks.c.created_at,
            tasks.c.reminders_sent,
            requests.c.title,
            requests.c.remind_every_minutes,
        )
        .join(requests, requests.c.id == tasks.c.request_id)
        .where(tasks.c.status == "pending", tasks.c.next_remind_at <= now)
        .order_by(tasks.c.next_remind_at)
        .limit(limit)
    )
    return (await conn.execute(for_update(stmt, skip_locked=True, of=tasks))).all()
