"""What the approval use cases share: row builders, the request's view, visibility, settling a request."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval import access
from sealflow_approval import repository as repo
from sealflow_approval.domain import RequestStatus
from sealflow_approval.domain.stages import stage_status
from sealflow_approval.models import audit, tasks
from sealflow_approval.schemas import (
    ApproverIn,
    GroupOut,
    RequestCreate,
    RequestOut,
    StageGroupOut,
    StageOut,
    TaskOut,
)
from sealkit.auth import Principal
from sealkit.contracts.approval import REQUEST_CC, REQUEST_DECIDED, RequestCc, RequestDecided, TaskCreated
from sealkit.ids import new_id
from sealkit.outbox import Outbox
from sealkit.problems import Conflict, NotFound, Unprocessable
from sealkit.sql import AnyRow, insert

SYSTEM_ACTOR = "system"


def audit_row(
    request_id: UUID,
    actor: str,
    action: str,
    *,
    at: datetime,
    channel: str | None = None,
    task_id: UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "request_id": request_id,
        "at": at,
        "actor_id": actor,
        "action": action,
        "channel": channel,
        "task_id": task_id,
        "detail": detail,
    }


def task_row(
    request_id: UUID,
    group_id: UUID,
    approver: ApproverIn,
    now: datetime,
    remind_minutes: int | None,
    delegated_from: UUID | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "request_id": request_id,
        "group_id": group_id,
        "approver_id": approver.id,
        "approver_email": approver.email,
        "email_approval": approver.email_approval,
        "status": "pending",
        "created_at": now,
        "decided_at": None,
        "decided_by": None,
        "comment": None,
        "channel": None,
        "delegated_from": delegated_from,
        "reminders_sent": 0,
        "next_remind_at": now + timedelta(minutes=remind_minutes) if remind_minutes else None,
    }


def check_deadline(body: RequestCreate, now: datetime) -> None:
    if body.deadline_at is not None and body.deadline_at <= now:
        raise invalid([(["body", "deadline_at"], "deadline_at must be in the future")])


def request_row_of(
    user: Principal, body: RequestCreate, now: datetime, remind: int | None, **values: Any
) -> dict[str, Any]:
    """A new request's row; `values` adds to it (the group count, a definition's stage plan)."""
    return {
        "id": new_id(),
        "title": body.title,
        "form": body.form,
        "applicant_id": user.sub,
        "status": "pending",
        "combine": body.combine,
        "callback_url": str(body.callback_url) if body.callback_url else None,
        "deadline_at": body.deadline_at,
        "on_deadline": body.on_deadline or ("reject" if body.deadline_at else None),
        "remind_every_minutes": remind,
        "approved_groups": 0,
        "rejected_groups": 0,
        "created_at": now,
        "decided_at": None,
        "definition_key": None,
        "definition_version": None,
        "stages": None,
        "current_stage": None,
        "cc": None,
        **values,
    }


def task_created(
    task: dict[str, Any], group: dict[str, Any] | AnyRow, request: dict[str, Any] | AnyRow
) -> TaskCreated:
    g = group if isinstance(group, dict) else group._mapping
    r = request if isinstance(request, dict) else request._mapping
    return TaskCreated(
        task_id=task["id"],
        request_id=r["id"],
        group_id=g["id"],
        group_name=g["name"],
        title=r["title"],
        form=r["form"],
        applicant_id=r["applicant_id"],
        approver_id=task["approver_id"],
        approver_email=task["approver_email"],
        email_approval=task["email_approval"],
        deadline_at=r["deadline_at"],
    )


def request_view(request: Any, group_rows: Any, task_rows: Any) -> RequestOut:
    r = request if isinstance(request, dict) else request._mapping
    by_group: dict[UUID, list[TaskOut]] = {}
    for t in task_rows:
        m = t if isinstance(t, dict) else t._mapping
        by_group.setdefault(m["group_id"], []).append(TaskOut.model_validate(dict(m)))
    out_groups = []
    for g in group_rows:
        m = g if isinstance(g, dict) else g._mapping
        out_groups.append(
            GroupOut(
                id=m["id"],
                name=m["name"],
                mode=m["mode"],
                min_approvals=m["min_approvals"],
                status=m["status"],
                tasks=by_group.get(m["id"], []),
                stage=m.get("stage"),
            )
        )
    # `version` in the view is the definition's; the row's own `version` is the writers' counter
    shown = {**dict(r), "groups": out_groups, "definition": r.get("definition_key"),
             "version": r.get("definition_version"), "stages": _stages_view(r, out_groups)}  # fmt: skip
    return RequestOut.model_validate(shown)


def _stages_view(r: Any, out_groups: list[GroupOut]) -> list[StageOut] | None:
    """The request's stages: each with its status, its running groups and those left out (and why)."""
    plan = r.get("stages")
    if plan is None:
        return None
    out = []
    for index, planned in enumerate(plan):
        running = {g.name: g for g in out_groups if g.stage == index}
        status = stage_status(index, plan, r.get("current_stage"), r["status"])
        shown = []
        for g in planned["groups"]:
            group = running.get(g["name"])
            if group is not None:
                shown.append(StageGroupOut.model_validate(group.model_dump()))
                continue
            waiting = "waiting" if status == "waiting" else "cancelled"
            shown.append(
                StageGroupOut(
                    id=None,
                    name=g["name"],
                    mode=g["mode"],
                    min_approvals=g.get("min_approvals"),
                    status="skipped" if g.get("left_out") else waiting,
                    left_out=g.get("left_out"),
                )
            )
        out.append(StageOut(index=index, name=planned["name"], combine=planned["combine"], status=status,
                            groups=shown))  # fmt: skip
    return out


