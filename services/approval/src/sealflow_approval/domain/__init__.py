"""The approval rules as pure functions: how a group's and a request's outcome follow from decisions.

- group `all`: approved when every task is approved; rejected at the first rejection.
- group `any`: approved at the first approval; rejected when every task is rejected.
- group `quorum` (n of m): approved when n tasks are approved; rejected as soon as n approvals can
  no longer be reached (approved + still pending < n).
- request `combine` `all`/`any`: the same two rules over its groups.
- A decided group cancels its pending tasks; a decided request cancels its pending groups and
  tasks; a decided request never changes again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

GroupMode = Literal["all", "any", "quorum"]
Combine = Literal["all", "any"]
Outcome = Literal["pending", "approved", "rejected"]
Decision = Literal["approve", "reject"]
TaskStatus = Literal["pending", "approved", "rejected", "cancelled"]
GroupStatus = Literal["pending", "approved", "rejected", "cancelled"]
RequestStatus = Literal["pending", "approved", "rejected", "withdrawn"]


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts over the live (not cancelled) members of a group, or over a request's groups."""

    total: int
    approved: int = 0
    rejected: int = 0

    @property
    def pending(self) -> int:
        return self.total - self.approved - self.rejected

    def add(self, decision: Decision) -> Tally:
        if decision == "approve":
            return Tally(self.total, self.approved + 1, self.rejected)
        return Tally(self.total, self.approved, self.rejected + 1)


def group_outcome(mode: GroupMode, tally: Tally, min_approvals: int | None = None) -> Outcome:
    if mode == "all":
        return _every_approves(tally)
    if mode == "any":
        return _one_approves(tally)
    needed = min_approvals if min_approvals is not None else tally.total
    if tally.approved >= needed:
        return "approved"
    if tally.approved + tally.pending < needed:
        return "rejected"
    return "pending"


def request_outcome(combine: Combine, groups: Tally) -> Outcome:
    return _every_approves(groups) if combine == "all" else _one_approves(groups)


def _every_approves(tally: Tally) -> Outcome:
    if tally.rejected > 0:
        return "rejected"
    return "approved" if tally.approved == tally.total else "pending"


def _one_approves(tally: Tally) -> Outcome:
    if tally.approved > 0:
        return "approved"
    return "rejected" if tally.rejected == tally.total else "pending"


def decision_status(decision: Decision) -> Literal["approved", "rejected"]:
    return "approved" if decision == "approve" else "rejected"


def validate_group(mode: GroupMode, approvers: Sequence[str], min_approvals: int | None) -> str | None:
    """Why a group definition is invalid, or None."""
    if not approvers:
        return "a group needs at least one approver"
    if len(set(approvers)) != len(approvers):
        return "an approver appears at most once per group"
    if mode == "quorum":
        if min_approvals is None:
            return "a quorum group needs min_approvals"
        if not 1 <= min_approvals <= len(approvers):
            return f"min_approvals must be between 1 and the number of approvers ({len(approvers)})"
    elif min_approvals is not None:
        return f"min_approvals applies only to quorum groups, not to mode {mode!r}"
    return None
