"""The events orders consumes (through the kit's signed, deduplicated `POST /v1/events`)."""

from __future__ import annotations

from typing import Any

from sealflow_orders.service.events import on_approval_decided, on_ticket_resolved
from sealkit.contracts.approval import REQUEST_DECIDED, RequestDecided
from sealkit.contracts.ticketing import TICKET_RESOLVED, TicketResolved
from sealkit.events import EventHandler

EVENT_HANDLERS: list[EventHandler[Any]] = [
    EventHandler(REQUEST_DECIDED, RequestDecided, on_approval_decided),
    EventHandler(TICKET_RESOLVED, TicketResolved, on_ticket_resolved),
]