async def sees_request(conn: AsyncConnection, user: Principal, row: Any) -> bool:
    """Whether the caller may see the task's request: then a refusal is 403, otherwise 404 hides it."""
    if access.is_cc(user, row.cc):
        return True
    return access.sees_without_asking(user, row.applicant_id) or await repo.is_approver_of(
        conn, row.request_id, user.sub
    )


async def finish(
    conn: AsyncConnection,
    outbox: Outbox,
    request: Any,
    status: Literal["approved", "rejected", "withdrawn"],
    *,
    now: datetime,
    actor: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Settle a request (decision, withdrawal, deadline): cancel what is pending, tell the subscribers."""
    request_id = getattr(request, "request_id", None) or request.id
    await repo.update_request(conn, request_id, status=status, decided_at=now)
    await repo.cancel_everything_pending(conn, request_id, now)
    await insert(
        conn,
        audit,
        [audit_row(request_id, actor, action, at=now, detail={"status": status, **(detail or {})})],
    )
    await outbox.emit_many(conn, cc_events(request, status, now))
    await outbox.emit(
        conn,
        REQUEST_DECIDED,
        RequestDecided(
            request_id=request_id,
            title=request.title,
            applicant_id=request.applicant_id,
            status=status,
            decided_at=now,
        ),
        also_to=[request.callback_url],
    )


def cc_events(request: Any, status: RequestStatus, at: datetime) -> list[tuple[str, RequestCc]]:
    """`approval.request.cc` for each CC recipient of a request (a row or a new row's dict)."""
    r = request if isinstance(request, dict) else request._mapping
    recipients = r.get("cc") or []
    request_id = r.get("request_id") or r["id"]  # a task's row with its request carries `request_id`
    return [
        (
            REQUEST_CC,
            RequestCc(
                request_id=request_id,
                title=r["title"],
                applicant_id=r["applicant_id"],
                recipient_id=c["id"],
                recipient_email=c.get("email"),
                status=status,
                at=at,
            ),
        )
        for c in recipients
    ]


async def insert_task(conn: AsyncConnection, task: dict[str, Any], approver_id: str) -> None:
    try:
        async with conn.begin_nested():
            await insert(conn, tasks, [task])
    except IntegrityError as exc:
        raise Conflict(
            f"{approver_id} is already an approver in this group", slug="duplicate-approver"
        ) from exc


async def ensure_visible(conn: AsyncConnection, user: Principal, request: AnyRow) -> None:
    if access.sees_without_asking(user, request.applicant_id) or access.is_cc(user, request.cc):
        return
    if not await repo.is_approver_of(conn, request.id, user.sub):
        raise NotFound("approval request not found")


def invalid(errors: list[tuple[list[str | int], str]], detail: str | None = None) -> Unprocessable:
    """A 422 like the schema's own: the REST contract promises every 422 its `errors` list."""
    return Unprocessable(
        detail or "; ".join(msg for _, msg in errors),
        slug="validation",
        extra={"errors": [{"loc": loc, "msg": msg} for loc, msg in errors]},
    )
