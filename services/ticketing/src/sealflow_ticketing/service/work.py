"""Working a ticket: claim, assign, lock, unlock, hand off, post the result, the requester's feedback."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_ticketing import access, domain, priority
from sealflow_ticketing import repository as repo
from sealflow_ticketing.models import ticket_events, tickets
from sealflow_ticketing.schemas import (
    AssignIn,
    ClaimIn,
    FeedbackIn,
    HandoffIn,
    LockIn,
    LockOut,
    ResultIn,
    TicketOut,
)
from sealflow_ticketing.service.common import (
    ensure_assignee,
    ensure_visible,
    event_row,
    later,
    ticket_out,
)
from sealkit.auth import Principal
from sealkit.contracts.ticketing import (
    TICKET_FEEDBACK,
    TICKET_RESOLVED,
    TicketFeedback,
    TicketResolved,
)
from sealkit.db import HotConnection
from sealkit.outbox import Outbox
from sealkit.problems import Conflict, Forbidden, NotFound
from sealkit.sql import insert
from sealkit.types import utcnow


async def claim(conn: AsyncConnection, *, user: Principal, body: ClaimIn | None) -> TicketOut | None:
    """The next ticket in pool order, now the caller's; None when nothing (of those types) is queued."""
    row = await repo.claim(conn, user.sub, body.types if body else None, utcnow())
    return None if row is None else ticket_out(row)


async def claim_at_once(driver: HotConnection, *, user: Principal, body: ClaimIn | None) -> TicketOut | None:
    """`claim` as one autocommit statement on PostgreSQL, the claim and its timeline entry (the hot path)."""
    found = await repo.claim_at_once(driver, user.sub, body.types if body else None, utcnow())
    return None if found is None else ticket_out(found)


async def assign(conn: AsyncConnection, *, user: Principal, ticket_id: UUID, body: AssignIn) -> TicketOut:
    """A supervisor gives a queued or assigned ticket to an agent; a live lock needs `break_lock`."""
    row = await repo.lock_ticket(conn, ticket_id)
    if row is None:
        raise NotFound("ticket not found")
    if row.status not in ("queued", "assigned"):
        raise Conflict(f"the ticket is {row.status}; only queued or assigned tickets can be assigned")
    now = utcnow()
    breaking = domain.is_locked(row.locked_until, now) and row.assignee != body.agent_id
    if breaking and not body.break_lock:
        raise Conflict(
            f"the ticket is locked by {row.assignee} until {row.locked_until.isoformat()}; "
            "send break_lock: true to take it anyway",
            slug="ticket-locked",
        )
    updated = await repo.update_ticket(
        conn,
        ticket_id,
        {"status": "assigned", "assignee": body.agent_id, "assigned_at": now, "locked_until": None},
    )
    assert updated is not None  # the row is locked by this transaction
    detail = {"agent_id": body.agent_id, "previous": row.assignee, "lock_broken": breaking}
    await insert(conn, ticket_events, [event_row(ticket_id, user.sub, "assigned", at=now, detail=detail)])
    return ticket_out(updated)


async def lock(conn: AsyncConnection, *, user: Principal, ticket_id: UUID, body: LockIn) -> LockOut:
    row = ensure_assignee(user, await repo.lock_ticket(conn, ticket_id), "lock it")
    if row.status != "assigned":
        raise Conflict(f"the ticket is {row.status}; only an assigned ticket can be locked")
    now = utcnow()
    refusal = domain.lock_refusal(now, body.minutes, row.due_at)
    if refusal:
        raise Conflict(refusal, slug="lock-outlasts-due")
    until = now + timedelta(minutes=body.minutes)
    await repo.update_ticket(conn, ticket_id, {"locked_until": until})
    detail = {"minutes": body.minutes, "locked_until": until.isoformat()}
    await insert(conn, ticket_events, [event_row(ticket_id, user.sub, "locked", at=now, detail=detail)])
    return LockOut(locked_until=until)


async def unlock(conn: AsyncConnection, *, user: Principal, ticket_id: UUID) -> LockOut:
    """The assignee releases the lock, or a supervisor breaks it; unlocking an unlocked ticket is a no-op."""
    row = ensure_visible(user, await repo.lock_ticket(conn, ticket_id))
    if not access.may_unlock(user, row.assignee):
        raise Forbidden("only the assignee or a supervisor may unlock the ticket")
    now = utcnow()
    if not domain.is_locked(row.locked_until, now):
        return LockOut(locked_until=None)
    await repo.update_ticket(conn, ticket_id, {"locked_until": None})
    action = "unlocked" if row.assignee == user.sub else "lock_broken"
    await insert(conn, ticket_events, [event_row(ticket_id, user.sub, action, at=now)])
    return LockOut(locked_until=None)


