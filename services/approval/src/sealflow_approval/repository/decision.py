"""The decision hot path: ONE autocommit statement (`Database.statement()`: no BEGIN, no COMMIT) that records
a decision and settles its group and its request when it does, with the audit entries and the
`approval.request.decided` outbox rows. Built once as a Core statement of data-modifying CTEs, like
ticketing's pool (`sealflow_ticketing.repository.pool`).

How it stays correct without a transaction: it reads the task, its group and its request from the
statement's snapshot, then locks the request with `version = <the version read>`. Every writer of a request
bumps the version under that lock (repository.writes; tests/test_request_version.py checks every one), so
if anyone committed since the snapshot was taken the lock finds no row and nothing is written: every write
below hangs off `req`, the locked request. The caller then takes the transactional path, which also
explains refusals (`service.decisions.decide`).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import ColumnElement

from sealflow_approval.models import audit, groups, requests, tasks
from sealflow_approval.repository.writes import TASK_OUT
from sealkit.contracts.approval import REQUEST_DECIDED, RequestDecided
from sealkit.db import HotConnection
from sealkit.event_sql import EventInSql
from sealkit.ids import new_id
from sealkit.outbox import Outbox
from sealkit.sql import constant, fetch_on_driver

Column = ColumnElement[Any]
# the statement's constants are written into its text, so its parameters are what changes per call
PENDING, APPROVED, REJECTED, CANCELLED = (
    constant(s) for s in ("pending", "approved", "rejected", "cancelled")
)


# The outcome rules of domain.group_outcome and domain.request_outcome, in terms of columns, for the
# statement below; tests/test_hot_path.py checks them against the domain on every small tally.
def group_outcome_after(
    mode: Column,
    min_approvals: Column,
    task_count: Column,
    approved_count: Column,
    rejected_count: Column,
    *,
    approved: Column,
    rejected: Column,
) -> ColumnElement[str]:
    """A pending group's outcome once a decision adds `approved` approvals and `rejected` rejections."""
    approvals, rejections = approved_count + approved, rejected_count + rejected
    needed = sa.func.coalesce(min_approvals, task_count)
    every_approves = sa.case(
        (rejections > constant(0), REJECTED), (approvals == task_count, APPROVED), else_=PENDING
    )
    one_approves = sa.case(
        (approvals > constant(0), APPROVED), (rejections == task_count, REJECTED), else_=PENDING
    )
    quorum = sa.case(
        (approvals >= needed, APPROVED), (task_count - rejections < needed, REJECTED), else_=PENDING
    )
    return sa.case(
        (mode == constant("all"), every_approves), (mode == constant("any"), one_approves), else_=quorum
    )


def request_outcome_after(
    combine: Column, group_count: Column, approved_groups: Column, rejected_groups: Column
) -> ColumnElement[str]:
    """A request's outcome from its counts of approved and rejected groups."""
    every_approves = sa.case(
        (rejected_groups > constant(0), REJECTED), (approved_groups == group_count, APPROVED), else_=PENDING
    )
    one_approves = sa.case(
        (approved_groups > constant(0), APPROVED), (rejected_groups == group_count, REJECTED), else_=PENDING
    )
    return sa.case((combine == constant("all"), every_approves), else_=one_approves)


# `approval.request.decided` as the decision writes it: these fields come from the settled request's row
DECIDED = EventInSql(
    REQUEST_DECIDED,
    RequestDecided,
    from_row=("request_id", "title", "applicant_id", "status"),
    name="decided",
)


def _param(name: str, column: sa.Column[Any]) -> Any:
    return sa.bindparam(name, type_=column.type)


class _Params:
    """The statement's bind parameters that several of its parts use (a namespace)."""

    task_id = _param("p_task", tasks.c.id)
    now = _param("p_now", tasks.c.decided_at)
    actor = _param("p_actor", tasks.c.decided_by)
    channel = _param("p_channel", tasks.c.channel)
    on_behalf_of = _param("p_on_behalf_of", tasks.c.approver_id)
    as_service = sa.bindparam("p_as_service", type_=sa.Boolean)
    approved = sa.bindparam("p_approved", type_=sa.Integer)  # 1 or 0, and p_rejected its complement
    rejected = sa.bindparam("p_rejected", type_=sa.Integer)


