"""Ticketing HTTP API: parse, authorize, call the service, shape the answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from sealflow_ticketing import repository as repo
from sealflow_ticketing import service
from sealflow_ticketing.access import Admin, Agent, Overseer, Supervisor
from sealflow_ticketing.domain import TicketStatus
from sealflow_ticketing.schemas import (
    AgentKpi,
    AgentOut,
    AssignIn,
    AvailabilityIn,
    ClaimIn,
    FeedbackIn,
    HandoffIn,
    LockIn,
    LockOut,
    ResultIn,
    TicketCreate,
    TicketOut,
    TicketSummary,
    TicketTypeIn,
    TicketTypeOut,
    TicketTypeUpdate,
    TimelineEntry,
    TypeKpi,
)
from sealkit.app import OutboxDep, RuntimeDep
from sealkit.auth import CurrentUser, current_user
from sealkit.db import DbConn, HotConnection
from sealkit.hot_path import at_once_or_in_transaction
from sealkit.idempotency import idempotent
from sealkit.pagination import Page, clamp_limit
from sealkit.problems import NotFound

# Authenticate before anything else (route dependencies run first), so a bad token never costs a
# database connection; CurrentUser and the role-gated callers of `access` reuse this cached result.
router = APIRouter(prefix="/v1", tags=["ticketing"], dependencies=[Depends(current_user)])
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "the ticket is not in a state that allows it"}
}


@router.post("/ticket-types", status_code=201, response_model=TicketTypeOut, summary="Add a ticket type")
async def create_type(body: TicketTypeIn, request: Request, conn: DbConn, user: Admin) -> Response:
    return await idempotent(conn, request, user, body, lambda: service.create_type(conn, body=body))


@router.get("/ticket-types", response_model=list[TicketTypeOut], summary="Every ticket type")
async def list_types(conn: DbConn, _: CurrentUser) -> list[TicketTypeOut]:
    return [TicketTypeOut.model_validate(dict(r._mapping)) for r in await repo.list_types(conn)]


@router.get("/ticket-types/{key}", response_model=TicketTypeOut, summary="One ticket type")
async def get_type(key: str, conn: DbConn, _: CurrentUser) -> TicketTypeOut:
    row = await repo.get_type(conn, key)
    if row is None:
        raise NotFound("ticket type not found")
    return TicketTypeOut.model_validate(dict(row._mapping))


@router.put("/ticket-types/{key}", response_model=TicketTypeOut, summary="Change a ticket type")
async def update_type(key: str, body: TicketTypeUpdate, conn: DbConn, _: Admin) -> TicketTypeOut:
    return await service.update_type(conn, key=key, body=body)


@router.post(
    "/tickets",
    status_code=201,
    response_model=TicketOut,
    summary="Open a ticket (due_at = now + the type's SLA; a callback type runs its callback first)",
)
async def create_ticket(body: TicketCreate, request: Request, user: CurrentUser, runtime: RuntimeDep) -> Any:
    # hot path: without an Idempotency-Key, a read of the type and one statement
    return await at_once_or_in_transaction(
        request,
        at_once=lambda pg: service.create_ticket_at_once(pg, runtime.outbox, user=user, body=body),
        in_transaction=lambda conn: service.create_ticket(conn, runtime.outbox, user=user, body=body),
        idempotent_for=user, payload=body, status_code=201,
    )  # fmt: skip


@router.get(
    "/tickets", response_model=Page[TicketSummary], summary="Tickets the caller may see, newest first"
)
async def list_tickets(
    conn: DbConn,
    user: CurrentUser,
    status: TicketStatus | None = None,
    type: str | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    requester: str | None = None,
    reference: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[TicketSummary]:
    return await service.list_tickets(
        conn,
        user=user,
        status=status,
        type_key=type,
        assignee=assignee,
        overdue=overdue,
        requester=requester,
        reference=reference,
        cursor=cursor,
        limit=clamp_limit(limit),
    )


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="One ticket")
async def get_ticket(ticket_id: UUID, conn: DbConn, user: CurrentUser) -> TicketOut:
    return await service.get_ticket(conn, user=user, ticket_id=ticket_id)


@router.get(
    "/tickets/{ticket_id}/timeline",
    response_model=list[TimelineEntry],
    summary="The ticket's history: created, callback, claimed, locked, handed off, resolved, feedback",
)
async def get_timeline(ticket_id: UUID, conn: DbConn, user: CurrentUser) -> list[TimelineEntry]:
    return await service.get_timeline(conn, user=user, ticket_id=ticket_id)


@router.post(
    "/pool/claim",
    response_model=TicketOut,
    responses={204: {"description": "no queued ticket (of those types)"}},
    summary="Take the next ticket: highest priority, then earliest due_at",
)
async def claim(request: Request, user: Agent, body: ClaimIn | None = None) -> Any:
    # hot path: on PostgreSQL the claim is one statement, run without a transaction
    async def at_once(pg: HotConnection) -> TicketOut | Response:
        return _ticket_or_nothing(await service.claim_at_once(pg, user=user, body=body))

    async def in_transaction(conn: AsyncConnection) -> TicketOut | Response:
        return _ticket_or_nothing(await service.claim(conn, user=user, body=body))

    return await at_once_or_in_transaction(request, at_once=at_once, in_transaction=in_transaction)


def _ticket_or_nothing(ticket: TicketOut | None) -> TicketOut | Response:
    return Response(status_code=204) if ticket is None else ticket


@router.post(
    "/tickets/{ticket_id}/assign",
    response_model=TicketOut,
    responses=CONFLICT,
    summary="Assign to an agent (supervisor)",
)
async def assign(ticket_id: UUID, body: AssignIn, conn: DbConn, user: Supervisor) -> TicketOut:
    return await service.assign(conn, user=user, ticket_id=ticket_id, body=body)


@router.post(
    "/tickets/{ticket_id}/lock",
    response_model=LockOut,
    responses=CONFLICT,
    summary="Lock for N minutes (the assignee); refused when it would outlast due_at",
)
async def lock(ticket_id: UUID, body: LockIn, conn: DbConn, user: CurrentUser) -> LockOut:
    return await service.lock(conn, user=user, ticket_id=ticket_id, body=body)


@router.delete(
    "/tickets/{ticket_id}/lock",
    response_model=LockOut,
    summary="Unlock (the assignee) or break the lock (supervisor)",
)
async def unlock(ticket_id: UUID, conn: DbConn, user: CurrentUser) -> LockOut:
    return await service.unlock(conn, user=user, ticket_id=ticket_id)


@router.post(
    "/tickets/{ticket_id}/handoff",
    response_model=TicketOut,
    responses=CONFLICT,
    summary="Hand the ticket back to the pool (the assignee); its priority is raised",
)
async def handoff(ticket_id: UUID, body: HandoffIn, conn: DbConn, user: CurrentUser) -> TicketOut:
    return await service.handoff(conn, user=user, ticket_id=ticket_id, body=body)


@router.post(
    "/tickets/{ticket_id}/result",
    response_model=TicketOut,
    responses=CONFLICT,
    summary="Post the result (the assignee); delivered to the requester's notify_url",
)
async def post_result(
    ticket_id: UUID, body: ResultIn, request: Request, user: CurrentUser, runtime: RuntimeDep
) -> Any:
    # hot path: on PostgreSQL one statement with its outbox rows; a refusal is explained by the transaction
    return await at_once_or_in_transaction(
        request,
        at_once=lambda pg: service.post_result_at_once(pg, runtime.outbox, user=user, ticket_id=ticket_id, body=body),
        in_transaction=lambda conn: service.post_result(conn, runtime.outbox, user=user, ticket_id=ticket_id, body=body),
    )  # fmt: skip


@router.post(
    "/tickets/{ticket_id}/feedback",
    response_model=TicketOut,
    responses=CONFLICT,
    summary="Accept (closed) or reopen (queued, priority raised) a resolved ticket (the requester)",
)
async def feedback(
    ticket_id: UUID, body: FeedbackIn, conn: DbConn, user: CurrentUser, outbox: OutboxDep
) -> TicketOut:
    return await service.feedback(conn, outbox, user=user, ticket_id=ticket_id, body=body)


@router.put(
    "/agents/me/availability",
    response_model=AgentOut,
    summary="Say whether the caller takes dispatched tickets, of which types, how many at once",
)
async def set_availability(body: AvailabilityIn, conn: DbConn, user: Agent) -> AgentOut:
    return await service.set_availability(conn, user=user, body=body)


@router.get("/agents", response_model=list[AgentOut], summary="Agents, their availability and load")
async def list_agents(conn: DbConn, _: Overseer) -> list[AgentOut]:
    return await service.list_agents(conn)


@router.get(
    "/stats/agents",
    response_model=list[AgentKpi],
    summary="Per agent: handled, open, mean handling time, SLA met ratio, mean rating",
)
async def agent_stats(conn: DbConn, _: Overseer) -> list[AgentKpi]:
    return await service.agent_kpis(conn)


@router.get("/stats/types", response_model=list[TypeKpi], summary="The same KPIs per ticket type")
async def type_stats(conn: DbConn, _: Overseer) -> list[TypeKpi]:
    return await service.type_kpis(conn)
