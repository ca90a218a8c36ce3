"""Request and response bodies of the approval API (the shapes fixed in API.md, plus our additions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sealflow_approval.domain import (
    Combine,
    GroupMode,
    GroupStatus,
    RequestStatus,
    TaskStatus,
    validate_group,
)
from sealkit.contracts.approval import Channel
from sealkit.contracts.types import FreeJSON, UtcDateTime
from sealkit.outbound import OutboundUrl


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproverIn(_In):
    id: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    email_approval: bool = False

    @model_validator(mode="after")
    def _email_for_mail_approval(self) -> ApproverIn:
        if self.email_approval and not self.email:
            raise ValueError("email_approval needs the approver's email")
        return self


class GroupIn(_In):
    name: str = Field(min_length=1, max_length=200)
    mode: GroupMode
    min_approvals: int | None = None
    approvers: list[ApproverIn] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _rules(self) -> GroupIn:
        problem = validate_group(self.mode, [a.id for a in self.approvers], self.min_approvals)
        if problem:
            raise ValueError(problem)
        return self


class RequestCreate(_In):
    title: str = Field(min_length=1, max_length=200)
    form: FreeJSON = Field(default_factory=dict)
    combine: Combine = "all"
    groups: list[GroupIn] = Field(min_length=1, max_length=20)
    callback_url: OutboundUrl | None = None
    deadline_at: UtcDateTime | None = Field(
        None, description="when set, on_deadline decides the request then"
    )
    on_deadline: Literal["approve", "reject"] | None = None
    remind_every_minutes: int | None = Field(
        None, ge=1, le=60 * 24 * 30, description="default: the service's APPROVAL_REMINDER_INTERVAL_MINUTES"
    )

    @model_validator(mode="after")
    def _deadline(self) -> RequestCreate:
        if self.deadline_at is not None and self.deadline_at.tzinfo is None:
            raise ValueError("deadline_at needs a time zone (RFC 3339, e.g. 2026-12-01T09:00:00Z)")
        if self.on_deadline is not None and self.deadline_at is None:
            raise ValueError("on_deadline needs deadline_at")
        return self


class TaskOut(BaseModel):
    id: UUID
    approver_id: str
    status: TaskStatus
    decided_at: datetime | None
    comment: str | None
    channel: Channel | None
    approver_email: str | None = None
    email_approval: bool = False
    created_at: datetime | None = None
    delegated_from: UUID | None = None


class GroupOut(BaseModel):
    id: UUID
    name: str
    mode: GroupMode
    min_approvals: int | None
    status: GroupStatus
    tasks: list[TaskOut]


class RequestOut(BaseModel):
    id: UUID
    title: str
    form: dict[str, Any]
    applicant_id: str
    status: RequestStatus
    combine: Combine
    created_at: datetime
    decided_at: datetime | None
    deadline_at: datetime | None
    on_deadline: Literal["approve", "reject"] | None
    callback_url: str | None
    groups: list[GroupOut]


class RequestSummary(BaseModel):
    id: UUID
    title: str
    applicant_id: str
    status: RequestStatus
    combine: Combine
    created_at: datetime
    decided_at: datetime | None
    deadline_at: datetime | None


class DecisionOut(BaseModel):
    task: TaskOut
    group_status: GroupStatus
    request_status: RequestStatus


class InboxTask(TaskOut):
    request_id: UUID
    group_id: UUID
    group_name: str
    title: str
    applicant_id: str
    request_status: RequestStatus
    deadline_at: datetime | None


class AddApprover(ApproverIn):
    """Body of add-approver (加签): the approver joins a pending group."""


class Delegation(_In):
    to: ApproverIn
    comment: str | None = Field(None, max_length=4000)


class TimelineEntry(BaseModel):
    at: datetime
    actor_id: str
    action: str
    channel: str | None
    task_id: UUID | None
    detail: dict[str, Any] | None
