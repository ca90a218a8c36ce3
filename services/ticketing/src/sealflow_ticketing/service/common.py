"""What every ticketing use case shares: timeline rows, the ticket's public shape, who may see it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from sealflow_ticketing import access
from sealflow_ticketing.models import tickets
from sealflow_ticketing.schemas import TicketOut
from sealkit.auth import Principal
from sealkit.problems import Conflict, Forbidden, NotFound
from sealkit.sql import AnyRow

SYSTEM = "system"


def event_row(
    ticket_id: UUID,
    actor: str,
    action: str,
    *,
    at: datetime,
    detail: dict[str, Any] | None = None,
    **kpi: Any,
) -> dict[str, Any]:
    """A timeline row; `kpi` fills agent_id, type_key, handling_seconds, late, rating where they apply."""
    return {
        "id": uuid.uuid4(),
        "ticket_id": ticket_id,
        "at": at,
        "actor_id": actor,
        "action": action,
        "detail": detail,
        "agent_id": kpi.get("agent_id"),
        "type_key": kpi.get("type_key"),
        "handling_seconds": kpi.get("handling_seconds"),
        "late": kpi.get("late"),
        "rating": kpi.get("rating"),
    }


def later(at: datetime, steps: int = 1) -> datetime:
    """A strictly later stamp, so entries written together keep their order in the timeline."""
    return at + timedelta(microseconds=steps)


def ticket_out(row: AnyRow | dict[str, Any]) -> TicketOut:
    m = row if isinstance(row, dict) else row._mapping
    return TicketOut.model_validate(
        {
            **m,
            "type": m["type_key"],
            "requester": {"id": m["requester_id"], "email": m["requester_email"]},
        }
    )


def can_view(user: Principal, row: AnyRow) -> bool:
    """access.may_view for a ticket's row."""
    return access.may_view(user, requester_id=row.requester_id, assignee=row.assignee,
                           resolved_by=row.resolved_by, status=row.status)  # fmt: skip


def visibility_filter(user: Principal) -> Any | None:
    """`can_view` as a WHERE clause for lists (None: everything)."""
    if access.sees_every_ticket(user):
        return None
    mine = sa.or_(
        tickets.c.requester_id == user.sub, tickets.c.assignee == user.sub, tickets.c.resolved_by == user.sub
    )
    return sa.or_(mine, tickets.c.status == "queued") if access.is_agent(user) else mine


def ensure_visible(user: Principal, row: AnyRow | None) -> AnyRow:
    if row is None or not can_view(user, row):
        raise NotFound("ticket not found")
    return row


def ensure_assignee(user: Principal, row: AnyRow | None, doing: str) -> AnyRow:
    row = ensure_visible(user, row)
    if row.assignee != user.sub:
        if row.status != "assigned":
            # nobody holds it (handed off, resolved, expired): a state conflict, e.g. the caller's own
            # hand-off that beat their result, not a question of who they are
            raise Conflict(
                f"the ticket is {row.status}; it is no longer assigned to you", slug="not-assigned"
            )
        raise Forbidden(f"only the ticket's assignee may {doing}")
    return row
