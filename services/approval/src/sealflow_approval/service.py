"""Approval use cases. They run inside the caller's transaction and never commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval import repository as repo
from sealflow_approval.domain import RequestStatus, Tally, decision_status, group_outcome, request_outcome
from sealflow_approval.models import audit, groups, requests, tasks
from sealflow_approval.schemas import (
    AddApprover,
    ApproverIn,
    Delegation,
    GroupOut,
    RequestCreate,
    RequestOut,
    TaskOut,
    TimelineEntry,
)
from sealkit.auth import Principal
from sealkit.contracts.approval import (
    REQUEST_DECIDED,
    TASK_CREATED,
    TASK_REMINDER,
    DecisionSubmission,
    RequestDecided,
    TaskCreated,
    TaskReminder,
)
from sealkit.ids import new_id
from sealkit.jsonutil import dumps
from sealkit.outbox import Outbox
from sealkit.problems import Conflict, Forbidden, NotFound, Unprocessable
from sealkit.sql import AnyRow, insert_rows
from sealkit.tables import outbox as outbox_table
from sealkit.types import utcnow

OVERSEERS = ("admin", "monitor")
SYSTEM_ACTOR = "system"


def _audit(
    request_id: UUID,
    actor: str,
    action: str,
    *,
    at: datetime,
    channel: str | None = None,
    task_id: UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "request_id": request_id,
        "at": at,
        "actor_id": actor,
        "action": action,
        "channel": channel,
        "task_id": task_id,
        "detail": detail,
    }


def _task_row(
    request_id: UUID,
    group_id: UUID,
    approver: ApproverIn,
    now: datetime,
    remind_minutes: int | None,
    delegated_from: UUID | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "request_id": request_id,
        "group_id": group_id,
        "approver_id": approver.id,
        "approver_email": approver.email,
        "email_approval": approver.email_approval,
        "status": "pending",
        "created_at": now,
        "decided_at": None,
        "decided_by": None,
        "comment": None,
        "channel": None,
        "delegated_from": delegated_from,
        "reminders_sent": 0,
        "next_remind_at": now + timedelta(minutes=remind_minutes) if remind_minutes else None,
    }


def _task_created(
    task: dict[str, Any], group: dict[str, Any] | AnyRow, request: dict[str, Any] | AnyRow
) -> TaskCreated:
    g = group if isinstance(group, dict) else group._mapping
    r = request if isinstance(request, dict) else request._mapping
    return TaskCreated(
        task_id=task["id"],
        request_id=r["id"],
        group_id=g["id"],
        group_name=g["name"],
        title=r["title"],
        form=r["form"],
        applicant_id=r["applicant_id"],
        approver_id=task["approver_id"],
        approver_email=task["approver_email"],
        email_approval=task["email_approval"],
        deadline_at=r["deadline_at"],
    )


async def create_request(
    conn: AsyncConnection | Any,
    outbox: Outbox,
    *,
    user: Principal,
    body: RequestCreate,
    default_remind_minutes: int,
) -> RequestOut:
    now = utcnow()
    if body.deadline_at is not None and body.deadline_at <= now:
        # a payload error like the schema's own: API.md promises every 422 its `errors` list
        raise Unprocessable(
            "deadline_at must be in the future",
            slug="validation",
            extra={"errors": [{"loc": ["body", "deadline_at"], "msg": "deadline_at must be in the future"}]},
        )
    remind = body.remind_every_minutes or default_remind_minutes or None
    request_row: dict[str, Any] = {
        "id": new_id(),
        "title": body.title,
        "form": body.form,
        "applicant_id": user.sub,
        "status": "pending",
        "combine": body.combine,
        "callback_url": str(body.callback_url) if body.callback_url else None,
        "deadline_at": body.deadline_at,
        "on_deadline": body.on_deadline or ("reject" if body.deadline_at else None),
        "remind_every_minutes": remind,
        "group_count": len(body.groups),
        "approved_groups": 0,
        "rejected_groups": 0,
        "created_at": now,
        "decided_at": None,
    }
    group_rows: list[dict[str, Any]] = []
    task_rows: list[dict[str, Any]] = []
    events: list[tuple[str, TaskCreated]] = []
    for position, g in enumerate(body.groups):
        group_row = {
            "id": new_id(),
            "request_id": request_row["id"],
            "position": position,
            "name": g.name,
            "mode": g.mode,
            "min_approvals": g.min_approvals,
            "status": "pending",
            "task_count": len(g.approvers),
            "approved_count": 0,
            "rejected_count": 0,
        }
        group_rows.append(group_row)
        for approver in g.approvers:
            task = _task_row(request_row["id"], group_row["id"], approver, now, remind)
            task_rows.append(task)
            events.append((TASK_CREATED, _task_created(task, group_row, request_row)))
    # `conn` is the request's transaction, or (the hot path) an asyncpg connection from
    # Database.statement(): the whole request is one statement either way (sealkit.sql.insert_rows)
    in_transaction = isinstance(conn, AsyncConnection)
    await insert_rows(conn, [
        (requests, [request_row]), (groups, group_rows), (tasks, task_rows),
        (audit, [_audit(request_row["id"], user.sub, "created", at=now)]),
        (outbox_table, outbox.rows_for(conn if in_transaction else None, events)),
    ])  # fmt: skip
    if not in_transaction:
        outbox.wake()
    return _view(request_row, group_rows, task_rows)


def _view(request: Any, group_rows: Any, task_rows: Any) -> RequestOut:
    r = request if isinstance(request, dict) else request._mapping
    by_group: dict[UUID, list[TaskOut]] = {}
    for t in task_rows:
        m = t if isinstance(t, dict) else t._mapping
        by_group.setdefault(m["group_id"], []).append(TaskOut.model_validate(dict(m)))
    out_groups = []
    for g in group_rows:
        m = g if isinstance(g, dict) else g._mapping
        out_groups.append(
            GroupOut(
                id=m["id"],
                name=m["name"],
                mode=m["mode"],
                min_approvals=m["min_approvals"],
                status=m["status"],
                tasks=by_group.get(m["id"], []),
            )
        )
    return RequestOut.model_validate({**dict(r), "groups": out_groups})


async def _ensure_visible(conn: AsyncConnection, user: Principal, request: AnyRow) -> None:
    if request.applicant_id == user.sub or user.has(*OVERSEERS):
        return
    if not await repo.is_approver_of(conn, request.id, user.sub):
        raise NotFound("approval request not found")


async def get_request_view(conn: AsyncConnection, *, user: Principal, request_id: UUID) -> RequestOut:
    request = await repo.get_request(conn, request_id)
    if request is None:
        raise NotFound("approval request not found")
    await _ensure_visible(conn, user, request)
    group_rows, task_rows = await repo.groups_and_tasks(conn, request_id)
    return _view(request, group_rows, task_rows)


async def get_timeline(conn: AsyncConnection, *, user: Principal, request_id: UUID) -> list[TimelineEntry]:
    request = await repo.get_request(conn, request_id)
    if request is None:
        raise NotFound("approval request not found")
    await _ensure_visible(conn, user, request)
    return [TimelineEntry.model_validate(dict(r._mapping)) for r in await repo.timeline(conn, request_id)]


async def decide(
    conn: AsyncConnection, outbox: Outbox, *, user: Principal, task_id: UUID, body: DecisionSubmission
) -> dict[str, Any]:
    """Record one approver's decision and settle its group and request when that decision settles them.

    The request row is locked first, so decisions on one request run one after another and exactly
    one of them can settle it; the others find their task no longer pending (409). This is the
    transactional path: SQLite, Idempotency-Key calls, and what `decide_at_once` did not record (a refusal
    to explain, or a race it lost). Returns the DecisionOut shape as a plain dict.
    """
    now = utcnow()
    row, task, group = await _record(conn, user=user, task_id=task_id, body=body, now=now)
    group_status = group_outcome(
        group.mode, Tally(group.task_count, group.approved_count, group.rejected_count), group.min_approvals
    )
    request_status: RequestStatus = "pending"
    if group_status != "pending":
        tally = Tally(
            row.group_count,
            row.approved_groups + (group_status == "approved"),
            row.rejected_groups + (group_status == "rejected"),
        )
        request_status = request_outcome(row.combine, tally)
        await repo.close_group(conn, row.group_id, group_status, now)
        await repo.update_request(
            conn, row.request_id, approved_groups=tally.approved, rejected_groups=tally.rejected
        )
        if request_status != "pending":
            await _finish(conn, outbox, row, request_status, now=now, actor=user.sub, action="decided")
    return {"task": task, "group_status": group_status, "request_status": request_status}


async def decide_at_once(driver: Any, outbox: Outbox, *, user: Principal, task_id: UUID, body: DecisionSubmission
                         ) -> dict[str, Any] | None:  # fmt: skip
    """A decision in one autocommit statement on PostgreSQL (repository.DECIDE_AT_ONCE), settling its
    group and request when it does: the hot path (PERFORMANCE.md).

    None when nothing was recorded (a refusal, or someone wrote the request meanwhile): the caller then
    runs `decide`, which records the decision or explains the refusal.
    """
    now = utcnow()
    approve = 1 if body.decision == "approve" else 0
    detail = dumps({"comment": body.comment}).decode() if body.comment else None
    destinations = list(dict.fromkeys(outbox.destinations(REQUEST_DECIDED)))
    event_id = new_id()
    found = await driver.fetchrow(
        repo.DECIDE_AT_ONCE, task_id, decision_status(body.decision), now, body.comment, body.channel,
        user.sub, user.has("service"), body.on_behalf_of, approve, 1 - approve, new_id(), body.decision, detail,
        new_id(), event_id, _decided_body_opening(event_id, now, outbox.source), _JSON_DATETIME.dump_python(now, mode="json"),
        destinations, [new_id() for _ in range(len(destinations) + 1)],
    )  # fmt: skip
    if found is None:
        return None
    task = dict(found)
    group_status, request_status = task.pop("group_after"), task.pop("request_after")
    if request_status != "pending":
        outbox.wake()
    return {"task": task, "group_status": group_status, "request_status": request_status}


_JSON_DATETIME = TypeAdapter(datetime)  # a datetime as the contracts write it in JSON


def _decided_body_opening(event_id: UUID, now: datetime, source: str) -> str:
    """The `approval.request.decided` body as sealkit.outbox writes it, up to the request id's value, which
    DECIDE_AT_ONCE appends with the rest of the event (that the request is decided is known only there)."""
    body = dumps(
        {
            "id": str(event_id),
            "type": REQUEST_DECIDED,
            "source": source,
            "occurred_at": now,
            "data": {"request_id": ""},
        }
    )
    return body.decode().removesuffix('"}}')


Recorded = tuple[Any, dict[str, Any], Any]  # (task with its request, the decided task, the group's counts)


async def _record(
    conn: AsyncConnection, *, user: Principal, task_id: UUID, body: DecisionSubmission, now: datetime
) -> Recorded:
    """The decision's first step: lock the request, check the caller, record the decision, count it."""
    row = await repo.lock_request_of_task(conn, task_id)
    if row is None:
        raise NotFound("task not found")
    await _authorize_decider(conn, user, row, body)
    if row.request_status != "pending":
        raise Conflict(f"the request is already {row.request_status}", slug="task-not-pending")
    task = await repo.record_decision(
        conn, task_id, status=decision_status(body.decision), decided_at=now, comment=body.comment,
        channel=body.channel, decided_by=user.sub,
    )  # fmt: skip
    if task is None:
        raise Conflict(f"the task is already {row.task_status}", slug="task-not-pending")
    approve = 1 if body.decision == "approve" else 0
    group = await repo.count_on_group(conn, row.group_id, approve, 1 - approve)
    if group is None:  # cannot happen while the request is pending; kept as a guard against drift
        raise Conflict("the task's group is already decided", slug="task-not-pending")
    detail = {"comment": body.comment} if body.comment else None
    await repo.insert(conn, audit, [_audit(row.request_id, user.sub, body.decision, at=now,
                                           channel=body.channel, task_id=task_id, detail=detail)])  # fmt: skip
    return row, dict(task._mapping), group


