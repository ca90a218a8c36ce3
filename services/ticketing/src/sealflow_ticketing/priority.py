"""Ticket priority and claim-ordering rules (pure functions).

Rules:

* A priority is an int; a higher number is more urgent. Priorities always live in
  ``PRIORITY_MIN .. PRIORITY_MAX`` (1..100): out-of-range values are clamped, never rejected,
  so a raise can saturate at 100 but never overflow it.
* Raises never lower a priority and are applied to the clamped value:

  - hand-off: ``+10 * handoffs``, where ``handoffs`` is the number of hand-offs so far
    including the one being applied; a ticket that keeps being passed on escalates faster
    (1st hand-off +10, 2nd +20, 3rd +30, ...);
  - reopen: ``+15``;
  - overdue (SLA breached): ``+20``.

* Claim order: highest priority first, then earliest ``due_at``, then earliest
  ``created_at``. ``claim_order_key`` returns a sort key where the smaller key is claimed
  first (the priority is negated and clamped, datetimes normalised to UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = [
    "HANDOFF_STEP",
    "OVERDUE_STEP",
    "PRIORITY_MAX",
    "PRIORITY_MIN",
    "REOPEN_STEP",
    "claim_order_key",
    "clamp",
    "raise_on_handoff",
    "raise_on_overdue",
    "raise_on_reopen",
]

PRIORITY_MIN = 1
PRIORITY_MAX = 100

HANDOFF_STEP = 10
REOPEN_STEP = 15
OVERDUE_STEP = 20


def clamp(p: int) -> int:
    """``p`` limited to ``PRIORITY_MIN .. PRIORITY_MAX``."""
    return max(PRIORITY_MIN, min(PRIORITY_MAX, p))


def raise_on_handoff(priority: int, handoffs: int) -> int:
    """Priority after a hand-off: ``+10`` per hand-off so far (``handoffs`` counts this one), capped."""
    if handoffs < 0:
        raise ValueError(f"handoffs must be >= 0, got {handoffs}")
    return clamp(clamp(priority) + HANDOFF_STEP * handoffs)


def raise_on_reopen(priority: int) -> int:
    """Priority after the ticket is reopened: ``+15``, capped."""
    return clamp(clamp(priority) + REOPEN_STEP)


def raise_on_overdue(priority: int) -> int:
    """Priority once the ticket's SLA is breached: ``+20``, capped."""
    return clamp(clamp(priority) + OVERDUE_STEP)


def claim_order_key(priority: int, due_at: datetime, created_at: datetime) -> tuple[int, datetime, datetime]:
    """Sort key for the claim queue; ``sorted(tickets, key=...)`` puts the next ticket to claim first.

    ``due_at`` and ``created_at`` must be timezone-aware (naive and aware datetimes cannot be
    ordered against each other, which would break the queue at sort time instead of here).
    """
    for name, value in (("due_at", due_at), ("created_at", created_at)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware")
    return (-clamp(priority), due_at.astimezone(UTC), created_at.astimezone(UTC))
