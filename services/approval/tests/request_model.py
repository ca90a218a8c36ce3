"""A reference model of a whole request, a test oracle: the rules of sealflow_approval.domain applied to
every group and task in memory, for the property tests (test_domain.py) to compare orders of decisions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from sealflow_approval.domain import (
    Combine,
    Decision,
    GroupMode,
    GroupStatus,
    RequestStatus,
    Tally,
    TaskStatus,
    decision_status,
    group_outcome,
    request_outcome,
)


@dataclass
class GroupModel:
    mode: GroupMode
    tasks: list[TaskStatus]
    min_approvals: int | None = None
    status: GroupStatus = "pending"

    def tally(self) -> Tally:
        live = [t for t in self.tasks if t != "cancelled"]
        return Tally(len(live), live.count("approved"), live.count("rejected"))


@dataclass
class RequestModel:
    combine: Combine
    groups: list[GroupModel]
    status: RequestStatus = "pending"
    history: list[RequestStatus] = field(default_factory=list)

    def decide(self, group: int, task: int, decision: Decision) -> bool:
        """Apply one decision; False (and no change) when the task is no longer pending."""
        g = self.groups[group]
        if self.status != "pending" or g.status != "pending" or g.tasks[task] != "pending":
            return False
        g.tasks[task] = decision_status(decision)
        outcome = group_outcome(g.mode, g.tally(), g.min_approvals)
        if outcome != "pending":
            g.status = outcome
            g.tasks = [("cancelled" if t == "pending" else t) for t in g.tasks]
            self._settle()
        self.history.append(self.status)
        return True

    def _settle(self) -> None:
        statuses = [g.status for g in self.groups]
        tally = Tally(len(statuses), statuses.count("approved"), statuses.count("rejected"))
        outcome = request_outcome(self.combine, tally)
        if outcome != "pending":
            self.finish(outcome)

    def finish(self, status: Literal["approved", "rejected", "withdrawn"]) -> None:
        """Decide the request (also by withdrawal or deadline) and cancel everything still pending."""
        self.status = status
        for g in self.groups:
            if g.status == "pending":
                g.status = "cancelled"
            g.tasks = [("cancelled" if t == "pending" else t) for t in g.tasks]


def pending_tasks(model: RequestModel) -> Iterable[tuple[int, int]]:
    for gi, g in enumerate(model.groups):
        for ti, t in enumerate(g.tasks):
            if t == "pending":
                yield gi, ti