async def _sees_request(conn: AsyncConnection, user: Principal, row: Any) -> bool:
    """Whether the caller may see the task's request: then a refusal is 403, otherwise 404 hides it."""
    return (
        row.applicant_id == user.sub
        or user.has(*OVERSEERS)
        or await repo.is_approver_of(conn, row.request_id, user.sub)
    )


async def _authorize_decider(
    conn: AsyncConnection, user: Principal, row: Any, body: DecisionSubmission
) -> None:
    if user.has("service"):
        if body.on_behalf_of is not None and body.on_behalf_of != row.approver_id:
            raise Conflict("the task now belongs to another approver", slug="approver-changed")
        return
    if row.approver_id == user.sub and body.on_behalf_of in (None, user.sub):
        return
    if not await _sees_request(conn, user, row):
        raise NotFound("task not found")
    if body.on_behalf_of not in (None, user.sub):
        raise Forbidden("only the service role may decide on someone else's behalf")
    raise Forbidden("only the task's approver may decide it")


async def _finish(
    conn: AsyncConnection,
    outbox: Outbox,
    request: Any,
    status: Literal["approved", "rejected", "withdrawn"],
    *,
    now: datetime,
    actor: str,
    action: str,
) -> None:
    """Settle a request (decision, withdrawal, deadline): cancel what is pending, tell the subscribers."""
    request_id = getattr(request, "request_id", None) or request.id
    await repo.update_request(conn, request_id, status=status, decided_at=now)
    await repo.cancel_everything_pending(conn, request_id, now)
    await repo.insert(conn, audit, [_audit(request_id, actor, action, at=now, detail={"status": status})])
    await outbox.emit(
        conn,
        REQUEST_DECIDED,
        RequestDecided(
            request_id=request_id,
            title=request.title,
            applicant_id=request.applicant_id,
            status=status,
            decided_at=now,
        ),
        also_to=[request.callback_url],
    )


