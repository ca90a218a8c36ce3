"""Approval HTTP API: parse, authorize, call the service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from sealflow_approval import access, service
from sealflow_approval import repository as repo
from sealflow_approval.config import ApprovalSettings
from sealflow_approval.domain import RequestStatus, TaskStatus
from sealflow_approval.schemas import (
    AddApprover,
    DecisionOut,
    Delegation,
    InboxTask,
    RequestCreate,
    RequestOut,
    RequestSummary,
    TaskOut,
    TimelineEntry,
)
from sealkit.app import OutboxDep, RuntimeDep
from sealkit.auth import CurrentUser, current_user
from sealkit.contracts.approval import DecisionSubmission
from sealkit.contracts.types import UtcDateTime
from sealkit.db import DbConn
from sealkit.hot_path import at_once_or_in_transaction
from sealkit.idempotency import idempotent
from sealkit.pagination import Page, clamp_limit, page_of
from sealkit.problems import Forbidden

# Authenticate before anything else (route dependencies run first), so a bad token never costs a
# database connection; the CurrentUser parameters below reuse this cached result.
router = APIRouter(prefix="/v1", tags=["approval"], dependencies=[Depends(current_user)])
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "the task, group or request is no longer pending"}
}


@router.post(
    "/approval-requests",
    status_code=201,
    response_model=RequestOut,
    summary="Open an approval request (the caller is the applicant)",
)
async def create_request(
    body: RequestCreate, request: Request, user: CurrentUser, runtime: RuntimeDep
) -> Response:
    outbox, remind = runtime.outbox, runtime.settings_as(ApprovalSettings).reminder_interval_minutes
    # hot path: the whole request is one statement, so it needs no transaction around it
    return await at_once_or_in_transaction(
        request,
        at_once=lambda pg: service.create_request_at_once(pg, outbox, user=user, body=body, default_remind_minutes=remind),
        in_transaction=lambda conn: service.create_request(conn, outbox, user=user, body=body, default_remind_minutes=remind),
        idempotent_for=user, payload=body, status_code=201,
    )  # fmt: skip


@router.get("/approval-requests", response_model=Page[RequestSummary], summary="List approval requests")
async def list_requests(
    conn: DbConn,
    user: CurrentUser,
    mine: Annotated[bool, Query(description="false: every request (admin, monitor)")] = True,
    status: RequestStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[RequestSummary]:
    if not mine and not access.oversees(user):
        raise Forbidden("listing everyone's requests needs the admin or monitor role")
    limit = clamp_limit(limit)
    rows = await repo.list_requests(
        conn, applicant_id=user.sub if mine else None, status=status, cursor=cursor, limit=limit
    )
    return page_of(
        rows, limit, lambda r: RequestSummary.model_validate(dict(r._mapping)), lambda s: (s.created_at, s.id)
    )


@router.get(
    "/approval-requests/{request_id}", response_model=RequestOut, summary="One request with its groups"
)
async def get_request(request_id: UUID, conn: DbConn, user: CurrentUser) -> RequestOut:
    return await service.get_request_view(conn, user=user, request_id=request_id)


@router.get(
    "/approval-requests/{request_id}/timeline",
    response_model=list[TimelineEntry],
    summary="Who did what, when, through which channel",
)
async def get_timeline(request_id: UUID, conn: DbConn, user: CurrentUser) -> list[TimelineEntry]:
    return await service.get_timeline(conn, user=user, request_id=request_id)


@router.post(
    "/approval-requests/{request_id}/withdraw",
    response_model=RequestOut,
    responses=CONFLICT,
    summary="Withdraw a pending request (the applicant)",
)
async def withdraw(request_id: UUID, conn: DbConn, user: CurrentUser, outbox: OutboxDep) -> RequestOut:
    return await service.withdraw(conn, outbox, user=user, request_id=request_id)


@router.post(
    "/approval-requests/{request_id}/groups/{group_id}/approvers",
    status_code=201,
    response_model=TaskOut,
    responses=CONFLICT,
    summary="Add an approver to a pending group (加签)",
)
async def add_approver(
    request_id: UUID,
    group_id: UUID,
    body: AddApprover,
    request: Request,
    conn: DbConn,
    user: CurrentUser,
    outbox: OutboxDep,
) -> Response:
    return await idempotent(
        conn,
        request,
        user,
        body,
        lambda: service.add_approver(
            conn, outbox, user=user, request_id=request_id, group_id=group_id, body=body
        ),
    )


@router.get("/tasks", response_model=Page[InboxTask], summary="The caller's tasks (the approver's inbox)")
async def inbox(
    conn: DbConn,
    user: CurrentUser,
    status: TaskStatus | None = None,
    request_id: UUID | None = None,
    q: Annotated[str | None, Query(max_length=200, description="words in the request title")] = None,
    since: UtcDateTime | None = None,
    until: UtcDateTime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[InboxTask]:
    limit = clamp_limit(limit)
    rows = await repo.inbox(
        conn,
        approver_id=user.sub,
        status=status,
        request_id=request_id,
        q=q,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return page_of(rows, limit, lambda r: InboxTask.model_validate(dict(r._mapping)), _inbox_position)


def _inbox_position(task: InboxTask) -> tuple[datetime, UUID]:
    assert task.created_at is not None  # a task's row always has it; the schema shares its type with others
    return task.created_at, task.id


@router.post(
    "/tasks/{task_id}/decision",
    response_model=DecisionOut,
    responses=CONFLICT,
    summary="Approve or reject a task (its approver, or the service role on the approver's behalf)",
)
async def decide(
    task_id: UUID, body: DecisionSubmission, request: Request, user: CurrentUser, runtime: RuntimeDep
) -> Response:
    outbox = runtime.outbox
    # hot path: a decision is one autocommit statement, settling included; refusals, lost races and
    # Idempotency-Key calls take the transaction
    return await at_once_or_in_transaction(
        request,
        at_once=lambda pg: service.decide_at_once(pg, outbox, user=user, task_id=task_id, body=body),
        in_transaction=lambda conn: service.decide(conn, outbox, user=user, task_id=task_id, body=body),
        idempotent_for=user, payload=body,
    )  # fmt: skip


@router.post(
    "/tasks/{task_id}/delegate",
    status_code=201,
    response_model=TaskOut,
    responses=CONFLICT,
    summary="Hand a pending task to another approver",
)
async def delegate(
    task_id: UUID, body: Delegation, request: Request, conn: DbConn, user: CurrentUser, outbox: OutboxDep
) -> Response:
    return await idempotent(
        conn,
        request,
        user,
        body,
        lambda: service.delegate(conn, outbox, user=user, task_id=task_id, body=body),
    )
