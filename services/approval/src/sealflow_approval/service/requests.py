"""Requests: open one, read it and its timeline, withdraw it, add an approver to a group (加签)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval import access
from sealflow_approval import repository as repo
from sealflow_approval.models import audit, groups, requests, tasks
from sealflow_approval.schemas import AddApprover, RequestCreate, RequestOut, TaskOut, TimelineEntry
from sealflow_approval.service.common import (
    audit_row,
    check_deadline,
    ensure_visible,
    finish,
    insert_task,
    request_row_of,
    request_view,
    task_created,
    task_row,
)
from sealflow_approval.service.stages import create_from_definition
from sealkit.auth import Principal
from sealkit.contracts.approval import TASK_CREATED, TaskCreated
from sealkit.db import HotConnection
from sealkit.ids import new_id
from sealkit.outbox import Outbox
from sealkit.problems import Conflict, Forbidden, NotFound, Unprocessable
from sealkit.sql import Batch, insert, insert_rows, insert_rows_at_once
from sealkit.tables import outbox as outbox_table
from sealkit.types import utcnow


async def create_request(
    conn: AsyncConnection,
    outbox: Outbox,
    *,
    user: Principal,
    body: RequestCreate,
    default_remind_minutes: int,
) -> RequestOut:
    """Open a request in the caller's transaction: one statement on PostgreSQL (sealkit.sql.insert_rows).
    A request from a definition reads it and the directory first (service.stages)."""
    if body.definition is not None:
        return await create_from_definition(
            conn, outbox, user=user, body=body, default_remind_minutes=default_remind_minutes
        )
    new = _NewRequest.of(user, body, default_remind_minutes)
    await insert_rows(conn, new.batches(outbox.rows_for(conn, new.events)))
    return new.view()


async def create_request_at_once(
    driver: HotConnection,
    outbox: Outbox,
    *,
    user: Principal,
    body: RequestCreate,
    default_remind_minutes: int,
) -> RequestOut | None:
    """`create_request` as one autocommit statement on a `Database.statement()` connection (the hot path).
    None for a request from a definition: it reads the definition and the directory, in the transaction."""
    if body.definition is not None:
        return None
    new = _NewRequest.of(user, body, default_remind_minutes)
    await insert_rows_at_once(driver, new.batches(outbox.rows_for(None, new.events)))
    outbox.wake()
    return new.view()


@dataclass(frozen=True, slots=True)
class _NewRequest:
    """The rows a new request writes: the request, its groups and tasks, its first audit entry, and the
    `approval.task.created` events for its approvers."""

    request: dict[str, Any]
    groups: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    events: list[tuple[str, TaskCreated]]
    audit: dict[str, Any]

    @classmethod
    def of(cls, user: Principal, body: RequestCreate, default_remind_minutes: int) -> _NewRequest:
        now = utcnow()
        body_groups = body.groups or []  # an ad-hoc request brings its groups (the schema checks it)
        check_deadline(body, now)
        misplaced = access.applicant_among_approvers(
            user.sub, [[a.id for a in g.approvers] for g in body_groups]
        )
        if misplaced:
            raise Unprocessable(
                access.APPLICANT_IS_NO_APPROVER,
                slug="validation",
                extra={"errors": [{"loc": loc, "msg": access.APPLICANT_IS_NO_APPROVER} for loc in misplaced]},
            )
        remind = body.remind_every_minutes or default_remind_minutes or None
        request_row = request_row_of(user, body, now, remind, group_count=len(body_groups))
        group_rows: list[dict[str, Any]] = []
        task_rows: list[dict[str, Any]] = []
        events: list[tuple[str, TaskCreated]] = []
        for position, g in enumerate(body_groups):
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
                task = task_row(request_row["id"], group_row["id"], approver, now, remind)
                task_rows.append(task)
                events.append((TASK_CREATED, task_created(task, group_row, request_row)))
        created = audit_row(request_row["id"], user.sub, "created", at=now)
        return cls(request_row, group_rows, task_rows, events, created)

    def batches(self, outbox_rows: list[dict[str, Any]]) -> list[Batch]:
        return [
            (requests, [self.request]), (groups, self.groups), (tasks, self.tasks), (audit, [self.audit]),
            (outbox_table, outbox_rows),
        ]  # fmt: skip

    def view(self) -> RequestOut:
        return request_view(self.request, self.groups, self.tasks)


async def get_request_view(conn: AsyncConnection, *, user: Principal, request_id: UUID) -> RequestOut:
    request = await repo.get_request(conn, request_id)
    if request is None:
        raise NotFound("approval request not found")
    await ensure_visible(conn, user, request)
    group_rows, task_rows = await repo.groups_and_tasks(conn, request_id)
    return request_view(request, group_rows, task_rows)


async def get_timeline(conn: AsyncConnection, *, user: Principal, request_id: UUID) -> list[TimelineEntry]:
    request = await repo.get_request(conn, request_id)
    if request is None:
        raise NotFound("approval request not found")
    await ensure_visible(conn, user, request)
    return [TimelineEntry.model_validate(dict(r._mapping)) for r in await repo.timeline(conn, request_id)]


async def withdraw(conn: AsyncConnection, outbox: Outbox, *, user: Principal, request_id: UUID) -> RequestOut:
    request = await repo.lock_request(conn, request_id)
    if request is None:
        raise NotFound("approval request not found")
    if not access.may_withdraw(user, request.applicant_id):
        if (
            access.oversees(user)
            or access.is_cc(user, request.cc)
            or await repo.is_approver_of(conn, request_id, user.sub)
        ):
            raise Forbidden("only the applicant may withdraw a request")
        raise NotFound("approval request not found")
    if request.status != "pending":
        raise Conflict(f"the request is already {request.status}", slug="request-not-pending")
    await finish(conn, outbox, request, "withdrawn", now=utcnow(), actor=user.sub, action="withdrawn")
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
    """加签: a new approver joins a pending group, added by an approver of that group or an admin
    (access.why_not_add_approver); whoever cannot see the request gets 404, as everywhere."""
    request = await repo.lock_request(conn, request_id)
    group = await repo.get_group(conn, group_id)
    if request is None or group is None or group.request_id != request_id:
        raise NotFound("approval group not found")
    in_group = await repo.approves_in_group(conn, group_id, user.sub)
    if not (
        in_group
        or access.sees_without_asking(user, request.applicant_id)
        or access.is_cc(user, request.cc)
        or await repo.is_approver_of(conn, request_id, user.sub)
    ):
        raise NotFound("approval group not found")
    refusal = access.why_not_add_approver(
        user, applicant_id=request.applicant_id, new_approver_id=body.id, approves_in_group=in_group
    )
    if refusal is not None:
        raise Forbidden(refusal[1], slug=refusal[0])
    if request.status != "pending" or group.status != "pending":
        raise Conflict(
            f"the group is already {group.status if request.status == 'pending' else request.status}",
            slug="group-not-pending",
        )
    now = utcnow()
    task = task_row(request_id, group_id, body, now, request.remind_every_minutes)
    await insert_task(conn, task, body.id)
    await repo.grow_group(conn, group_id)
    await insert(
        conn,
        audit,
        [
            audit_row(
                request_id,
                user.sub,
                "approver_added",
                at=now,
                task_id=task["id"],
                detail={"approver_id": body.id, "group_id": str(group_id)},
            )
        ],
    )
    await outbox.emit(conn, TASK_CREATED, task_created(task, group, request))
    return TaskOut.model_validate(task)
