"""Order statuses and transitions as pure rules, checked over every (actor, from, to)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from sealflow_orders.domain.orders import STATUSES, TERMINAL, allowed, may_rate, order_number

ACTORS = ("approval", "ticket", "provider", "staff", "applicant")


@given(st.sampled_from(ACTORS), st.sampled_from(STATUSES), st.sampled_from(STATUSES))
def test_the_transition_rules(actor: str, current: str, wanted: str) -> None:
    ok = allowed(actor, current, wanted)  # type: ignore[arg-type]  # sampled from the Literal's values
    if current in TERMINAL:
        assert not ok, "a finished order never moves"
    if current == "awaiting_approval" and wanted not in ("cancelled",):
        assert ok == (actor == "approval" and wanted in ("dispatched", "rejected")), "only approval decides"
    if wanted == "dispatched":
        assert not ok or (actor == "approval" and current == "awaiting_approval")
    if actor == "approval":
        assert not ok or current == "awaiting_approval"
    if actor == "applicant":
        assert ok == (wanted == "cancelled" and current == "awaiting_approval")
    if actor == "ticket":
        assert ok == (wanted == "completed" and current in ("dispatched", "in_progress"))
    if wanted == "rejected":
        assert not ok or actor in ("approval", "provider")


def test_rating_needs_completion_and_happens_once() -> None:
    assert may_rate("completed", False) is None
    assert may_rate("completed", True) == "the order is already rated"
    assert may_rate("in_progress", False) is not None


def test_order_numbers_read_well_and_sort_by_day() -> None:
    day = datetime(2026, 12, 1, tzinfo=UTC)
    assert order_number(day, 7) == "SF2026120100007"
    assert order_number(day, 7) < order_number(day, 12) < order_number(datetime(2026, 12, 2, tzinfo=UTC), 1)
