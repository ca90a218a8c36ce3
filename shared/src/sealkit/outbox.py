"""Transactional outbox: events written with the state change, delivered by a replica-safe dispatcher.

A row per (event, destination). `sealkit.dispatcher` delivers them: it leases due rows with
`FOR UPDATE SKIP LOCKED` (any number of replicas share the work), POSTs each signed body, and records
delivery, a retry with exponential backoff, or a dead letter once the attempts run out.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from sealkit.auth import require_roles
from sealkit.contracts.base import Contract
from sealkit.db import DbConn, after_commit
from sealkit.ids import new_id
from sealkit.jsonutil import dumps
from sealkit.problems import NotFound
from sealkit.tables import outbox
from sealkit.types import utcnow

log = logging.getLogger("sealkit.outbox")
BROKER_DESTINATION = "broker:"  # rows for the event broker; `sealkit.broker.relay` publishes them


class Outbox:
    """Writes events into the caller's transaction and wakes the local dispatcher after commit."""

    def __init__(self, subscriptions: Iterable[tuple[str, str]], *, source: str = "") -> None:
        self._subscriptions = list(subscriptions)
        self.source = source  # the producing service, named in every envelope it signs
        self.wakeup = asyncio.Event()

    def subscriber_urls(self) -> frozenset[str]:
        """The operator's destinations; any other one was given by a caller (sealkit.outbound)."""
        return frozenset(url for _, url in self._subscriptions)

    def destinations(self, event_type: str) -> list[str]:
        return [url for pattern, url in self._subscriptions if pattern in ("*", event_type)]

    async def emit(
        self,
        conn: AsyncConnection,
        event_type: str,
        data: Contract | dict[str, Any],
        *,
        also_to: Iterable[str | None] = (),
        occurred_at: datetime | None = None,
    ) -> uuid.UUID:
        """Add the event to the transaction `conn` is in, one row per subscriber and extra destination."""
        rows = self.rows(event_type, data, also_to=also_to, occurred_at=occurred_at)
        if rows:
            await conn.execute(sa.insert(outbox), rows)
            after_commit(conn, self.wakeup.set)
        return uuid.UUID(str(rows[0]["event_id"])) if rows else new_id()

    async def emit_many(self, conn: AsyncConnection, events: Sequence[tuple[str, Contract]]) -> None:
        """Several events in one round trip (e.g. a task per approver)."""
        rows = self.rows_for(conn, events)
        if rows:
            await conn.execute(sa.insert(outbox), rows)

    def rows_for(
        self,
        conn: AsyncConnection | None,
        events: Sequence[tuple[str, Contract]],
        *,
        also_to: Iterable[str | None] = (),
    ) -> list[dict[str, Any]]:
        """The outbox rows of `events`, for a caller that inserts them with its own rows
        (`sealkit.sql.insert_rows`). The dispatcher is woken once `conn`'s transaction commits; with no
        `conn` (a `Database.statement()`), the caller calls `wake()` after its statement."""
        extra = list(also_to)
        rows = [row for event_type, data in events for row in self.rows(event_type, data, also_to=extra)]
        if rows and conn is not None:
            after_commit(conn, self.wakeup.set)
        return rows

    def wake(self) -> None:
        """Tell this process's dispatcher that rows were just committed."""
        self.wakeup.set()

    def rows(
        self,
        event_type: str,
        data: Contract | dict[str, Any],
        *,
        also_to: Iterable[str | None] = (),
        occurred_at: datetime | None = None,
    ) -> list[dict[str, Any]]:
        destinations = list(dict.fromkeys([*self.destinations(event_type), *(u for u in also_to if u)]))
        if not destinations:
            return []
        now = utcnow()
        event_id = new_id()
        payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
        envelope = {"id": str(event_id), "type": event_type, "source": self.source}
        body = dumps({**envelope, "occurred_at": occurred_at or now, "data": payload}).decode()
        return [
            {
                "id": new_id(),
                "event_id": event_id,
                "event_type": event_type,
                "destination": url,
                "body": body,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for url in destinations
        ]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a delivery hook learns of one row: delivered (with the peer's answer) or parked as dead."""

    event_id: uuid.UUID
    event_type: str
    destination: str
    body: str
    delivered: bool
    status_code: int | None
    answer: bytes
    error: str | None


# Runs in the transaction that records the outcome (inside a savepoint): its effect happens once. A hook
# that raises on a delivered row turns the delivery into a failed attempt, so it is retried.
DeliveryHook = Callable[[AsyncConnection, Delivery, "Outbox"], Awaitable[None]]


class DeadLetter(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    destination: str
    attempts: int
    last_error: str | None
    created_at: datetime
    body: dict[str, Any]


class DeadLetterPage(BaseModel):
    items: list[DeadLetter]
    next_cursor: str | None


def dead_letter_router() -> APIRouter:
    """Admin endpoints to see parked events and send them again."""
    router = APIRouter(
        prefix="/v1/outbox", tags=["outbox"], dependencies=[Depends(require_roles("admin", "monitor"))]
    )

    @router.get("/dead-letters", response_model=DeadLetterPage)
    async def list_dead_letters(conn: DbConn, limit: Annotated[int, "page size"] = 100) -> DeadLetterPage:
        from sealkit.jsonutil import loads

        rows = (
            await conn.execute(
                sa.select(outbox)
                .where(outbox.c.status == "dead")
                .order_by(outbox.c.created_at)
                .limit(min(max(limit, 1), 500))
            )
        ).all()
        return DeadLetterPage(
            next_cursor=None,
            items=[
                DeadLetter(
                    id=r.id,
                    event_id=r.event_id,
                    event_type=r.event_type,
                    destination=r.destination,
                    attempts=r.attempts,
                    last_error=r.last_error,
                    created_at=r.created_at,
                    body=loads(r.body),
                )
                for r in rows
            ],
        )

    @router.post(
        "/dead-letters/{row_id}/retry", status_code=202, dependencies=[Depends(require_roles("admin"))]
    )
    async def retry_dead_letter(row_id: uuid.UUID, conn: DbConn, request: Request) -> dict[str, str]:
        done = await conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == row_id, outbox.c.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=utcnow())
            .returning(outbox.c.id)
        )
        if done.first() is None:
            raise NotFound("no dead letter with this id")
        box: Outbox = request.app.state.outbox
        after_commit(conn, box.wakeup.set)
        return {"status": "pending"}

    return router
