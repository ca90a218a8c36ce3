"""Decisions: an approver approves or rejects (the hot path in one statement, else the transaction), or
delegates the task to someone else."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval import access
from sealflow_approval import repository as repo
from sealflow_approval.domain import RequestStatus, Tally, decision_status, group_outcome, request_outcome
from sealflow_approval.models import audit
from sealflow_approval.schemas import Delegation, TaskOut
from sealflow_approval.service.common import (
    SYSTEM_ACTOR,
    audit_row,
    finish,
    insert_task,
    sees_request,
    task_created,
    task_row,
)
from sealflow_approval.service.stages import UNSTAFFED, open_next_stage
from sealkit.auth import Principal
from sealkit.contracts.approval import TASK_CREATED, DecisionSubmission
from sealkit.db import HotConnection
from sealkit.outbox import Outbox
from sealkit.problems import Conflict, Forbidden, NotFound, Unprocessable
from sealkit.sql import AnyRow, insert
from sealkit.types import utcnow


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
        if request_status == "approved" and row.current_stage is not None:
            # a staged request: the stage approved; the next one opens, or the request is approved
            after = await open_next_stage(conn, outbox, row, now=now, actor=user.sub)
            request_status = after.request_status
            if after.unstaffed:
                await finish(conn, outbox, row, "rejected", now=now, actor=SYSTEM_ACTOR, action=UNSTAFFED,
                             detail={"unstaffed": after.unstaffed})  # fmt: skip
                return {"task": task, "group_status": group_status, "request_status": request_status}
        if request_status != "pending":
            await finish(conn, outbox, row, request_status, now=now, actor=user.sub, action="decided")
    return {"task": task, "group_status": group_status, "request_status": request_status}


async def decide_at_once(
    driver: HotConnection, outbox: Outbox, *, user: Principal, task_id: UUID, body: DecisionSubmission
) -> dict[str, Any] | None:
    """A decision in one autocommit statement on PostgreSQL (repository.decision), settling its group
    and request when it does: the hot path (docs/performance.md).

    None when nothing was recorded (a refusal, or someone wrote the request meanwhile): the caller then
    runs `decide`, which records the decision or explains the refusal.
    """
    found = await repo.decide_at_once(
        driver, outbox, task_id, status=decision_status(body.decision), decision=body.decision, now=utcnow(),
        comment=body.comment, channel=body.channel, actor=user.sub, as_service=access.acts_for_approvers(user),
        on_behalf_of=body.on_behalf_of,
    )  # fmt: skip
    if found is None:
        return None
    group_status, request_status = found.pop("group_after"), found.pop("request_after")
    if request_status != "pending":
        outbox.wake()
    return {"task": found, "group_status": group_status, "request_status": request_status}


class Recorded(NamedTuple):
    """What the decision's first step leaves for settling."""

    row: AnyRow  # the task with its request (locked)
    task: dict[str, Any]  # the decided task, as DecisionOut shows it
    group: AnyRow  # the group's mode and counts after the decision


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
    await insert(conn, audit, [audit_row(row.request_id, user.sub, body.decision, at=now,
                                           channel=body.channel, task_id=task_id, detail=detail)])  # fmt: skip
    return Recorded(row, dict(task._mapping), group)


async def _authorize_decider(
    conn: AsyncConnection, user: Principal, row: Any, body: DecisionSubmission
) -> None:
    if access.acts_for_approvers(user):
        if body.on_behalf_of is not None and body.on_behalf_of != row.approver_id:
            raise Conflict("the task now belongs to another approver", slug="approver-changed")
        return
    if access.decides_own_task(user, row.approver_id, body.on_behalf_of):
        return
    if not await sees_request(conn, user, row):
        raise NotFound("task not found")
    if body.on_behalf_of not in (None, user.sub):
        raise Forbidden("only the service role may decide on someone else's behalf")
    raise Forbidden("only the task's approver may decide it")


async def delegate(
    conn: AsyncConnection, outbox: Outbox, *, user: Principal, task_id: UUID, body: Delegation
) -> TaskOut:
    """Hand a pending task to someone else: the old task is cancelled, a new one opens in the same group."""
    row = await repo.lock_request_of_task(conn, task_id)
    if row is None:
        raise NotFound("task not found")
    if not access.may_delegate(user, row.approver_id):
        if await sees_request(conn, user, row):
            raise Forbidden("only the task's approver (or an admin) may delegate it")
        raise NotFound("task not found")
    if row.request_status != "pending":
        raise Conflict(f"the request is already {row.request_status}", slug="task-not-pending")
    if body.to.id == row.approver_id:
        raise Unprocessable("a task cannot be delegated to its own approver", slug="delegate-to-self")
    refusal = access.why_not_delegate_to(user, applicant_id=row.applicant_id, to_id=body.to.id)
    if refusal is not None:
        raise Forbidden(refusal[1], slug=refusal[0])
    now = utcnow()
    old = await repo.cancel_task(conn, task_id, at=now, by=user.sub, comment=body.comment)
    if old is None:
        raise Conflict(f"the task is already {row.task_status}", slug="task-not-pending")
    task = task_row(
        row.request_id, row.group_id, body.to, now, row.remind_every_minutes, delegated_from=task_id
    )
    await insert_task(conn, task, body.to.id)
    await insert(
        conn,
        audit,
        [
            audit_row(
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
    await outbox.emit(conn, TASK_CREATED, task_created(task, group, request))
    return TaskOut.model_validate(task)
