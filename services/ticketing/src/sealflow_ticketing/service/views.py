"""Reading tickets: one ticket, lists with filters, the timeline."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_ticketing import repository as repo
from sealflow_ticketing.domain import TicketStatus
from sealflow_ticketing.schemas import TicketOut, TicketSummary, TimelineEntry
from sealflow_ticketing.service.common import ensure_visible, ticket_out, visibility_filter
from sealkit.auth import Principal
from sealkit.pagination import Page, page_of


async def get_ticket(conn: AsyncConnection, *, user: Principal, ticket_id: UUID) -> TicketOut:
    return ticket_out(ensure_visible(user, await repo.get_ticket(conn, ticket_id)))


async def get_timeline(conn: AsyncConnection, *, user: Principal, ticket_id: UUID) -> list[TimelineEntry]:
    ensure_visible(user, await repo.get_ticket(conn, ticket_id))
    return [TimelineEntry.model_validate(dict(r._mapping)) for r in await repo.timeline(conn, ticket_id)]


async def list_tickets(
    conn: AsyncConnection,
    *,
    user: Principal,
    status: TicketStatus | None,
    type_key: str | None,
    assignee: str | None,
    overdue: bool | None,
    requester: str | None,
    reference: str | None,
    cursor: str | None,
    limit: int,
) -> Page[TicketSummary]:
    """Newest first; each caller sees only what `can_view` lets them see."""
    rows = await repo.list_tickets(
        conn,
        visible_to=visibility_filter(user),
        status=status,
        type_key=type_key,
        assignee=assignee,
        overdue=overdue,
        requester=requester,
        reference=reference,
        cursor=cursor,
        limit=limit,
    )
    return page_of(
        rows, limit, lambda r: TicketSummary.model_validate(dict(r._mapping)), lambda t: (t.created_at, t.id)
    )