def _outcome(p: type[_Params]) -> Any:
    """`fin`: the task, its group and its request as the statement's snapshot has them, when the caller may
    decide the task now, with what the decision makes of them (group_after, approved_after, rejected_after,
    request_after). No row: the decision is refused (or the task unknown)."""
    read = (
        sa.select(
            tasks.c.request_id,
            tasks.c.group_id,
            tasks.c.approver_id,
            tasks.c.status.label("task_status"),
            requests.c.version,
            requests.c.status.label("request_status"),
            requests.c.combine,
            requests.c.group_count,
            requests.c.approved_groups,
            requests.c.rejected_groups,
            requests.c.title,
            requests.c.applicant_id,
            requests.c.callback_url,
            requests.c.definition_key,
            groups.c.status.label("group_status"),
            groups.c.mode,
            groups.c.min_approvals,
            groups.c.task_count,
            groups.c.approved_count,
            groups.c.rejected_count,
        )
        .join(requests, requests.c.id == tasks.c.request_id)
        .join(groups, groups.c.id == tasks.c.group_id)
        .where(tasks.c.id == p.task_id)
        .cte("read")
    )
    # the caller's own pending task, or (the service role) the task of the approver it acts for
    may_decide = sa.case(
        (p.as_service, sa.or_(p.on_behalf_of.is_(None), read.c.approver_id == p.on_behalf_of)),
        else_=sa.and_(
            read.c.approver_id == p.actor, sa.or_(p.on_behalf_of.is_(None), p.on_behalf_of == p.actor)
        ),
    )
    group_after = group_outcome_after(
        read.c.mode, read.c.min_approvals, read.c.task_count, read.c.approved_count, read.c.rejected_count,
        approved=p.approved, rejected=p.rejected,
    )  # fmt: skip
    decided = (
        sa.select(read, group_after.label("group_after"))
        .where(
            read.c.task_status == PENDING,
            read.c.request_status == PENDING,
            read.c.group_status == PENDING,
            may_decide,
        )
        .cte("decided")
    )
    counted = sa.select(
        decided,
        (decided.c.approved_groups + sa.cast(decided.c.group_after == APPROVED, sa.Integer)).label(
            "approved_after"
        ),
        (decided.c.rejected_groups + sa.cast(decided.c.group_after == REJECTED, sa.Integer)).label(
            "rejected_after"
        ),
    ).cte("counted")
    request_after = sa.case(
        (counted.c.group_after == PENDING, PENDING),
        else_=request_outcome_after(
            counted.c.combine, counted.c.group_count, counted.c.approved_after, counted.c.rejected_after
        ),
    )
    return sa.select(counted, request_after.label("request_after")).cte("fin")