async def handoff(conn: AsyncConnection, *, user: Principal, ticket_id: UUID, body: HandoffIn) -> TicketOut:
    """交单: back to the pool, unassigned, priority raised by `priority.raise_on_handoff`."""
    row = ensure_assignee(user, await repo.lock_ticket(conn, ticket_id), "hand it off")
    if row.status != "assigned":
        raise Conflict(f"the ticket is {row.status}; only an assigned ticket can be handed off")
    now = utcnow()
    raised = priority.raise_on_handoff(row.priority, row.handoffs + 1)
    updated = await repo.update_ticket(
        conn,
        ticket_id,
        {
            "status": "queued",
            "assignee": None,
            "assigned_at": None,
            "locked_until": None,
            "handoffs": row.handoffs + 1,
            "priority": raised,
        },
    )
    assert updated is not None
    detail = {"reason": body.reason, "priority": [row.priority, raised]}
    await insert(conn, ticket_events, [event_row(ticket_id, user.sub, "handed_off", at=now, detail=detail)])
    return ticket_out(updated)


async def post_result(
    conn: AsyncConnection, outbox: Outbox, *, user: Principal, ticket_id: UUID, body: ResultIn
) -> TicketOut:
    """Resolve with its KPI facts (one conditional statement), deliver the result to the requester."""
    now = utcnow()
    row = await repo.resolve(conn, ticket_id, user.sub, body.result, now)
    if row is None:
        current = ensure_assignee(user, await repo.get_ticket(conn, ticket_id), "post its result")
        raise Conflict(f"the ticket is {current.status}; only an assigned ticket takes a result")
    await outbox.emit(
        conn,
        TICKET_RESOLVED,
        TicketResolved(
            ticket_id=ticket_id,
            type=row.type_key,
            reference=row.reference,
            requester_id=row.requester_id,
            assignee=user.sub,
            result=body.result,
            resolved_at=now,
            due_at=row.due_at,
            late=bool(row.late),
        ),
        also_to=[row.notify_url],
    )
    return ticket_out(row)


async def post_result_at_once(
    driver: HotConnection, outbox: Outbox, *, user: Principal, ticket_id: UUID, body: ResultIn
) -> TicketOut | None:
    """`post_result` as one autocommit statement on PostgreSQL (the hot path): the resolution, its
    timeline entry and the `ticket.resolved` outbox rows. None when it was refused: the caller then runs
    `post_result`, which explains why."""
    row = await repo.resolve_at_once(driver, outbox, ticket_id, user.sub, body.result, utcnow())
    if row is None:
        return None
    outbox.wake()
    return ticket_out(row)


async def feedback(
    conn: AsyncConnection, outbox: Outbox, *, user: Principal, ticket_id: UUID, body: FeedbackIn
) -> TicketOut:
    """The requester accepts (closed) or reopens (queued again, priority raised, a fresh SLA)."""
    row = ensure_visible(user, await repo.lock_ticket(conn, ticket_id))
    if not access.may_give_feedback(user, row.requester_id):
        raise Forbidden("only the ticket's requester may give feedback")
    if row.status != "resolved":
        raise Conflict(f"the ticket is {row.status}; feedback is for a resolved ticket")
    now = utcnow()
    values: dict[str, object] = {"rating": body.rating, "feedback_comment": body.comment}
    if body.verdict == "accept":
        values.update(status="closed", closed_at=now)
    else:
        kind = await repo.get_type(conn, row.type_key)
        assert kind is not None  # tickets reference their type
        values.update(
            status="queued",
            priority=priority.raise_on_reopen(row.priority),
            reopens=row.reopens + 1,
            assignee=None,
            assigned_at=None,
            locked_until=None,
            overdue=False,
            due_at=domain.due_at(now, kind.sla_minutes, kind.calendar),
        )
    updated = await repo.update_ticket(conn, ticket_id, values, tickets.c.status == "resolved")
    assert updated is not None
    history = [
        event_row(
            ticket_id,
            user.sub,
            "feedback",
            at=now,
            detail={"verdict": body.verdict, "rating": body.rating, "comment": body.comment},
            agent_id=row.resolved_by,
            type_key=row.type_key,
            rating=body.rating,
        ),
        event_row(
            ticket_id,
            user.sub,
            "closed" if body.verdict == "accept" else "reopened",
            at=later(now),
            detail=None if body.verdict == "accept" else {"priority": [row.priority, updated.priority]},
        ),
    ]
    await insert(conn, ticket_events, history)
    await outbox.emit(
        conn,
        TICKET_FEEDBACK,
        TicketFeedback(
            ticket_id=ticket_id,
            type=row.type_key,
            reference=row.reference,
            requester_id=row.requester_id,
            verdict=body.verdict,
            rating=body.rating,
            comment=body.comment,
            status=updated.status,
        ),
    )
    return ticket_out(updated)
