"""How tickets come in: ticket types, creation from the API and from `ticket.requested`, the callback."""

from __future__ import annotations

import uuid
from typing import Any, TypedDict, Unpack
from uuid import UUID

import asyncpg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_ticketing import access, domain
from sealflow_ticketing import repository as repo
from sealflow_ticketing.models import ticket_events, tickets
from sealflow_ticketing.schemas import TicketCreate, TicketOut, TicketTypeIn, TicketTypeOut, TicketTypeUpdate
from sealflow_ticketing.service.common import SYSTEM, event_row, later, ticket_out
from sealkit.app import Runtime
from sealkit.auth import Principal
from sealkit.contracts.base import Event
from sealkit.contracts.ticketing import (
    TICKET_CALLBACK,
    TICKET_CALLBACK_REPORTED,
    CallbackReported,
    Requester,
    TicketCallback,
    TicketRequested,
)
from sealkit.contracts.types import json_problem
from sealkit.db import HotConnection
from sealkit.jsonutil import loads
from sealkit.outbox import Delivery, Outbox
from sealkit.problems import Conflict, Forbidden, NotFound, Unprocessable
from sealkit.sql import insert, insert_rows, insert_rows_at_once
from sealkit.tables import outbox as outbox_table
from sealkit.types import utcnow


async def create_type(conn: AsyncConnection, *, body: TicketTypeIn) -> TicketTypeOut:
    now = utcnow()
    values = body.model_dump(mode="json")
    row = await repo.insert_type(conn, {**values, "created_at": now, "updated_at": now})
    if row is None:
        raise Conflict(f"ticket type {body.key!r} already exists", slug="type-exists")
    return TicketTypeOut.model_validate(dict(row._mapping))


async def update_type(conn: AsyncConnection, *, key: str, body: TicketTypeUpdate) -> TicketTypeOut:
    """New tickets follow the new SLA and priority; tickets already open keep their own due_at."""
    row = await repo.update_type(conn, key, {**body.model_dump(mode="json"), "updated_at": utcnow()})
    if row is None:
        raise NotFound("ticket type not found")
    return TicketTypeOut.model_validate(dict(row._mapping))


async def create_ticket(
    conn: AsyncConnection, outbox: Outbox, *, user: Principal, body: TicketCreate
) -> TicketOut:
    """Open a ticket for the caller (or, for access.ON_BEHALF roles, for someone else) in the caller's transaction."""
    return ticket_out(await open_ticket(conn, outbox, **_asked_by(user, body)))


async def create_ticket_at_once(
    driver: HotConnection, outbox: Outbox, *, user: Principal, body: TicketCreate
) -> TicketOut:
    """`create_ticket` on a `Database.statement()` connection (the hot path): a read of the type and one
    autocommit statement that writes the ticket, its first entry and any callback event."""
    return ticket_out(await open_ticket_at_once(driver, outbox, **_asked_by(user, body)))


class NewTicket(TypedDict):
    """What opening a ticket takes, from the API or from a `ticket.requested` event."""

    actor: str
    ticket_id: UUID
    type_key: str
    title: str
    description: str
    data: dict[str, Any]
    priority: int | None
    requester: Requester
    notify_url: str | None
    reference: str | None


def _asked_by(user: Principal, body: TicketCreate) -> NewTicket:
    requester = body.requester or Requester(id=user.sub, email=user.email)
    if not access.may_open_for(user, requester.id):
        raise Forbidden("only service, staff, supervisor or admin may open a ticket for someone else")
    return NewTicket(
        actor=user.sub,
        ticket_id=uuid.uuid4(),
        type_key=body.type,
        title=body.title,
        description=body.description,
        data=body.data,
        priority=body.priority,
        requester=requester,
        notify_url=str(body.notify_url) if body.notify_url else None,
        reference=body.reference,
    )


async def open_ticket(conn: AsyncConnection, outbox: Outbox, **ticket: Unpack[NewTicket]) -> dict[str, Any]:
    """Insert a ticket (queued, or callback_pending with its callback in the outbox) and its first entry,
    in the caller's transaction (one statement on PostgreSQL, sealkit.sql.insert_rows)."""
    row, history, events, also_to = _ticket_rows(await repo.get_type(conn, ticket["type_key"]), ticket)
    await insert_rows(conn, [
        (tickets, [row]), (ticket_events, history),
        (outbox_table, outbox.rows_for(conn, events, also_to=also_to)),
    ])  # fmt: skip
    return row


async def open_ticket_at_once(
    driver: HotConnection, outbox: Outbox, **ticket: Unpack[NewTicket]
) -> dict[str, Any]:
    """`open_ticket` as a read of the type and one autocommit statement (sealkit.sql.insert_rows_at_once)."""
    kind = await repo.get_type_at_once(driver, ticket["type_key"])
    row, history, events, also_to = _ticket_rows(kind, ticket)
    await insert_rows_at_once(driver, [
        (tickets, [row]), (ticket_events, history),
        (outbox_table, outbox.rows_for(None, events, also_to=also_to)),
    ])  # fmt: skip
    if events:
        outbox.wake()
    return row


