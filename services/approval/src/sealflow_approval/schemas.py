"""Request and response bodies of the approval API (the shapes fixed in docs/api.md, plus our additions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from sealflow_approval.domain import (
    Combine,
    GroupMode,
    GroupStatus,
    RequestStatus,
    TaskStatus,
    validate_group,
)
from sealkit.contracts.approval import Channel
from sealkit.contracts.types import FreeJSON, OptionalFreeJSON, UtcDateTime
from sealkit.outbound import OutboundUrl


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproverIn(_In):
    # the cross-field rule below, in the document too: a client or fuzzer sees that mail needs an address
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"email_approval": {"const": True}}, "required": ["email_approval"]},
            "then": {"required": ["email"], "properties": {"email": {"type": "string"}}},
        },
    )
    id: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    email_approval: StrictBool = False

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
    # on_deadline needs deadline_at (the validator below); that deadline_at is in the future is checked
    # against the clock at creation, which a schema cannot say, so its description does
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"on_deadline": {"type": "string"}}, "required": ["on_deadline"]},
            "then": {"required": ["deadline_at"], "properties": {"deadline_at": {"type": "string"}}},
        },
    )
    title: str = Field(min_length=1, max_length=200)
    form: FreeJSON = Field(default_factory=dict)
    definition: str | None = Field(None, min_length=1, max_length=100, description="a definition's key")
    combine: Combine = "all"
    groups: list[GroupIn] | None = Field(None, min_length=1, max_length=20, description="ad-hoc requests")
    callback_url: OutboundUrl | None = None
    deadline_at: UtcDateTime | None = Field(
        None,
        description="when set, on_deadline decides the request then; must be in the future and carry "
        "a time zone (422 otherwise)",
    )
    on_deadline: Literal["approve", "reject"] | None = None
    remind_every_minutes: int | None = Field(
        None, ge=1, le=60 * 24 * 30, description="default: the service's APPROVAL_REMINDER_INTERVAL_MINUTES"
    )

    @model_validator(mode="after")
    def _deadline(self) -> RequestCreate:
        if (self.definition is None) == (self.groups is None):
            raise ValueError("a request names a definition or brings its groups, not both")
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
    stage: int | None = None


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
    definition: str | None = None
    version: int | None = Field(None, description="the definition's version the request keeps")
    stages: list[StageOut] | None = None
    current_stage: int | None = None


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
    stage: int | None = None
    stage_name: str | None = None


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


# --- definitions, the directory, requests in stages ------------------------------------------------


class ApproverRef(_In):
    """An approver or CC recipient of a definition: a user (optionally with their e-mail) or a role."""

    user: str | None = Field(None, min_length=1, max_length=200)
    role: str | None = Field(None, min_length=1, max_length=100)
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    email_approval: StrictBool = False

    @model_validator(mode="after")
    def _one_of(self) -> ApproverRef:
        if (self.user is None) == (self.role is None):
            raise ValueError("name either a user or a role")
        if self.role is not None and (self.email is not None or self.email_approval):
            raise ValueError("a role's members carry their own e-mail (PUT /v1/directory/roles/{role})")
        if self.email_approval and not self.email:
            raise ValueError("email_approval needs the approver's email")
        return self


class DefinitionGroup(_In):
    name: str = Field(min_length=1, max_length=200)
    mode: GroupMode
    min_approvals: int | None = Field(None, ge=1)
    approvers: list[ApproverRef] = Field(min_length=1, max_length=50)
    when: OptionalFreeJSON = None

    @model_validator(mode="after")
    def _quorum(self) -> DefinitionGroup:
        if (self.mode == "quorum") != (self.min_approvals is not None):
            raise ValueError("min_approvals is needed by quorum groups and taken by no other")
        return self


class DefinitionStage(_In):
    name: str = Field(min_length=1, max_length=200)
    combine: Combine = "all"
    groups: list[DefinitionGroup] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _names(self) -> DefinitionStage:
        if len({g.name for g in self.groups}) != len(self.groups):
            raise ValueError("group names are unique within a stage")
        return self


class DefinitionWrite(_In):
    """Body of PUT /v1/approval-definitions/{key}: the next version."""

    name: str = Field(min_length=1, max_length=200)
    form_schema: FreeJSON
    stages: list[DefinitionStage] = Field(min_length=1, max_length=20)
    cc: list[ApproverRef] = Field(default_factory=list, max_length=50)


class DefinitionCreate(DefinitionWrite):
    key: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")


class DefinitionOut(BaseModel):
    key: str
    version: int
    name: str
    form_schema: dict[str, Any]
    stages: list[dict[str, Any]]
    cc: list[dict[str, Any]]
    created_at: datetime
    created_by: str


class RoleMembers(_In):
    members: list[ApproverIn] = Field(max_length=1000)

    @model_validator(mode="after")
    def _once(self) -> RoleMembers:
        if len({m.id for m in self.members}) != len(self.members):
            raise ValueError("a member appears at most once in a role")
        return self


class RoleOut(BaseModel):
    role: str
    members: list[ApproverIn]
    updated_at: datetime
    updated_by: str


class StageGroupOut(BaseModel):
    """A group of a stage: a running one (with its id and tasks), or one left out (`left_out` says why)."""

    id: UUID | None
    name: str
    mode: GroupMode
    min_approvals: int | None
    status: str
    left_out: str | None = None
    tasks: list[TaskOut] = Field(default_factory=list)


class StageOut(BaseModel):
    index: int
    name: str
    combine: Combine
    status: str
    groups: list[StageGroupOut]


RequestOut.model_rebuild()
