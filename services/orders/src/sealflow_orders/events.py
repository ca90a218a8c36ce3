"""The events orders consumes (through the kit's signed, deduplicated `POST /v1/events`)."""

from __future__ import annotations

from sealflow_orders.service.events import on_approval_decided, on_ticket_resolved
from sealkit.contracts.approval import REQUEST_DECIDED
from sealkit.contracts.ticketing import TICKET_RESOLVED
from sealkit.events import Handler

EVENT_HANDLERS: dict[str, Handler] = {
    REQUEST_DECIDED: on_approval_decided,
    TICKET_RESOLVED: on_ticket_resolved,
}