@cache
def decide_at_once_statement() -> Any:
    """The statement (built once: building Core costs as much CPU as running it, bench/README.md)."""
    p = _Params
    task_id, now, actor, channel, approved, rejected = (
        p.task_id,
        p.now,
        p.actor,
        p.channel,
        p.approved,
        p.rejected,
    )
    fin = _outcome(p)
    group_settles, request_settles = fin.c.group_after != PENDING, fin.c.request_after != PENDING

    # the lock: no row when anyone wrote the request since `read` (its version moved on)
    req = (
        sa.update(requests)
        .where(requests.c.id == fin.c.request_id, requests.c.version == fin.c.version)
        .where(requests.c.status == PENDING)
        # a staged request (from a definition) is settled by the transaction, which opens its next stage
        # or approves it and tells its CC recipients (service.stages): never by this statement
        .where(sa.or_(fin.c.definition_key.is_(None), fin.c.request_after == PENDING))
        .values(
            version=requests.c.version + constant(1),
            approved_groups=fin.c.approved_after,
            rejected_groups=fin.c.rejected_after,
            status=fin.c.request_after,
            decided_at=sa.case((request_settles, now), else_=requests.c.decided_at),
        )
        .returning(requests.c.id)
        .cte("req")
    )
    task = (
        sa.update(tasks)
        .where(tasks.c.id == task_id, tasks.c.status == PENDING, tasks.c.request_id == req.c.id)
        .values(
            status=_param("p_status", tasks.c.status),
            decided_at=now,
            comment=_param("p_comment", tasks.c.comment),
            channel=channel,
            decided_by=actor,
            next_remind_at=sa.null(),
        )
        .returning(*TASK_OUT)
        .cte("task")
    )
    # a settled group cancels its other pending tasks; a settled request every pending task it has
    others = (
        sa.update(tasks)
        .where(req.c.id == fin.c.request_id, group_settles)
        .where(tasks.c.id != task_id, tasks.c.status == PENDING)
        .where(
            sa.or_(
                tasks.c.group_id == fin.c.group_id,
                sa.and_(request_settles, tasks.c.request_id == fin.c.request_id),
            )
        )
        .values(status=CANCELLED, decided_at=now)
        .cte("others")
    )
    own_group = groups.c.id == fin.c.group_id
    grp = (
        sa.update(groups)
        .where(req.c.id == fin.c.request_id)
        .where(
            sa.or_(
                own_group,
                sa.and_(request_settles, groups.c.request_id == fin.c.request_id, groups.c.status == PENDING),
            )
        )
        .values(
            approved_count=groups.c.approved_count + sa.case((own_group, approved), else_=constant(0)),
            rejected_count=groups.c.rejected_count + sa.case((own_group, rejected), else_=constant(0)),
            status=sa.case((own_group, fin.c.group_after), else_=CANCELLED),
            decided_at=sa.case(
                (sa.and_(own_group, fin.c.group_after == PENDING), groups.c.decided_at), else_=now
            ),
        )
        .cte("grp")
    )
    audited = ["id", "request_id", "at", "actor_id", "action", "channel", "task_id", "detail"]
    decision_entry = sa.select(
        _param("p_audit_id", audit.c.id), fin.c.request_id, now, actor,
        _param("p_decision", audit.c.action), channel, task_id, sa.bindparam("p_detail", type_=JSONB),
    ).where(req.c.id == fin.c.request_id)  # fmt: skip
    settled_entry = sa.select(
        _param("p_decided_audit_id", audit.c.id), fin.c.request_id, now, actor,
        constant("decided"), sa.null(), sa.null(), sa.func.jsonb_build_object(constant("status"), fin.c.request_after),
    ).where(req.c.id == fin.c.request_id, request_settles)  # fmt: skip
    aud = sa.insert(audit).from_select(audited, sa.union_all(decision_entry, settled_entry)).cte("aud")
    settled = sa.select(fin).where(fin.c.request_id == req.c.id, request_settles).cte("settled")
    announced = DECIDED.insert(
        settled,
        {
            "request_id": settled.c.request_id,
            "title": settled.c.title,
            "applicant_id": settled.c.applicant_id,
            "status": settled.c.request_after,
        },
        also_to=settled.c.callback_url,
    ).cte("announced")
    return (
        sa.select(task, fin.c.group_after, fin.c.request_after)
        .select_from(task.join(fin, sa.true()))
        .add_cte(others, grp, aud, announced)
    )


async def decide_at_once(
    driver: HotConnection,
    outbox: Outbox,
    task_id: UUID,
    *,
    status: str,
    decision: str,
    now: datetime,
    comment: str | None,
    channel: str | None,
    actor: str,
    as_service: bool,
    on_behalf_of: str | None,
) -> dict[str, Any] | None:
    """Run the statement: the decided task with `group_after` and `request_after`, or None when it wrote
    nothing (a refusal, or the request was written since the statement's snapshot)."""
    approve = 1 if decision == "approve" else 0
    params: dict[str, Any] = {
        "p_task": task_id,
        "p_status": status,
        "p_decision": decision,
        "p_now": now,
        "p_comment": comment,
        "p_channel": channel,
        "p_actor": actor,
        "p_as_service": as_service,
        "p_on_behalf_of": on_behalf_of,
        "p_approved": approve,
        "p_rejected": 1 - approve,
        "p_audit_id": new_id(),
        "p_decided_audit_id": new_id(),
        "p_detail": {"comment": comment} if comment else None,
    }
    # decided_at is the event's only field Python knows; the rest comes from the settled request
    params.update(DECIDED.params(outbox, {"decided_at": now}, now=now))
    rows = await fetch_on_driver(driver, decide_at_once_statement(), params)
    return rows[0] if rows else None
