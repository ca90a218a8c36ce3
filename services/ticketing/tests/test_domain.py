"""Pure rules: dispatch planning (least loaded, round-robin among equals, capacity), locks, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sealflow_ticketing.domain import (
    AgentSlot,
    QueuedTicket,
    due_at,
    handled_types,
    is_locked,
    lock_refusal,
    plan_dispatch,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TYPES = ("a", "b", "c")


def slot(
    agent: str, load: int = 0, capacity: int = 5, types: set[str] | None = None, last: int | None = None
) -> AgentSlot:
    stamp = NOW - timedelta(minutes=last) if last is not None else None
    return AgentSlot(agent, frozenset(types) if types is not None else None, capacity, load, stamp)


def queue(*types: str) -> list[QueuedTicket]:
    return [QueuedTicket(i, t) for i, t in enumerate(types)]


def test_least_loaded_agent_gets_the_ticket() -> None:
    plan = plan_dispatch(queue("a"), [slot("x", load=2), slot("y", load=1), slot("z", load=3)], NOW)
    assert plan == [(0, "y")]


def test_equals_take_turns_starting_with_the_longest_idle() -> None:
    agents = [slot("x", last=1), slot("y", last=10), slot("z")]  # z never assigned, y idle longest
    plan = plan_dispatch(queue("a", "a", "a", "a", "a", "a"), agents, NOW)
    assert [agent for _, agent in plan] == ["z", "y", "x", "z", "y", "x"]


def test_types_and_capacity_are_respected_and_unservable_tickets_wait() -> None:
    agents = [slot("x", types={"a"}, capacity=1), slot("y", types={"b"}, capacity=2)]
    plan = plan_dispatch(queue("a", "a", "b", "c", "b", "b"), agents, NOW)
    assert plan == [(0, "x"), (2, "y"), (4, "y")]


def test_handled_types() -> None:
    assert handled_types([slot("x", types={"a"}), slot("y", types={"b"})]) == frozenset({"a", "b"})
    assert handled_types([slot("x", types={"a"}), slot("y")]) is None
    assert handled_types([slot("x", types={"a"}, load=5, capacity=5)]) == frozenset()


agent_strategy = st.builds(
    slot,
    agent=st.sampled_from([f"agent-{i}" for i in range(8)]),
    load=st.integers(0, 4),
    capacity=st.integers(1, 5),
    types=st.none() | st.sets(st.sampled_from(TYPES), max_size=3),
    last=st.none() | st.integers(0, 100),
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    agents=st.lists(agent_strategy, max_size=6, unique_by=lambda a: a.agent_id),
    types=st.lists(st.sampled_from(TYPES), max_size=30),
)
def test_dispatch_properties(agents: list[AgentSlot], types: list[str]) -> None:
    tickets = queue(*types)
    plan = plan_dispatch(tickets, agents, NOW)
    by_id = {a.agent_id: a for a in agents}
    load = {a.agent_id: a.load for a in agents}
    given_ids = [ticket_id for ticket_id, _ in plan]
    assert len(given_ids) == len(set(given_ids))  # a ticket goes out at most once
    assert given_ids == sorted(given_ids)  # in queue (claim) order
    planned = dict(plan)
    for ticket in tickets:
        eligible = [a for a in agents if a.handles(ticket.type_key) and load[a.agent_id] < a.capacity]
        if ticket.id not in planned:
            assert not eligible  # nothing is left behind that someone could take
            continue
        chosen = by_id[planned[ticket.id]]
        assert chosen.handles(ticket.type_key)
        assert load[chosen.agent_id] == min(load[a.agent_id] for a in eligible)  # least loaded
        load[chosen.agent_id] += 1
    assert all(load[a.agent_id] <= max(a.capacity, a.load) for a in agents)


def test_lock_must_end_by_due_at() -> None:
    due = NOW + timedelta(minutes=30)
    assert lock_refusal(NOW, 30, due) is None
    refusal = lock_refusal(NOW, 31, due)
    assert refusal is not None and "at most 30 minutes" in refusal
    assert lock_refusal(NOW, 1, NOW - timedelta(minutes=1)) is not None
    assert is_locked(NOW + timedelta(seconds=1), NOW)
    assert not is_locked(NOW, NOW)
    assert not is_locked(None, NOW)


def test_due_at_with_and_without_calendar() -> None:
    assert due_at(NOW, 90, None) == NOW + timedelta(minutes=90)
    office = {"timezone": "UTC", "working_hours": {"mon": [["09:00", "10:00"]]}}
    # Monday 09:00 + 90 business minutes: one hour today, 30 minutes next Monday.
    assert due_at(NOW, 90, office) == NOW + timedelta(days=7, minutes=30)
