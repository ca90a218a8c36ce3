"""Ticket priority raises and claim ordering."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealflow_ticketing.priority import (
    PRIORITY_MAX,
    PRIORITY_MIN,
    claim_order_key,
    clamp,
    raise_on_handoff,
    raise_on_overdue,
    raise_on_reopen,
)

PROPS = settings(max_examples=200, deadline=None, database=None)

any_int = st.integers(-1_000, 1_000)
valid = st.integers(PRIORITY_MIN, PRIORITY_MAX)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))


def test_bounds() -> None:
    assert (PRIORITY_MIN, PRIORITY_MAX) == (1, 100)


@pytest.mark.parametrize(
    ("p", "expected"),
    [(-5, 1), (0, 1), (1, 1), (2, 2), (50, 50), (99, 99), (100, 100), (101, 100), (10**9, 100)],
)
def test_clamp(p: int, expected: int) -> None:
    assert clamp(p) == expected


@pytest.mark.parametrize(
    ("priority", "handoffs", "expected"),
    [
        (50, 0, 50),
        (50, 1, 60),
        (50, 2, 70),
        (50, 3, 80),
        (50, 5, 100),
        (50, 50, 100),
        (95, 1, 100),
        (0, 1, 11),
    ],
)
def test_raise_on_handoff(priority: int, handoffs: int, expected: int) -> None:
    assert raise_on_handoff(priority, handoffs) == expected


def test_raise_on_handoff_rejects_negative_count() -> None:
    with pytest.raises(ValueError, match="handoffs"):
        raise_on_handoff(50, -1)


@pytest.mark.parametrize(
    ("priority", "expected"), [(1, 16), (50, 65), (85, 100), (90, 100), (100, 100), (-7, 16)]
)
def test_raise_on_reopen(priority: int, expected: int) -> None:
    assert raise_on_reopen(priority) == expected


@pytest.mark.parametrize(("priority", "expected"), [(1, 21), (50, 70), (80, 100), (99, 100), (250, 100)])
def test_raise_on_overdue(priority: int, expected: int) -> None:
    assert raise_on_overdue(priority) == expected


@PROPS
@given(any_int)
def test_clamp_is_in_range_and_idempotent(p: int) -> None:
    c = clamp(p)
    assert PRIORITY_MIN <= c <= PRIORITY_MAX
    assert clamp(c) == c
    if PRIORITY_MIN <= p <= PRIORITY_MAX:
        assert c == p


@PROPS
@given(any_int, any_int)
def test_clamp_is_monotonic(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert clamp(lo) <= clamp(hi)


@PROPS
@given(any_int, st.integers(0, 20))
def test_raises_never_lower_stay_in_range_and_saturate(p: int, handoffs: int) -> None:
    for raised, step in (
        (raise_on_handoff(p, handoffs), 10 * handoffs),
        (raise_on_reopen(p), 15),
        (raise_on_overdue(p), 20),
    ):
        assert PRIORITY_MIN <= raised <= PRIORITY_MAX
        assert raised >= clamp(p)
        assert raised == min(PRIORITY_MAX, clamp(p) + step)


@PROPS
@given(any_int, any_int, st.integers(0, 20))
def test_raises_preserve_order(a: int, b: int, handoffs: int) -> None:
    lo, hi = sorted((a, b))
    assert raise_on_handoff(lo, handoffs) <= raise_on_handoff(hi, handoffs)
    assert raise_on_reopen(lo) <= raise_on_reopen(hi)
    assert raise_on_overdue(lo) <= raise_on_overdue(hi)


@PROPS
@given(valid, st.integers(0, 19))
def test_more_handoffs_never_lower(p: int, handoffs: int) -> None:
    assert raise_on_handoff(p, handoffs) <= raise_on_handoff(p, handoffs + 1)


def test_claim_order_key_shape() -> None:
    due = datetime(2026, 3, 2, 9, tzinfo=UTC)
    created = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert claim_order_key(70, due, created) == (-70, due, created)
    assert claim_order_key(500, due, created)[0] == -PRIORITY_MAX


def test_claim_order_worked_example() -> None:
    t = datetime(2026, 3, 2, 9, tzinfo=UTC)
    hour = timedelta(hours=1)
    tickets = {
        "low-urgent-due": (10, t, t),
        "high-late-due": (90, t + 5 * hour, t),
        "high-early-due-new": (90, t + hour, t + 2 * hour),
        "high-early-due-old": (90, t + hour, t),
        "mid": (50, t, t - hour),
    }
    order = sorted(tickets, key=lambda name: claim_order_key(*tickets[name]))
    assert order == ["high-early-due-old", "high-early-due-new", "high-late-due", "mid", "low-urgent-due"]


def test_claim_order_key_compares_instants_across_zones() -> None:
    due_utc = datetime(2026, 3, 2, 9, tzinfo=UTC)
    due_shanghai = datetime(2026, 3, 2, 17, tzinfo=timezone(timedelta(hours=8)))  # same instant
    created = datetime(2026, 3, 1, tzinfo=UTC)
    assert claim_order_key(50, due_utc, created) == claim_order_key(50, due_shanghai, created)
    key = claim_order_key(50, due_shanghai, created)
    assert key[1].tzinfo is UTC


AWARE = datetime(2026, 3, 2, tzinfo=UTC)
NAIVE = datetime(2026, 3, 2)


@pytest.mark.parametrize(
    ("due_at", "created_at", "which"), [(NAIVE, AWARE, "due_at"), (AWARE, NAIVE, "created_at")]
)
def test_claim_order_key_rejects_naive(due_at: datetime, created_at: datetime, which: str) -> None:
    with pytest.raises(ValueError, match=which):
        claim_order_key(50, due_at, created_at)


ticket = st.tuples(valid, moments, moments)


@PROPS
@given(st.lists(ticket, max_size=30))
def test_sorted_by_key_follows_the_rule(tickets: list[tuple[int, datetime, datetime]]) -> None:
    ordered = sorted(tickets, key=lambda t: claim_order_key(*t))
    for (p1, due1, created1), (p2, due2, created2) in itertools.pairwise(ordered):
        assert p1 >= p2
        if p1 == p2:
            assert due1 <= due2
            if due1 == due2:
                assert created1 <= created2


@PROPS
@given(ticket, ticket)
def test_key_order_matches_pairwise_rule(
    a: tuple[int, datetime, datetime], b: tuple[int, datetime, datetime]
) -> None:
    def first_claimed(x: tuple[int, datetime, datetime], y: tuple[int, datetime, datetime]) -> bool:
        if x[0] != y[0]:
            return x[0] > y[0]
        if x[1] != y[1]:
            return x[1] < y[1]
        return x[2] < y[2]

    assert (claim_order_key(*a) < claim_order_key(*b)) == first_claimed(a, b)
