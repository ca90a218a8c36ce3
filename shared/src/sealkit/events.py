"""Receiving events: `POST /v1/events` verifies the signature, validates the event's data against the
contract its handler was registered with, and applies each event id once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealkit.contracts.base import Event
from sealkit.contracts.producers import PRODUCERS
from sealkit.db import DbConn
from sealkit.problems import Forbidden, Unauthorized, Unprocessable
from sealkit.signing import HEADER, verify
from sealkit.sql import insert_ignoring_conflicts
from sealkit.tables import inbox_events
from sealkit.types import utcnow

if TYPE_CHECKING:  # app.py builds the intake from this module, so the import goes one way at run time
    from sealkit.app import Runtime

log = logging.getLogger("sealkit.events")
C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True)
class EventHandler(Generic[C]):
    """What a service does with one event type: `handle` gets the event's data already validated as
    `contract`, in the intake's transaction, with the envelope (its id, its time) and the runtime."""

    event_type: str
    contract: type[C]
    handle: Callable[[AsyncConnection, C, Event, Runtime], Awaitable[None]]
    # the services whose events of this type are taken; empty: the type's producers in `PRODUCERS`
    sources: frozenset[str] = frozenset()

    def validate(self, event: Event) -> C:
        try:
            return self.contract.model_validate(event.data)
        except ValidationError as exc:
            raise Unprocessable(f"not a {self.event_type} body: {exc.errors()[0]['msg']}") from exc


def events_router(
    handlers: Iterable[EventHandler[Any]], producers: Mapping[str, frozenset[str]] = PRODUCERS
) -> APIRouter:
    """The intake for the event types this service consumes, each from the service that produces it.

    An event whose source does not produce its type (per `PRODUCERS`, or the handler's `sources`) is
    refused (403). A genuine event of a type without a handler is acknowledged as "ignored" and leaves
    no trace: a caller-given URL pointed at our own intake delivers a signed event, never one we act
    on. An event whose data does not meet its contract is refused (422) before anything is written, so
    the sender can retry a corrected one under the same id. A handler runs in the same transaction as
    the inbox row, so an event takes effect exactly once.
    """
    by_type = handlers_by_type(handlers)
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
        status = await take_in(conn, by_type.get(event.type), event, request.app.state.runtime, producers)
        return {"status": status}

    return router


def handlers_by_type(handlers: Iterable[EventHandler[Any]]) -> dict[str, EventHandler[Any]]:
    by_type: dict[str, EventHandler[Any]] = {}
    for handler in handlers:
        if handler.event_type in by_type:
            raise ValueError(f"two handlers for {handler.event_type}")
        by_type[handler.event_type] = handler
    return by_type


async def take_in(
    conn: AsyncConnection,
    handler: EventHandler[Any] | None,
    event: Event,
    runtime: Runtime,
    producers: Mapping[str, frozenset[str]] = PRODUCERS,
) -> str:
    """Apply `event` once, in `conn`'s transaction: `processed`, `duplicate` or `ignored`. The one
    intake of both transports (`POST /v1/events` and the broker's consumer, `sealkit.broker`).

    A source that does not produce the type is refused (Forbidden); a genuine event of a type without
    a handler is ignored and leaves no trace (a notify_url gets every ticket event)."""
    allowed = (handler.sources if handler is not None else frozenset()) or producers.get(event.type)
    if not allowed or event.source not in allowed:
        raise Forbidden(f"{event.source!r} does not produce {event.type!r} events", slug="wrong-source")
    if handler is None:
        return "ignored"
    data = handler.validate(event)
    inserted = await conn.execute(
        insert_ignoring_conflicts(
            conn, inbox_events, {"event_id": event.id, "event_type": event.type, "received_at": utcnow()}
        ).returning(inbox_events.c.event_id)
    )
    if inserted.first() is None:
        return "duplicate"
    await handler.handle(conn, data, event, runtime)
    return "processed"
