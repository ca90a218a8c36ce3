"""Receiving events: `POST /v1/events` verifies the signature and applies each event id once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealkit.contracts.base import Event
from sealkit.contracts.producers import PRODUCERS
from sealkit.db import DbConn
from sealkit.problems import Forbidden, Unauthorized, Unprocessable
from sealkit.signing import HEADER, verify
from sealkit.sql import insert_ignoring_conflicts
from sealkit.tables import inbox_events
from sealkit.types import utcnow

log = logging.getLogger("sealkit.events")
Handler = Callable[[AsyncConnection, Event, Any], Awaitable[None]]


def events_router(
    handlers: Mapping[str, Handler], producers: Mapping[str, frozenset[str]] = PRODUCERS
) -> APIRouter:
    """The intake for the event types this service consumes, each from the service that produces it.

    Any other type is refused (422), and so is a type from another source (403): a caller-given URL
    pointed at our own intake delivers a genuinely signed event, but never one we act on.
    A handler runs in the same transaction as the inbox row, so an event takes effect exactly once.
    It receives the app's state as its third argument.
    """
    router = APIRouter(tags=["events"])

    @router.post("/v1/events", summary="Receive a signed event (service to service)")
    async def receive_event(request: Request, conn: DbConn) -> dict[str, str]:
        raw = await request.body()
        if not verify(raw, request.app.state.settings.event_secret, request.headers.get(HEADER)):
            raise Unauthorized(f"missing or wrong {HEADER}", slug="bad-signature")
        try:
            event = Event.model_validate_json(raw)
        except ValidationError as exc:
            raise Unprocessable(f"not an event envelope: {exc.errors()[0]['msg']}") from exc
        handler = handlers.get(event.type)
        if handler is None:
            raise Unprocessable(
                f"this service does not subscribe to {event.type!r} events", slug="not-subscribed"
            )
        if event.source not in producers.get(event.type, ()):
            raise Forbidden(f"{event.source!r} does not produce {event.type!r} events", slug="wrong-source")
        inserted = await conn.execute(
            insert_ignoring_conflicts(
                conn, inbox_events, {"event_id": event.id, "event_type": event.type, "received_at": utcnow()}
            ).returning(inbox_events.c.event_id)
        )
        if inserted.first() is None:
            return {"status": "duplicate"}
        await handler(conn, event, request.app.state)
        return {"status": "processed"}

    return router
