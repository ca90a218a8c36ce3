"""Approval HTTP API: parse, authorize, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from sealflow_approval import repository as repo
from sealflow_approval import service
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
from sealkit.idempotency import has_key, idempotent
from sealkit.jsonutil import json_response
from sealkit.pagination import Page, clamp_limit, encode_cursor
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
    settings, db, outbox = runtime.settings, runtime.db, runtime.outbox
    remind = settings.reminder_interval_minutes if isinstance(settings, ApprovalSettings) else 0
    # hot path (PERFORMANCE.md): the whole request is one statement, so it needs no transaction around it
    if not has_key(request):
        async with db.statement() as pg:
            if pg is not None:
                view = await service.create_request(
                    pg, outbox, user=user, body=body, default_remind_minutes=remind
                )
                return json_response(view, status_code=201)
    async with db.transaction() as conn:
        return await idempotent(conn, request, user, body, lambda: service.create_request(
            conn, outbox, user=user, body=body, default_remind_minutes=remind))  # fmt: skip


@router.get("/approval-requests", response_model=Page[RequestSummary], summary="List approval requests")
async def list_requests(
    conn: DbConn,
    user: CurrentUser,
    mine: Annotated[bool, Query(description="false: every request (admin, monitor)")] = True,
    status: RequestStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[RequestSummary]:
    if not mine and not user.has(*service.OVERSEERS):
        raise Forbidden("listing everyone's requests needs the admin or monitor role")
    limit = clamp_limit(limit)
    rows = await repo.list_requests(
        conn, applicant_id=user.sub if mine else None, status=status, cursor=cursor, limit=limit
    )
    items = [RequestSummary.model_validate(dict(r._mapping)) for r in rows[:limit]]
    return Page(
        items=items,
        next_cursor=encode_cursor(items[-1].created_at, items[-1].id) if len(rows) > limit else None,
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
    items = [InboxTask.model_validate(dict(r._mapping)) for r in rows[:limit]]
    last = items[-1] if items else None
    return Page(
        items=items,
        next_cursor=encode_cursor(last.created_at, last.id)
        if last and last.created_at and len(rows) > limit
        else None,
    )


@router.post(
    "/tasks/{task_id}/decision",
    response_model=DecisionOut,
    responses=CONFLICT,
    summary="Approve or reject a task (its approver, or the service role on the approver's behalf)",
)
async def decide(
    task_id: UUID, body: DecisionSubmission, request: Request, user: CurrentUser, runtime: RuntimeDep
) -> Response:
    db, outbox = runtime.db, runtime.outbox
    # hot path (PERFORMANCE.md): a decision is one autocommit statement, settling included;
    # refusals, lost races and Idempotency-Key calls take the transaction below
    if not has_key(request):
        async with db.statement() as pg:
            if pg is not None:
                done = await service.decide_at_once(pg, outbox, user=user, task_id=task_id, body=body)
                if done is not None:
                    return json_response(done)
    async with db.transaction() as conn:
        return await idempotent(conn, request, user, body, lambda: service.decide(
            conn, outbox, user=user, task_id=task_id, body=body), status_code=200)  # fmt: skip


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
