"""Request and response bodies of the ticketing API (the shapes fixed in docs/api.md, plus our additions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from sealflow_ticketing.calendar import BusinessCalendar
from sealflow_ticketing.domain import TicketStatus
from sealflow_ticketing.priority import PRIORITY_MAX, PRIORITY_MIN
from sealkit.contracts.ticketing import Requester, Verdict
from sealkit.contracts.types import FreeJSON
from sealkit.outbound import OutboundUrl

Priority = Field(ge=PRIORITY_MIN, le=PRIORITY_MAX, description="1..100, higher is more urgent")


def _canonical_calendar(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else BusinessCalendar.parse(value).to_json()


Calendar = Annotated[
    dict[str, Any] | None,
    AfterValidator(_canonical_calendar),
    Field(
        description='business hours: {"timezone": "Asia/Shanghai", "working_hours": {"mon": [["09:00", '
        '"18:00"]], ...}, "holidays": ["2026-10-01"]}; the SLA then counts business minutes'
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketTypeIn(_In):
    key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1, max_length=200)
    sla_minutes: int = Field(ge=1, le=60 * 24 * 366)
    default_priority: int = Priority
    callback_url: OutboundUrl | None = None
    calendar: Calendar = None


class TicketTypeUpdate(_In):
    name: str = Field(min_length=1, max_length=200)
    sla_minutes: int = Field(ge=1, le=60 * 24 * 366)
    default_priority: int = Priority
    callback_url: OutboundUrl | None = None
    calendar: Calendar = None


class TicketTypeOut(BaseModel):
    key: str
    name: str
    sla_minutes: int
    default_priority: int
    callback_url: str | None
    calendar: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class TicketCreate(_In):
    type: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    data: FreeJSON = Field(default_factory=dict)
    priority: int | None = Field(None, ge=PRIORITY_MIN, le=PRIORITY_MAX)
    requester: Requester | None = Field(
        None, description="default: the caller; someone else only for service, staff, supervisor or admin"
    )
    notify_url: OutboundUrl | None = None
    reference: str | None = Field(None, max_length=200)


class RequesterOut(BaseModel):
    id: str
    email: str | None


class TicketOut(BaseModel):
    id: UUID
    type: str
    title: str
    description: str
    data: dict[str, Any]
    priority: int
    requester: RequesterOut
    notify_url: str | None
    reference: str | None
    status: TicketStatus
    overdue: bool
    assignee: str | None
    assigned_at: datetime | None
    locked_until: datetime | None
    handoffs: int
    reopens: int
    created_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    result: str | None
    late: bool | None
    closed_at: datetime | None
    rating: int | None
    feedback_comment: str | None
    callback: dict[str, Any] | None


class TicketSummary(BaseModel):
    id: UUID
    type: str
    title: str
    priority: int
    status: TicketStatus
    overdue: bool
    assignee: str | None
    requester_id: str
    reference: str | None
    created_at: datetime
    due_at: datetime
    locked_until: datetime | None


class ClaimIn(_In):
    types: list[str] | None = Field(None, min_length=1, max_length=50)


class AssignIn(_In):
    agent_id: str = Field(min_length=1, max_length=200)
    break_lock: StrictBool = Field(
        False, description="a supervisor may take the ticket from a locked assignee"
    )


class LockIn(_In):
    minutes: int = Field(ge=1, le=60 * 24 * 7)


class LockOut(BaseModel):
    locked_until: datetime | None


class HandoffIn(_In):
    reason: str = Field(min_length=1, max_length=4000)


class ResultIn(_In):
    result: str = Field(min_length=1, max_length=20_000)


class FeedbackIn(_In):
    verdict: Verdict
    rating: int | None = Field(None, ge=1, le=5)
    comment: str | None = Field(None, max_length=4000)


class TimelineEntry(BaseModel):
    at: datetime
    actor_id: str
    action: str
    detail: dict[str, Any] | None


class AvailabilityIn(_In):
    available: StrictBool  # strict: 0 or "no" would otherwise pass as false, which the schema does not allow
    types: list[str] | None = Field(None, max_length=100, description="null: every type")
    capacity: int = Field(5, ge=1, le=1000)


class AgentOut(BaseModel):
    agent_id: str
    available: bool
    types: list[str] | None
    capacity: int
    load: int
    last_assigned_at: datetime | None
    updated_at: datetime


class KpiRow(BaseModel):
    handled: int
    open: int
    mean_handling_seconds: float | None
    sla_met_ratio: float | None
    mean_rating: float | None
    ratings: int


class AgentKpi(KpiRow):
    agent_id: str


class TypeKpi(KpiRow):
    type: str
