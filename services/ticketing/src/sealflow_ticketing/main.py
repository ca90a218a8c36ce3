"""The ticketing service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from fastapi import FastAPI

from sealflow_ticketing import service
from sealflow_ticketing.config import TicketingSettings
from sealflow_ticketing.router import router
from sealflow_ticketing.workers import timers
from sealkit.app import create_service_app
from sealkit.contracts.ticketing import TICKET_CALLBACK, TICKET_REQUESTED, TicketRequested
from sealkit.events import EventHandler

SERVICE = "ticketing"


def create_app(settings: TicketingSettings | None = None, *, database_url: str | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        title="Sealflow ticketing",
        description="The work-order pool: ticket types with SLAs, claims by priority, locks, hand-offs, "
        "results, feedback, automatic dispatch and agent KPIs.",
        settings=settings or TicketingSettings(),
        routers=[router],
        event_handlers=[EventHandler(TICKET_REQUESTED, TicketRequested, service.on_ticket_requested)],
        delivery_hooks={TICKET_CALLBACK: service.on_callback_delivery},
        workers=[timers],
        database_url=database_url,
    )
