"""Contracts of the ticketing service: the events it consumes and emits, and its callback bodies.

- `ticket.requested` (consumed): another service (orders) asks for a ticket.
- `ticket.callback` (sent to a ticket type's `callback_url` before the ticket enters the pool); the
  callback answers in its HTTP response body (any JSON object), which ticketing reports on.
- `ticket.callback.reported` (to the requester's `notify_url` and subscribers): the callback's outcome.
- `ticket.resolved`, `ticket.overdue`, `ticket.feedback` (to subscribers and the `notify_url`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from sealkit.contracts.base import Contract
from sealkit.contracts.types import FreeJSON
from sealkit.outbound import OutboundUrl

TICKET_REQUESTED = "ticket.requested"
TICKET_CALLBACK = "ticket.callback"
TICKET_CALLBACK_REPORTED = "ticket.callback.reported"
TICKET_RESOLVED = "ticket.resolved"
TICKET_OVERDUE = "ticket.overdue"
TICKET_FEEDBACK = "ticket.feedback"

TicketStatus = Literal["callback_pending", "queued", "assigned", "resolved", "closed"]
Verdict = Literal["accept", "reopen"]


class Requester(Contract):
    id: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")


class TicketRequested(Contract):
    """Open a ticket from another service; `ticket_id`, when given, makes the new ticket's id known upfront."""

    ticket_id: UUID | None = None
    type: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    data: FreeJSON = Field(default_factory=dict)
    priority: int | None = Field(None, ge=1, le=100)
    requester: Requester
    notify_url: OutboundUrl | None = None
    reference: str | None = Field(None, max_length=200, description="the producer's own id, e.g. an order id")


class TicketCallback(Contract):
    """What a ticket type's callback receives (signed, retried) before the ticket enters the pool."""

    ticket_id: UUID
    type: str
    title: str
    description: str
    data: FreeJSON
    requester: Requester
    reference: str | None
    due_at: datetime


class CallbackReported(Contract):
    """The callback's outcome, reported to the requester; `answer` is the callback's JSON reply, if any."""

    ticket_id: UUID
    type: str
    reference: str | None
    requester_id: str
    ok: bool
    status_code: int | None
    answer: dict[str, Any] | None
    error: str | None
    reported_at: datetime


class TicketResolved(Contract):
    ticket_id: UUID
    type: str
    reference: str | None
    requester_id: str
    assignee: str
    result: str
    resolved_at: datetime
    due_at: datetime
    late: bool


class TicketOverdue(Contract):
    ticket_id: UUID
    type: str
    reference: str | None
    requester_id: str
    assignee: str | None
    status: TicketStatus
    due_at: datetime
    priority: int


class TicketFeedback(Contract):
    ticket_id: UUID
    type: str
    reference: str | None
    requester_id: str
    verdict: Verdict
    rating: int | None
    comment: str | None
    status: TicketStatus
