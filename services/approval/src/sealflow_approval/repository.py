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


# The outcome rules of domain.group_outcome and domain.request_outcome, restated in SQL for the
# one-statement decision below; tests/test_hot_path.py checks them against the domain on every small tally.
# GROUP_OUTCOME_AFTER reads a group's columns and the decision ($9 approvals and $10 rejections it adds).
GROUP_OUTCOME_AFTER = """CASE mode
    WHEN 'all' THEN CASE WHEN rejected_count + $10 > 0 THEN 'rejected'
                         WHEN approved_count + $9 = task_count THEN 'approved' ELSE 'pending' END
    WHEN 'any' THEN CASE WHEN approved_count + $9 > 0 THEN 'approved'
                         WHEN rejected_count + $10 = task_count THEN 'rejected' ELSE 'pending' END
    ELSE CASE WHEN approved_count + $9 >= COALESCE(min_approvals, task_count) THEN 'approved'
              WHEN task_count - rejected_count - $10 < COALESCE(min_approvals, task_count) THEN 'rejected'
              ELSE 'pending' END
END"""
# REQUEST_OUTCOME_AFTER reads the request's combine and group_count and its group counts after the decision.
REQUEST_OUTCOME_AFTER = """CASE combine
    WHEN 'all' THEN CASE WHEN rejected_after > 0 THEN 'rejected'
                         WHEN approved_after = group_count THEN 'approved' ELSE 'pending' END
    ELSE CASE WHEN approved_after > 0 THEN 'approved'
              WHEN rejected_after = group_count THEN 'rejected' ELSE 'pending' END
END"""

# A decision in ONE autocommit statement (Database.statement(): no BEGIN, no COMMIT), settling its group and
# its request when it does. It reads the task, its group and its request from the statement's snapshot,
# then locks the request with `version = <version read>`: every writer bumps the version under that lock,
# so if anyone committed since the snapshot was taken the lock finds no row and nothing is written (the
# caller then takes the transactional path, which also explains refusals). Every write below hangs off
# `req`, the locked request, so it happens only then. When the group settles, its other pending tasks are
# cancelled; when the request settles too, its other pending groups and tasks are, a `decided` audit entry
# is written and the `approval.request.decided` event goes to the outbox, one row per destination ($18
# the subscribers, then the request's callback URL unless it is one of them; $19 their row ids). An f-string:
# its literal braces are doubled.
DECIDE_AT_ONCE = f"""
WITH s AS (
    SELECT t.request_id, t.group_id, t.approver_id, t.status AS task_status,
           r.version, r.status AS request_status, r.combine, r.group_count, r.approved_groups,
           r.rejected_groups, r.title, r.applicant_id, r.callback_url,
           g.status AS group_status, g.mode, g.min_approvals, g.task_count, g.approved_count, g.rejected_count
    FROM approval_tasks t
    JOIN approval_requests r ON r.id = t.request_id
    JOIN approval_groups g ON g.id = t.group_id
    WHERE t.id = $1
), ok AS (
    SELECT s.*, {GROUP_OUTCOME_AFTER} AS group_after
    FROM s
    WHERE task_status = 'pending' AND request_status = 'pending' AND group_status = 'pending'
      AND CASE WHEN $7 THEN ($8::text IS NULL OR approver_id = $8)
               ELSE approver_id = $6 AND ($8::text IS NULL OR $8 = $6) END
), counted AS (
    SELECT ok.*, approved_groups + (group_after = 'approved')::int AS approved_after,
           rejected_groups + (group_after = 'rejected')::int AS rejected_after
    FROM ok
), fin AS (
    SELECT counted.*,
           CASE WHEN group_after = 'pending' THEN 'pending' ELSE {REQUEST_OUTCOME_AFTER} END AS request_after
    FROM counted
), req AS (
    UPDATE approval_requests r
    SET version = r.version + 1, approved_groups = fin.approved_after, rejected_groups = fin.rejected_after,
        status = fin.request_after,
        decided_at = CASE WHEN fin.request_after = 'pending' THEN r.decided_at ELSE $3 END
    FROM fin WHERE r.id = fin.request_id AND r.version = fin.version AND r.status = 'pending'
    RETURNING r.id
), task AS (
    UPDATE approval_tasks t
    SET status = $2, decided_at = $3, comment = $4, channel = $5, decided_by = $6, next_remind_at = NULL
    FROM req
    WHERE t.id = $1 AND t.status = 'pending'
    RETURNING t.id, t.approver_id, t.status, t.decided_at, t.comment, t.channel, t.approver_email,
              t.email_approval, t.created_at, t.delegated_from
), others AS (
    UPDATE approval_tasks t SET status = 'cancelled', decided_at = $3
    FROM req, fin
    WHERE fin.group_after <> 'pending' AND t.id <> $1 AND t.status = 'pending'
      AND (t.group_id = fin.group_id OR (fin.request_after <> 'pending' AND t.request_id = fin.request_id))
), grp AS (
    UPDATE approval_groups g
    SET approved_count = g.approved_count + CASE WHEN g.id = fin.group_id THEN $9 ELSE 0 END,
        rejected_count = g.rejected_count + CASE WHEN g.id = fin.group_id THEN $10 ELSE 0 END,
        status = CASE WHEN g.id = fin.group_id THEN fin.group_after ELSE 'cancelled' END,
        decided_at = CASE WHEN g.id = fin.group_id AND fin.group_after = 'pending' THEN g.decided_at ELSE $3 END
    FROM req, fin
    WHERE g.id = fin.group_id
       OR (fin.request_after <> 'pending' AND g.request_id = fin.request_id AND g.status = 'pending')
), aud AS (
    INSERT INTO approval_audit (id, request_id, at, actor_id, action, channel, task_id, detail)
    SELECT $11::uuid, fin.request_id, $3, $6, $12::text, $5, $1::uuid, $13::text::jsonb FROM req, fin
    UNION ALL
    SELECT $14::uuid, fin.request_id, $3, $6, 'decided', NULL, NULL::uuid,
           json_build_object('status', fin.request_after)::jsonb
    FROM req, fin WHERE fin.request_after <> 'pending'
), evt AS (
    INSERT INTO outbox (id, event_id, event_type, destination, body, status, attempts, next_attempt_at, created_at)
    SELECT d.id, $15::uuid, 'approval.request.decided', d.url,
           -- the body our JSON writer makes (compact, keys in the contract's order); $16 is its opening,
           -- up to the request id, and $17 the event's decided_at
           $16::text || fin.request_id || '","title":' || to_json(fin.title)::text
               || ',"applicant_id":' || to_json(fin.applicant_id)::text
               || ',"status":"' || fin.request_after || '","decided_at":"' || $17::text || '"}}}}',
           'pending', 0, $3, $3
    FROM req, fin,
         unnest(array_append($18::text[],
                             CASE WHEN fin.callback_url = ANY($18::text[]) THEN NULL ELSE fin.callback_url END),
                $19::uuid[]) AS d(url, id)
    WHERE fin.request_after <> 'pending' AND d.url IS NOT NULL
)
SELECT task.id, task.approver_id, task.status, task.decided_at, task.comment, task.channel,
       task.approver_email, task.email_approval, task.created_at, task.delegated_from,
       fin.group_after, fin.request_after
FROM task, fin
"""  # noqa: S608 - the outcome rules are constants of this module, not input
