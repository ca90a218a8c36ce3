"""Application bodies (docs/api.md "Applications")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from sealflow_orders.schemas.common import In
from sealkit.contracts.types import FreeJSON


class ApplicationIn(In):
    item_id: UUID
    form: FreeJSON = Field(default_factory=dict)
    materials: dict[str, UUID] = Field(default_factory=dict, max_length=50)
    channel: str = Field("web", min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")
    enterprise_id: UUID | None = Field(
        None, description="which of the caller's enterprises applies (needed only if they belong to several)"
    )


class ResubmitIn(In):
    """Same shape as a submission; materials left out keep the ones that passed last time."""

    item_id: UUID | None = None
    form: FreeJSON = Field(default_factory=dict)
    materials: dict[str, UUID] = Field(default_factory=dict, max_length=50)
    channel: str | None = Field(None, min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")


class ProblemOut(BaseModel):
    field: str
    reason: str
    code: str


class HistoryEntry(BaseModel):
    at: datetime
    by: str
    on_behalf: bool
    action: Literal["returned", "accepted"]
    problems: list[ProblemOut]


class ApplicationOut(BaseModel):
    id: UUID
    status: Literal["returned", "accepted"]
    order_id: UUID | None
    problems: list[ProblemOut]
    item_id: UUID
    item_version: int
    enterprise_id: UUID
    applicant_id: str
    channel: str
    form: dict[str, Any]
    materials: dict[str, UUID]
    created_at: datetime
    updated_at: datetime
    history: list[HistoryEntry]
