"""Every approval query. Writers lock the request row first, so lock order is always request → group → task."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval.models import audit, groups, requests, tasks
from sealkit.pagination import decode_cursor
from sealkit.sql import AnyRow, AnySelect, Rows, for_update


async def insert(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(sa.insert(table), rows)


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
    """The request, locked, its version bumped: every writer of a request starts here (or in the
    PostgreSQL statements below, which do the same), so lock order is request → group → task."""
    stmt = sa.update(requests).where(requests.c.id == request_id).values(version=requests.c.version + 1)
    return (await conn.execute(stmt.returning(*requests.c))).first()


_BUMP_VERSION = (
    sa.update(requests)
    .where(requests.c.id == sa.bindparam("request_id", type_=sa.Uuid))
    .values(version=requests.c.version + 1)
)


_TASK_OUT = (
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
    .returning(*_TASK_OUT)
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
    """`decide_task` with the decision's values (a prebuilt statement): None when no longer pending."""
    params = {
        "task_id": task_id,
        "status": status,
        "decided_at": decided_at,
        "comment": comment,
        "channel": channel,
        "decided_by": decided_by,
    }
    return (await conn.execute(_DECIDE_PENDING_TASK, params)).first()


async def decide_task(conn: AsyncConnection, task_id: UUID, values: dict[str, Any]) -> AnyRow | None:
    stmt = (
        sa.update(tasks)
        .where(tasks.c.id == task_id, tasks.c.status == "pending")
        .values(**values)
        .returning(*_TASK_OUT)
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
    stmt = _after_cursor(stmt, requests.c.created_at, requests.c.id, cursor)
    return (
        await conn.execute(stmt.order_by(requests.c.created_at.desc(), requests.c.id.desc()).limit(limit + 1))
    ).all()


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
    stmt = _after_cursor(stmt, tasks.c.created_at, tasks.c.id, cursor)
    return (
        await conn.execute(stmt.order_by(tasks.c.created_at.desc(), tasks.c.id.desc()).limit(limit + 1))
    ).all()


def _after_cursor(stmt: AnySelect, at_col: Any, id_col: Any, cursor: str | None) -> AnySelect:
    if not cursor:
        return stmt
    at, row_id = decode_cursor(cursor)
    return stmt.where(sa.or_(at_col < at, sa.and_(at_col == at, id_col < row_id)))


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


# The decision's first step on PostgreSQL, one round trip instead of four: lock the request (bumping its
# version), record the
# decision on the task if it is still pending (and the caller may decide it), count it on the group,
# write the audit entry, and return what the rules and the error messages need. The request CTE takes
# its row lock before the task is touched (the task UPDATE reads from it), so the lock order stays
# request → task → group. Rows touched after waiting for the lock are re-checked by PostgreSQL, so the
# `status = 'pending'` conditions see what the previous holder committed.
DECIDE_ON_POSTGRES = """
WITH req AS (
    UPDATE approval_requests r SET version = r.version + 1
    WHERE r.id = (SELECT request_id FROM approval_tasks WHERE id = $1)
    RETURNING r.id, r.status, r.combine, r.group_count, r.approved_groups, r.rejected_groups,
              r.callback_url, r.title, r.applicant_id
), cur AS (
    SELECT id, request_id, group_id, approver_id, status FROM approval_tasks WHERE id = $1
), task AS (
    UPDATE approval_tasks t
    SET status = $2, decided_at = $3, comment = $4, channel = $5, decided_by = $6, next_remind_at = NULL
    FROM req
    WHERE t.id = $1 AND t.status = 'pending' AND req.status = 'pending'
      AND CASE WHEN $7 THEN ($8::text IS NULL OR t.approver_id = $8)
               ELSE t.approver_id = $6 AND ($8::text IS NULL OR $8 = $6) END
    RETURNING t.id, t.group_id, t.approver_id, t.status, t.decided_at, t.comment, t.channel,
              t.approver_email, t.email_approval, t.created_at, t.delegated_from
), grp AS (
    UPDATE approval_groups g
    SET approved_count = g.approved_count + $9, rejected_count = g.rejected_count + $10
    FROM task
    WHERE g.id = task.group_id AND g.status = 'pending'
    RETURNING g.mode, g.min_approvals, g.task_count, g.approved_count, g.rejected_count
), aud AS (
    INSERT INTO approval_audit (id, request_id, at, actor_id, action, channel, task_id, detail)
    SELECT $11, req.id, $3, $6, $12, $5, $1, $13::text::jsonb FROM task, req
)
SELECT cur.request_id, cur.group_id, cur.approver_id, cur.status AS task_status,
       req.status AS request_status, req.combine, req.group_count, req.approved_groups,
       req.rejected_groups, req.callback_url, req.title, req.applicant_id,
       task.id AS t_id, task.status AS t_status, task.decided_at AS t_decided_at,
       task.comment AS t_comment, task.channel AS t_channel, task.approver_email AS t_approver_email,
       task.email_approval AS t_email_approval, task.created_at AS t_created_at,
       task.delegated_from AS t_delegated_from,
       grp.mode AS g_mode, grp.min_approvals AS g_min_approvals, grp.task_count AS g_task_count,
       grp.approved_count AS g_approved_count, grp.rejected_count AS g_rejected_count
FROM cur JOIN req ON true LEFT JOIN task ON true LEFT JOIN grp ON true
"""

# What follows a decision that settled its group, on PostgreSQL in one statement: the group closes and
# its pending tasks are cancelled; the request's counters move; and when the request is settled too
# ($4 not null), its status is set and every other pending group and task is cancelled.
SETTLE_ON_POSTGRES = """
WITH r AS (
    UPDATE approval_requests
    SET approved_groups = $2, rejected_groups = $3, status = COALESCE($4, status), version = version + 1,
        decided_at = CASE WHEN $4 IS NULL THEN decided_at ELSE $5 END
    WHERE id = $1
), g AS (
    UPDATE approval_groups SET status = CASE WHEN id = $6 THEN $7 ELSE 'cancelled' END, decided_at = $5
    WHERE id = $6 OR ($4 IS NOT NULL AND request_id = $1 AND status = 'pending')
)
UPDATE approval_tasks SET status = 'cancelled', decided_at = $5
WHERE status = 'pending' AND (group_id = $6 OR ($4 IS NOT NULL AND request_id = $1))
"""


# A decision that does not settle its group, in ONE autocommit statement (Database.statement(): no BEGIN,
# no COMMIT). It reads the task, its group and its request from the statement's snapshot, then locks the
# request with `version = <version read>`: every writer bumps the version under that lock, so if anyone
# committed since the snapshot was taken the lock finds no row and nothing is written (the caller then
# takes the transactional path, as it does when this decision would settle the group, or is refused).
# `ok` holds only if the decision leaves the group pending: this is domain.group_outcome's "pending",
# written in SQL; tests/test_hot_path.py checks the two agree on every small tally.
STILL_PENDING_AFTER = """CASE s.mode
    WHEN 'all' THEN s.rejected_count + $10 = 0 AND s.approved_count + $9 < s.task_count
    WHEN 'any' THEN s.approved_count + $9 = 0 AND s.rejected_count + $10 < s.task_count
    ELSE s.approved_count + $9 < COALESCE(s.min_approvals, s.task_count)
         AND s.task_count - s.rejected_count - $10 >= COALESCE(s.min_approvals, s.task_count)
END"""
DECIDE_AT_ONCE = f"""
WITH s AS (
    SELECT t.request_id, t.group_id, t.approver_id, t.status AS task_status, r.version,
           r.status AS request_status, g.status AS group_status, g.mode, g.min_approvals, g.task_count,
           g.approved_count, g.rejected_count
    FROM approval_tasks t
    JOIN approval_requests r ON r.id = t.request_id
    JOIN approval_groups g ON g.id = t.group_id
    WHERE t.id = $1
), ok AS (
    SELECT s.* FROM s
    WHERE s.task_status = 'pending' AND s.request_status = 'pending' AND s.group_status = 'pending'
      AND CASE WHEN $7 THEN ($8::text IS NULL OR s.approver_id = $8)
               ELSE s.approver_id = $6 AND ($8::text IS NULL OR $8 = $6) END
      AND {STILL_PENDING_AFTER}
), req AS (
    UPDATE approval_requests r SET version = r.version + 1
    FROM ok WHERE r.id = ok.request_id AND r.version = ok.version AND r.status = 'pending'
    RETURNING r.id
), task AS (
    UPDATE approval_tasks t
    SET status = $2, decided_at = $3, comment = $4, channel = $5, decided_by = $6, next_remind_at = NULL
    FROM req
    WHERE t.id = $1 AND t.status = 'pending'
    RETURNING t.id, t.approver_id, t.status, t.decided_at, t.comment, t.channel, t.approver_email,
              t.email_approval, t.created_at, t.delegated_from, t.request_id, t.group_id
), grp AS (
    UPDATE approval_groups g
    SET approved_count = g.approved_count + $9, rejected_count = g.rejected_count + $10
    FROM task WHERE g.id = task.group_id
), aud AS (
    INSERT INTO approval_audit (id, request_id, at, actor_id, action, channel, task_id, detail)
    SELECT $11, task.request_id, $3, $6, $12, $5, $1, $13::text::jsonb FROM task
)
SELECT id, approver_id, status, decided_at, comment, channel, approver_email, email_approval, created_at,
       delegated_from
FROM task
"""  # noqa: S608 - STILL_PENDING_AFTER is a constant of this module, not input