async def withdraw(conn: AsyncConnection, outbox: Outbox, *, user: Principal, request_id: UUID) -> RequestOut:
    request = await repo.lock_request(conn, request_id)
    if request is None:
        raise NotFound("approval request not found")
    if request.applicant_id != user.sub:
        if user.has(*OVERSEERS) or await repo.is_approver_of(conn, request_id, user.sub):
            raise Forbidden("only the applicant may withdraw a request")
        raise NotFound("approval request not found")
    if request.status != "pending":
        raise Conflict(f"the request is already {request.status}", slug="request-not-pending")
    await _finish(conn, outbox, request, "withdrawn", now=utcnow(), actor=user.sub, action="withdrawn")
    return await get_request_view(conn, user=user, request_id=request_id)


async def add_approver(
    conn: AsyncConnection,
    outbox: Outbox,
    *,
    user: Principal,
    request_id: UUID,
    group_id: UUID,
    body: AddApprover,
) -> TaskOut:
    """加签: a new approver joins a pending group (by the applicant, an approver of the group, or admin)."""
    request = await repo.lock_request(conn, request_id)
    group = await repo.get_group(conn, group_id)
    if request is None or group is None or group.request_id != request_id:
        raise NotFound("approval group not found")
    if not (
        request.applicant_id == user.sub
        or user.has("admin")
        or await repo.is_approver_of(conn, request_id, user.sub)
    ):
        raise NotFound("approval group not found")
    if request.status != "pending" or group.status != "pending":
        raise Conflict(
            f"the group is already {group.status if request.status == 'pending' else request.status}",
            slug="group-not-pending",
        )
    now = utcnow()
    task = _task_row(request_id, group_id, body, now, request.remind_every_minutes)
    await _insert_task(conn, task, body.id)
    await repo.grow_group(conn, group_id)
    await repo.insert(
        conn,
        audit,
        [
            _audit(
                request_id,
                user.sub,
                "approver_added",
                at=now,
                task_id=task["id"],
                detail={"approver_id": body.id, "group_id": str(group_id)},
            )
        ],
    )
    await outbox.emit(conn, TASK_CREATED, _task_created(task, group, request))
    return TaskOut.model_validate(task)


