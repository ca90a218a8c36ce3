"""Order statuses and who may move an order from one to another: pure rules, tested exhaustively."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

OrderStatus = Literal["awaiting_approval", "dispatched", "in_progress", "completed", "rejected", "cancelled"]
Actor = Literal["approval", "ticket", "provider", "staff", "applicant"]

STATUSES: tuple[OrderStatus, ...] = (
    "awaiting_approval", "dispatched", "in_progress", "completed", "rejected", "cancelled",
)  # fmt: skip
TERMINAL: frozenset[str] = frozenset({"completed", "rejected", "cancelled"})
OPEN: frozenset[str] = frozenset(STATUSES) - TERMINAL
UNDER_WAY: frozenset[str] = frozenset({"dispatched", "in_progress"})

# (actor, from) -> the statuses that actor may move an order to from there
_MOVES: dict[tuple[str, str], frozenset[str]] = {
    # only the approval service's decision lets an order past approval
    ("approval", "awaiting_approval"): frozenset({"dispatched", "rejected"}),
    # once dispatched, the work is someone else's: only staff may call it off then
    ("applicant", "awaiting_approval"): frozenset({"cancelled"}),
    ("staff", "awaiting_approval"): frozenset({"cancelled"}),
    ("staff", "dispatched"): frozenset({"in_progress", "completed", "cancelled"}),
    ("staff", "in_progress"): frozenset({"in_progress", "completed", "cancelled"}),
    ("ticket", "dispatched"): frozenset({"completed"}),
    ("ticket", "in_progress"): frozenset({"completed"}),
    ("provider", "dispatched"): frozenset({"in_progress", "completed", "rejected"}),
    ("provider", "in_progress"): frozenset({"in_progress", "completed", "rejected"}),
}


def allowed(actor: Actor, current: str, wanted: str) -> bool:
    """Whether `actor` may move an order in `current` to `wanted` (a terminal order never moves)."""
    return wanted in _MOVES.get((actor, current), frozenset())


def may_note(current: str) -> bool:
    """Staff may add a note (no status) to any order that is not finished."""
    return current not in TERMINAL


def may_rate(current: str, already_rated: bool) -> str | None:
    """Why the applicant cannot rate now (409), or None."""
    if already_rated:
        return "the order is already rated"
    if current != "completed":
        return f"only a completed order can be rated; this one is {current}"
    return None


def order_number(day: datetime, sequence: int) -> str:
    """A number a person can read out on the phone: SF + the day + a counter (at least 5 digits)."""
    return f"SF{day:%Y%m%d}{sequence:05d}"
