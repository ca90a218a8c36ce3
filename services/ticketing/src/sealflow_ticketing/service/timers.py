"""Timer rounds (run by workers.py): overdue flags, lapsed locks, automatic dispatch.

Each round takes its rows with FOR UPDATE SKIP LOCKED and changes them with a guard on the state it
read, so any number of replicas can run the same round at once and every change happens once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_ticketing import domain, priority
from sealflow_ticketing import repository as repo
from sealflow_ticketing.models import ticket_events, tickets
from sealflow_ticketing.service.common import SYSTEM, event_row, later
from sealkit.contracts.ticketing import TICKET_OVERDUE, TicketOverdue
from sealkit.outbox import Outbox
from sealkit.sql import insert

DISPATCHER = f"{SYSTEM}:dispatcher"


async def flag_overdue(conn: AsyncConnection, outbox: Outbox, *, now: datetime, limit: int) -> int:
    """Unresolved tickets past due_at: flagged overdue, priority raised, `ticket.overdue` emitted once."""
    rows = await repo.due_for_overdue(conn, now, limit)
    history = []
    for row in rows:
        raised = priority.raise_on_overdue(row.priority)
        updated = await repo.update_ticket(
            conn, row.id, {"overdue": True, "priority": raised}, tickets.c.overdue.is_(False)
        )
        if updated is None:
            continue
        history.append(
            event_row(row.id, SYSTEM, "overdue", at=now, detail={"priority": [row.priority, raised]})
        )
        await outbox.emit(
            conn,
            TICKET_OVERDUE,
            TicketOverdue(
                ticket_id=row.id,
                type=row.type_key,
                reference=row.reference,
                requester_id=row.requester_id,
                assignee=row.assignee,
                status=row.status,
                due_at=row.due_at,
                priority=raised,
            ),
            also_to=[row.notify_url],
        )
    await insert(conn, ticket_events, history)
    return len(rows)


async def expire_locks(conn: AsyncConnection, *, now: datetime, limit: int) -> int:
    """Locks past locked_until are cleared (they already stopped counting) and the timeline says so."""
    rows = await repo.lapsed_locks(conn, now, limit)
    if not rows:
        return 0
    cleared = await repo.clear_locks(conn, [r.id for r in rows], now)
    await insert(conn, ticket_events, [event_row(r.id, SYSTEM, "lock_expired", at=now) for r in cleared])
    return len(rows)


async def dispatch_round(conn: AsyncConnection, *, now: datetime, limit: int) -> int:
    """Give queued tickets to available agents (least loaded, round-robin among equals).

    Agents' rows are locked in one order first, so concurrent dispatchers take turns on the loads;
    tickets are taken with SKIP LOCKED, so a ticket a claim is taking right now is left to the claim.
    """
    agent_rows = await repo.lock_available_agents(conn)
    if not agent_rows:
        return 0
    agent_loads = await repo.agent_loads(conn, [a.agent_id for a in agent_rows])
    slots = [
        domain.AgentSlot(
            agent_id=a.agent_id,
            types=frozenset(a.types) if a.types is not None else None,
            capacity=a.capacity,
            load=agent_loads.get(a.agent_id, 0),
            last_assigned_at=a.last_assigned_at,
        )
        for a in agent_rows
    ]
    types = domain.handled_types(slots)
    if types is not None and not types:
        return 0
    queue = await repo.queued_for_dispatch(conn, sorted(types) if types is not None else None, limit)
    plan = domain.plan_dispatch([domain.QueuedTicket(r.id, r.type_key) for r in queue], slots, now)
    if not plan:
        return 0
    await repo.assign_many(conn, plan, now)
    stamps: dict[str, datetime] = {}
    history = []
    for step, (ticket_id, agent_id) in enumerate(plan):
        stamps[agent_id] = later(now, step)  # the stamps plan_dispatch rotated on
        history.append(
            event_row(ticket_id, DISPATCHER, "assigned", at=now, detail={"agent_id": agent_id, "auto": True})
        )
    await repo.touch_agents(conn, stamps)
    await insert(conn, ticket_events, history)
    return len(plan)
