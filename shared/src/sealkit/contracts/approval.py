"""Contracts of the approval service: its events and the decision body other services send it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from sealkit.contracts.base import Contract
from sealkit.contracts.types import FreeJSON

TASK_CREATED = "approval.task.created"
TASK_REMINDER = "approval.task.reminder"
REQUEST_DECIDED = "approval.request.decided"
STAGE_OPENED = "approval.stage.opened"
REQUEST_CC = "approval.request.cc"

DecisionValue = Literal["approve", "reject"]
Channel = Literal["web", "mobile", "email", "api"]
RequestStatus = Literal["pending", "approved", "rejected", "withdrawn"]


class TaskCreated(Contract):
    """A task was opened for an approver (also on add-approver and delegation)."""

    task_id: UUID
    request_id: UUID
    group_id: UUID
    group_name: str
    title: str
    form: FreeJSON
    applicant_id: str
    approver_id: str
    approver_email: str | None
    email_approval: bool
    deadline_at: datetime | None = None


class TaskReminder(Contract):
    """A pending task has waited another reminder interval."""

    task_id: UUID
    request_id: UUID
    title: str
    approver_id: str
    approver_email: str | None
    email_approval: bool
    pending_since: datetime
    reminder_number: int


class RequestDecided(Contract):
    """The request reached its final status."""

    request_id: UUID
    title: str
    applicant_id: str
    status: RequestStatus
    decided_at: datetime


class StageOpened(Contract):
    """A stage of a request opened from a definition began: its groups' tasks were created."""

    request_id: UUID
    title: str
    applicant_id: str
    stage: int
    stage_name: str
    group_names: list[str]
    skipped_stages: list[int] = Field(
        default_factory=list, description="stages passed over: no group applied"
    )
    opened_at: datetime


class RequestCc(Contract):
    """A CC recipient of a request is told that it was opened (status pending) or decided."""

    request_id: UUID
    title: str
    applicant_id: str
    recipient_id: str
    recipient_email: str | None
    status: RequestStatus
    at: datetime


class DecisionSubmission(Contract):
    """Body of `POST /v1/tasks/{id}/decision`; `on_behalf_of` lets the `service` role act for an approver."""

    decision: DecisionValue
    comment: str | None = Field(None, max_length=4000)
    channel: Channel = "web"
    on_behalf_of: str | None = Field(
        None, description="service role only: the approver the caller acts for; must be the task's approver"
    )
