"""The ticketing rules as pure functions: deadlines, locks, who may see a ticket, automatic dispatch.

Priority raises and claim order live in `priority.py`; business-hours arithmetic in `calendar.py`.

- `due_at` = creation (or reopening) + the type's SLA, counted in business minutes when the type has
  a calendar, else in wall-clock minutes.
- A lock runs from now for N minutes and must end by `due_at`; it lapses by itself at `locked_until`.
- Automatic dispatch gives each queued ticket, in claim order, to an eligible agent (available,
  handles the ticket's type, below capacity): the least loaded one; among equally loaded agents the
  one assigned longest ago (never-assigned first), which makes a round-robin among equals.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from sealflow_ticketing.calendar import BusinessCalendar, add_business_minutes

TicketStatus = Literal["callback_pending", "queued", "assigned", "resolved", "closed"]
OPEN: frozenset[str] = frozenset({"callback_pending", "queued", "assigned"})


@lru_cache(maxsize=256)
def _calendar(canonical: str) -> BusinessCalendar:
    return BusinessCalendar.parse(json.loads(canonical))


def calendar_of(data: dict[str, Any] | None) -> BusinessCalendar | None:
    """A type's stored calendar, parsed once per process per distinct calendar."""
    if not data:
        return None
    return _calendar(json.dumps(data, sort_keys=True))


def due_at(start: datetime, sla_minutes: int, calendar: dict[str, Any] | None) -> datetime:
    return add_business_minutes(start, sla_minutes, calendar_of(calendar))


def lock_refusal(now: datetime, minutes: int, due: datetime) -> str | None:
    """Why a lock of `minutes` from `now` is refused, or None when it may be taken."""
    until = now + timedelta(minutes=minutes)
    if until > due:
        return (
            f"a {minutes}-minute lock would end at {until.isoformat()}, after the ticket's due_at "
            f"{due.isoformat()}; lock for at most {max(0, int((due - now).total_seconds() // 60))} minutes"
        )
    return None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


@dataclass(frozen=True, slots=True)
class QueuedTicket:
    id: Any
    type_key: str


@dataclass(frozen=True, slots=True)
class AgentSlot:
    agent_id: str
    types: frozenset[str] | None  # None: every type
    capacity: int
    load: int  # tickets now assigned to the agent
    last_assigned_at: datetime | None

    def handles(self, type_key: str) -> bool:
        return self.types is None or type_key in self.types


def plan_dispatch(
    queue: Sequence[QueuedTicket], agents: Sequence[AgentSlot], now: datetime
) -> list[tuple[Any, str]]:
    """(ticket id, agent id) pairs for the queue, given in claim order; tickets nobody can take wait."""
    load = {a.agent_id: a.load for a in agents}
    last = {a.agent_id: a.last_assigned_at for a in agents}
    plan: list[tuple[Any, str]] = []
    for ticket in queue:
        eligible = [a for a in agents if a.handles(ticket.type_key) and load[a.agent_id] < a.capacity]
        if not eligible:
            continue
        chosen = min(eligible, key=lambda a: _fairness_key(load[a.agent_id], last[a.agent_id], a.agent_id))
        plan.append((ticket.id, chosen.agent_id))
        load[chosen.agent_id] += 1
        last[chosen.agent_id] = now
        # Successive picks in one round get strictly later stamps, so ties rotate within the round too.
        now = now + timedelta(microseconds=1)
    return plan


def _fairness_key(load: int, last_assigned: datetime | None, agent_id: str) -> tuple[int, int, float, str]:
    if last_assigned is None:
        return (load, 0, 0.0, agent_id)
    return (load, 1, last_assigned.timestamp(), agent_id)


def handled_types(agents: Sequence[AgentSlot]) -> frozenset[str] | None:
    """The types some agent with room can take (None: any type), to fetch only tickets that can go out."""
    out: set[str] = set()
    for agent in agents:
        if agent.load >= agent.capacity:
            continue
        if agent.types is None:
            return None
        out |= agent.types
    return frozenset(out)