def _ticket_rows(
    kind: Any, ticket: NewTicket
) -> tuple[dict[str, Any], list[dict[str, Any]], list[tuple[str, TicketCallback]], list[str | None]]:
    """The ticket's row, its first timeline entries and its callback event, if its type has one."""
    if kind is None:
        raise Unprocessable(f"there is no ticket type {ticket['type_key']!r}", slug="unknown-type")
    now = utcnow()
    status = "callback_pending" if kind.callback_url else "queued"
    row: dict[str, Any] = {
        "id": ticket["ticket_id"],
        "type_key": ticket["type_key"],
        "title": ticket["title"],
        "description": ticket["description"],
        "data": ticket["data"],
        "priority": kind.default_priority if ticket["priority"] is None else ticket["priority"],
        "requester_id": ticket["requester"].id,
        "requester_email": ticket["requester"].email,
        "notify_url": ticket["notify_url"],
        "reference": ticket["reference"],
        "status": status,
        "overdue": False,
        "assignee": None,
        "assigned_at": None,
        "locked_until": None,
        "handoffs": 0,
        "reopens": 0,
        "created_by": ticket["actor"],
        "created_at": now,
        "due_at": domain.due_at(now, kind.sla_minutes, kind.calendar),
        "resolved_at": None,
        "resolved_by": None,
        "result": None,
        "late": None,
        "closed_at": None,
        "rating": None,
        "feedback_comment": None,
        "callback": {"url": kind.callback_url, "status": "pending"} if kind.callback_url else None,
    }
    history = [event_row(ticket["ticket_id"], ticket["actor"], "created", at=now, detail={"status": status})]
    events: list[tuple[str, TicketCallback]] = []
    if kind.callback_url:
        events.append((
            TICKET_CALLBACK,
            TicketCallback(
                ticket_id=ticket["ticket_id"],
                type=ticket["type_key"],
                title=ticket["title"],
                description=ticket["description"],
                data=ticket["data"],
                requester=ticket["requester"],
                reference=ticket["reference"],
                due_at=row["due_at"],
            ),
        ))  # fmt: skip
        history.append(
            event_row(
                ticket["ticket_id"], SYSTEM, "callback_sent", at=later(now), detail={"url": kind.callback_url}
            )
        )
    return row, history, events, [kind.callback_url]


async def on_ticket_requested(
    conn: AsyncConnection, asked: TicketRequested, event: Event, runtime: Runtime
) -> None:
    """`ticket.requested` from another service; the inbox already made repeats of the event id no-ops."""
    ticket_id = asked.ticket_id or uuid.uuid5(uuid.NAMESPACE_URL, f"sealflow:event:{event.id}")
    if await repo.get_ticket(conn, ticket_id) is not None:
        return  # the same ticket asked for again under a new event id
    try:
        # a savepoint: a concurrent event with this ticket_id may commit the ticket first, and the
        # unique violation then must not abort the inbox transaction around it
        async with conn.begin_nested():
            await _open_requested(conn, runtime.outbox, ticket_id, asked)
    except (IntegrityError, asyncpg.UniqueViolationError):  # through SQLAlchemy, or the raw hot-path driver
        if await repo.get_ticket(conn, ticket_id) is None:
            raise
        # the loser of the race: the ticket it asked for exists, which is what it wanted


async def _open_requested(
    conn: AsyncConnection, outbox: Outbox, ticket_id: UUID, asked: TicketRequested
) -> None:
    await open_ticket(
        conn,
        outbox,
        actor=f"{SYSTEM}:events",
        ticket_id=ticket_id,
        type_key=asked.type,
        title=asked.title,
        description=asked.description,
        data=asked.data,
        priority=asked.priority,
        requester=asked.requester,
        notify_url=str(asked.notify_url) if asked.notify_url else None,
        reference=asked.reference,
    )


def _answer(raw: bytes) -> dict[str, Any] | None:
    if not raw.strip():
        return None
    try:
        value = loads(raw)
    except ValueError:
        return {"text": raw[:4000].decode("utf-8", "replace").replace("\x00", "")}
    answer = value if isinstance(value, dict) else {"value": value}
    # the peer's reply is stored in jsonb and shown: the same limits as any free-form JSON
    problem = json_problem(answer)
    return {"refused": problem} if problem else answer


async def on_callback_delivery(conn: AsyncConnection, delivery: Delivery, outbox: Outbox) -> None:
    """The type's callback answered (or was given up on): report it to the requester, then queue.

    A callback that never succeeds still queues the ticket, reported as failed, so no work is lost.
    Runs once per delivered or dead outbox row; a repeat finds the ticket no longer callback_pending.
    """
    ticket_id = UUID(str(loads(delivery.body)["data"]["ticket_id"]))
    row = await repo.lock_ticket(conn, ticket_id)
    if row is None or row.status != "callback_pending":
        return
    if (row.callback or {}).get("url") != delivery.destination:
        return  # a copy of the event that went to an ordinary subscriber
    now = utcnow()
    report = CallbackReported(
        ticket_id=ticket_id,
        type=row.type_key,
        reference=row.reference,
        requester_id=row.requester_id,
        ok=delivery.delivered,
        status_code=delivery.status_code,
        answer=_answer(delivery.answer) if delivery.delivered else None,
        error=delivery.error,
        reported_at=now,
    )
    outcome = {"url": delivery.destination, **report.model_dump(mode="json")}
    outcome["status"] = "answered" if delivery.delivered else "failed"
    await repo.update_ticket(conn, ticket_id, {"status": "queued", "callback": outcome})
    action = "callback_answered" if delivery.delivered else "callback_failed"
    await insert(
        conn,
        ticket_events,
        [
            event_row(ticket_id, SYSTEM, action, at=now, detail={"status_code": delivery.status_code}),
            event_row(ticket_id, SYSTEM, "queued", at=later(now)),
        ],
    )
    await outbox.emit(conn, TICKET_CALLBACK_REPORTED, report, also_to=[row.notify_url])
