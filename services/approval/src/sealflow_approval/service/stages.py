"""Requests opened from a definition: creation (the form checked against the definition's schema, the
stages planned, the first opened) and the opening of the next stage when one is approved.

Both run in the caller's transaction under the request's lock (a new request's row; `decide` locks the
request first), so a stage opens exactly once however many approvers decide at the same moment. The
one-statement decision never settles a staged request (repository.decision): settling one goes through
here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple

from jsonschema import Draft202012Validator
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval import repository as repo
from sealflow_approval.domain.stages import (
    Plan,
    Resolved,
    included_groups,
    next_stage,
    plan_stages,
    resolve_approvers,
    resolve_group,
    role_names,
)
from sealflow_approval.models import audit, groups, requests, tasks
from sealflow_approval.repository import definitions as definitions_repo
from sealflow_approval.schemas import ApproverIn, RequestCreate, RequestOut
from sealflow_approval.service.common import (
    audit_row,
    cc_events,
    check_deadline,
    invalid,
    request_row_of,
    request_view,
    task_created,
    task_row,
)
from sealkit.auth import Principal
from sealkit.contracts.approval import STAGE_OPENED, TASK_CREATED, StageOpened
from sealkit.contracts.base import Contract
from sealkit.ids import new_id
from sealkit.outbox import Outbox
from sealkit.sql import insert, insert_rows
from sealkit.tables import outbox as outbox_table
from sealkit.types import utcnow

Events = list[tuple[str, Contract]]
UNSTAFFED = "unstaffed"  # the audit action when a stage opens with a group nobody is left to approve in


async def create_from_definition(
    conn: AsyncConnection,
    outbox: Outbox,
    *,
    user: Principal,
    body: RequestCreate,
    default_remind_minutes: int,
) -> RequestOut:
    """Open a request from the newest version of its definition: 422 naming each form error, each group
    left without approvers; the first stage with a group left opens now, the ones before it are skipped."""
    now = utcnow()
    check_deadline(body, now)
    key = str(body.definition)
    definition = await definitions_repo.latest_definition(conn, key)
    if definition is None:
        raise invalid([(["body", "definition"], f"no approval definition {key!r}")])
    form_errors = sorted(
        Draft202012Validator(definition.form_schema).iter_errors(body.form),
        key=lambda e: list(e.absolute_path),
    )
    if form_errors:
        raise invalid([(["body", "form", *e.absolute_path], e.message) for e in form_errors])
    plan = plan_stages(definition.stages, body.form)
    first = next_stage(plan, -1)
    if first is None:
        raise invalid([(["body", "form"], f"no stage of {key!r} applies to this form")])
    roles = await definitions_repo.role_members(conn, _roles_of(plan, definition.cc))
    # every stage is staffed now (its roles may change before it opens; then it is checked again)
    resolved = {i: _resolve_stage(plan[i], roles, user.sub) for i in range(first, len(plan))}
    problems = [
        ([*_group_loc(key, i, j)], f"stage {plan[i]['name']!r}: {r.problem}")
        for i, stage in resolved.items()
        for j, r in stage.items()
        if r.problem
    ]
    if problems:
        raise invalid(problems)
    cc, _ = resolve_approvers(definition.cc, roles, user.sub)
    remind = body.remind_every_minutes or default_remind_minutes or None
    request_row = request_row_of(
        user, body, now, remind, combine=plan[first]["combine"], group_count=len(included_groups(plan[first])),
        definition_key=key, definition_version=definition.version, stages=plan, current_stage=first,
        cc=[{"id": c["id"], "email": c["email"]} for c in cc],
    )  # fmt: skip
    # the timeline runs in id order within an instant: "created" comes first
    created = audit_row(request_row["id"], user.sub, "created", at=now,
                        detail={"definition": key, "version": definition.version})  # fmt: skip
    group_rows, task_rows, events, audits = _open(
        request_row, plan, -1, first, resolved[first], now, user.sub
    )
    events.extend(cc_events(request_row, "pending", now))
    audits.insert(0, created)
    batches = [(requests, [request_row]), (groups, group_rows), (tasks, task_rows), (audit, audits)]
    await insert_rows(conn, [*batches, (outbox_table, outbox.rows_for(conn, events))])
    return request_view(request_row, group_rows, task_rows)


class NextStage(NamedTuple):
    """What approving a stage led to: the next stage open (pending), the request approved (no stage
    follows), or rejected because a group of the next stage has nobody left to approve (`unstaffed`)."""

    request_status: Literal["pending", "approved", "rejected"]
    unstaffed: list[str]


async def open_next_stage(
    conn: AsyncConnection, outbox: Outbox, request: Any, *, now: datetime, actor: str
) -> NextStage:
    """After the current stage of a locked, staged request approved: open the next stage with a group left,
    its roles resolved now. A group left with nobody to approve fails closed: a role emptied since the
    request was opened must not let it through unapproved (the caller rejects it)."""
    plan: Plan = request.stages
    current = int(request.current_stage)
    following = next_stage(plan, current)
    if following is None:
        return NextStage("approved", [])
    roles = await definitions_repo.role_members(conn, _roles_of([plan[following]], []))
    resolved = _resolve_stage(plan[following], roles, request.applicant_id)
    unstaffed = [f"stage {plan[following]['name']!r}: {r.problem}" for r in resolved.values() if r.problem]
    if unstaffed:
        return NextStage("rejected", unstaffed)
    r = request._mapping
    fields = ("title", "form", "applicant_id", "deadline_at", "remind_every_minutes")
    shown = {"id": r["request_id"], **{k: r[k] for k in fields}}
    group_rows, task_rows, events, audits = _open(shown, plan, current, following, resolved, now, actor)
    await repo.update_request(
        conn, r["request_id"], current_stage=following, combine=plan[following]["combine"],
        group_count=len(group_rows), approved_groups=0, rejected_groups=0,
    )  # fmt: skip
    # the stage is decided: its groups still pending (a stage combining `any`) are cancelled with it
    await repo.cancel_everything_pending(conn, r["request_id"], now)
    await insert(conn, groups, group_rows)
    await insert(conn, tasks, task_rows)
    await insert(conn, audit, audits)
    await outbox.emit_many(conn, events)
    return NextStage("pending", [])


def _roles_of(plan: Plan, cc: Sequence[Mapping[str, Any]]) -> set[str]:
    names = role_names(cc)
    for stage in plan:
        for g in included_groups(stage):
            names |= role_names(g["approvers"])
    return names


def _resolve_stage(
    stage: Mapping[str, Any], roles: Mapping[str, Sequence[Mapping[str, Any]]], applicant_id: str
) -> dict[int, Resolved]:
    return {
        j: resolve_group(g, roles, applicant_id)
        for j, g in enumerate(stage["groups"])
        if g.get("left_out") is None
    }


def _group_loc(key: str, stage: int, group: int) -> list[str | int]:
    return ["definition", key, "stages", stage, "groups", group, "approvers"]


def _open(
    request: dict[str, Any],
    plan: Plan,
    after: int,
    index: int,
    resolved: Mapping[int, Resolved],
    now: datetime,
    actor: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Events, list[dict[str, Any]]]:
    """The rows and events of opening stage `index` (coming from stage `after`): its groups and tasks,
    `approval.task.created` for each task, `approval.stage.opened`, and the timeline's entries for the
    stages skipped on the way and for this one."""
    stage = plan[index]
    group_rows: list[dict[str, Any]] = []
    task_rows: list[dict[str, Any]] = []
    events: Events = []
    opened = []
    for j, group in enumerate(stage["groups"]):
        if j not in resolved:
            continue
        approvers = resolved[j].approvers
        group_row = {
            "id": new_id(), "request_id": request["id"], "position": index * 1000 + j, "stage": index,
            "stage_name": stage["name"], "name": group["name"], "mode": group["mode"],
            "min_approvals": group.get("min_approvals"), "status": "pending", "task_count": len(approvers),
            "approved_count": 0, "rejected_count": 0, "decided_at": None,
        }  # fmt: skip
        group_rows.append(group_row)
        for approver in approvers:
            task = task_row(
                request["id"], group_row["id"], ApproverIn(**approver), now, request["remind_every_minutes"]
            )
            task_rows.append(task)
            events.append((TASK_CREATED, task_created(task, group_row, request)))
        opened.append({"name": group["name"], "approvers": [a["id"] for a in approvers],
                       "applicant_left_out": resolved[j].applicant_left_out})  # fmt: skip
    skipped = list(range(after + 1, index))
    audits = [
        audit_row(request["id"], actor, "stage_skipped", at=now, detail={"stage": i, "name": plan[i]["name"]})
        for i in skipped
    ]
    audits.append(audit_row(request["id"], actor, "stage_opened", at=now,
                            detail={"stage": index, "name": stage["name"], "groups": opened}))  # fmt: skip
    events.append(
        (
            STAGE_OPENED,
            StageOpened(
                request_id=request["id"], title=request["title"], applicant_id=request["applicant_id"],
                stage=index, stage_name=stage["name"], group_names=[g["name"] for g in group_rows],
                skipped_stages=skipped, opened_at=now,
            ),
        )
    )  # fmt: skip
    return group_rows, task_rows, events, audits