async def _insert_task(conn: AsyncConnection, task: dict[str, Any], approver_id: str) -> None:
    try:
        async with conn.begin_nested():
            await repo.insert(conn, tasks, [task])
    except IntegrityError as exc:
        raise Conflict(
            f"{approver_id} is already an approver in this group", slug="duplicate-approver"
        ) from exc


async def delegate(
    conn: AsyncConnection, outbox: Outbox, *, user: Principal, task_id: UUID, body: Delegation
) -> TaskOut:
    """Hand a pending task to someone else: the old task is cancelled, a new one opens in the same group."""
    row = await repo.lock_request_of_task(conn, task_id)
    if row is None:
        raise NotFound("task not found")
    if row.approver_id != user.sub and not user.has("admin"):
        if await _sees_request(conn, user, row):
            raise Forbidden("only the task's approver (or an admin) may delegate it")
        raise NotFound("task not found")
    if row.request_status != "pending":
        raise Conflict(f"the request is already {row.request_status}", slug="task-not-pending")
    if body.to.id == row.approver_id:
        raise Unprocessable("a task cannot be delegated to its own approver", slug="delegate-to-self")
    now = utcnow()
    old = await repo.decide_task(
        conn,
        task_id,
        {
            "status": "cancelled",
            "decided_at": now,
            "decided_by": user.sub,
            "comment": body.comment,
            "next_remind_at": None,
        },
    )
    if old is None:
        raise Conflict(f"the task is already {row.task_status}", slug="task-not-pending")
    task = _task_row(
        row.request_id, row.group_id, body.to, now, row.remind_every_minutes, delegated_from=task_id
    )
    await _insert_task(conn, task, body.to.id)
    await repo.insert(
        conn,
        audit,
        [
            _audit(
                row.request_id,
                user.sub,
                "delegated",
                at=now,
                task_id=task_id,
                detail={"to": body.to.id, "new_task_id": str(task["id"]), "comment": body.comment},
            )
        ],
    )
    group = await repo.get_group(conn, row.group_id)
    request = await repo.get_request(conn, row.request_id)
    assert group is not None
    assert request is not None
    await outbox.emit(conn, TASK_CREATED, _task_created(task, group, request))
    return TaskOut.model_validate(task)


async def apply_deadlines(conn: AsyncConnection, outbox: Outbox, *, now: datetime, limit: int) -> int:
    """Decide requests whose deadline passed, as their `on_deadline` says; replicas skip each other's rows."""
    due = await repo.due_deadlines(conn, now, limit)
    for request in due:
        status: Literal["approved", "rejected"] = (
            "approved" if request.on_deadline == "approve" else "rejected"
        )
        await _finish(conn, outbox, request, status, now=now, actor=SYSTEM_ACTOR, action="deadline")
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
