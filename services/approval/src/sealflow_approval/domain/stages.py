"""Requests in stages, as pure functions: which groups of a definition apply to a form, which stage opens
next, who approves in a group once its roles resolve, and what status each stage shows.

The plan is what a request keeps of its definition's version (`approval_requests.stages`): its stages in
order, each group with its approver references and, when its `when` is false for the form, why it is left
out. Stages open one after another; a stage with no group left is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sealflow_approval.domain.conditions import evaluate

StageStatus = Literal["waiting", "pending", "approved", "rejected", "skipped", "cancelled"]
LEFT_OUT_BY_CONDITION = "its condition is false for this form"

Plan = list[dict[str, Any]]


def plan_stages(stages: Sequence[Mapping[str, Any]], form: Mapping[str, Any]) -> Plan:
    """The definition's stages for this form: each group marked `left_out` when its `when` is false."""
    return [
        {
            "name": stage["name"],
            "combine": stage.get("combine", "all"),
            "groups": [
                {
                    "name": g["name"],
                    "mode": g["mode"],
                    "min_approvals": g.get("min_approvals"),
                    "approvers": list(g["approvers"]),
                    "left_out": None if evaluate(g.get("when"), form) else LEFT_OUT_BY_CONDITION,
                }
                for g in stage["groups"]
            ],
        }
        for stage in stages
    ]


def included_groups(stage: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [g for g in stage["groups"] if g.get("left_out") is None]


def next_stage(plan: Plan, after: int) -> int | None:
    """The first stage after `after` (-1: from the start) with a group left, or None: the last is done."""
    for index in range(after + 1, len(plan)):
        if included_groups(plan[index]):
            return index
    return None


def skipped_between(plan: Plan, after: int, until: int | None) -> list[int]:
    """The stages skipped on the way from `after` to `until` (None: to the end)."""
    end = len(plan) if until is None else until
    return list(range(after + 1, end))


@dataclass(frozen=True, slots=True)
class Resolved:
    """A group's approvers once its roles resolve, the applicant left out."""

    approvers: list[dict[str, Any]]  # [{"id", "email", "email_approval"}], each id once
    applicant_left_out: bool
    problem: str | None  # why the group cannot run (no approver left, a quorum out of reach)


def role_names(refs: Sequence[Mapping[str, Any]]) -> set[str]:
    return {r["role"] for r in refs if r.get("role")}


def resolve_approvers(
    refs: Sequence[Mapping[str, Any]],
    roles: Mapping[str, Sequence[Mapping[str, Any]]],
    applicant_id: str | None,
) -> tuple[list[dict[str, Any]], bool]:
    """The people `refs` name ({"user": id[, "email", "email_approval"]} or {"role": name}), in order,
    each once, without the applicant; and whether the applicant was among them."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    applicant_seen = False
    for ref in refs:
        if ref.get("user"):
            members: Sequence[Mapping[str, Any]] = [
                {
                    "id": ref["user"],
                    "email": ref.get("email"),
                    "email_approval": bool(ref.get("email_approval")),
                }
            ]
        else:
            members = roles.get(str(ref.get("role")), [])
        for m in members:
            if m["id"] == applicant_id:
                applicant_seen = True
                continue
            if m["id"] in seen:
                continue
            seen.add(m["id"])
            out.append(
                {"id": m["id"], "email": m.get("email"), "email_approval": bool(m.get("email_approval"))}
            )
    return out, applicant_seen


def resolve_group(
    group: Mapping[str, Any], roles: Mapping[str, Sequence[Mapping[str, Any]]], applicant_id: str
) -> Resolved:
    approvers, applicant_left_out = resolve_approvers(group["approvers"], roles, applicant_id)
    problem = None
    if not approvers:
        problem = f"group {group['name']!r} has no approver left" + (
            " once the applicant is left out" if applicant_left_out else ""
        )
    elif group["mode"] == "quorum" and (group.get("min_approvals") or 0) > len(approvers):
        problem = (
            f"group {group['name']!r} needs {group['min_approvals']} approvals but has only "
            f"{len(approvers)} approver(s)"
        )
    return Resolved(approvers, applicant_left_out, problem)


def stage_status(index: int, plan: Plan, current: int | None, request_status: str) -> StageStatus:
    """What a stage shows: skipped (no group left), approved (passed), the current one as the request
    stands, waiting (still ahead), or cancelled (ahead of a request that was decided or withdrawn)."""
    if not included_groups(plan[index]):
        return "skipped"
    if current is None or index < current:
        return "approved"
    if index == current:
        return "cancelled" if request_status == "withdrawn" else request_status  # type: ignore[return-value]
    return "waiting" if request_status == "pending" else "cancelled"
