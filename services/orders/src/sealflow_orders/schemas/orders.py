"""Order bodies (docs/api.md "Orders")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from sealflow_orders.domain.orders import OrderStatus
from sealflow_orders.schemas.common import In


class ProgressEntry(BaseModel):
    at: datetime
    status: OrderStatus
    note: str | None
    by: str
    internal: bool = False
    channel: str | None = None


class Rating(BaseModel):
    rating: int
    comment: str | None


class OrderOut(BaseModel):
    id: UUID
    number: str
    item_id: UUID
    item_version: int
    item_name: str
    category_id: UUID
    application_id: UUID
    enterprise_id: UUID
    enterprise_name: str
    applicant_id: str
    applicant_name: str
    status: OrderStatus
    channel: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    approval_request_id: UUID | None
    ticket_id: UUID | None
    handler_id: str | None
    handler_name: str | None
    result: str | None
    progress: list[ProgressEntry]
    rating: Rating | None


class OrderSummary(BaseModel):
    """A row of the order list (staff's list view: with the handler's and the enterprise's names)."""

    id: UUID
    number: str
    item_id: UUID
    item_name: str
    category_id: UUID
    enterprise_id: UUID
    enterprise_name: str
    applicant_id: str
    applicant_name: str
    status: OrderStatus
    channel: str
    handler_id: str | None
    handler_name: str | None
    created_at: datetime
    updated_at: datetime


class ProgressIn(In):
    note: str = Field(min_length=1, max_length=4000)
    status: Literal["in_progress", "completed", "cancelled"] | None = None
    internal: bool = Field(False, description="visible to staff only")


class RatingIn(In):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=4000)


class ProviderUpdateIn(In):
    status: Literal["in_progress", "completed", "rejected"]
    note: str | None = Field(None, max_length=4000)


class CancelIn(In):
    reason: str | None = Field(None, max_length=4000)


class CountOut(BaseModel):
    key: str
    name: str | None = None
    count: int


class WaitingOrder(BaseModel):
    id: UUID
    number: str
    status: OrderStatus
    item_name: str
    enterprise_name: str
    created_at: datetime
    waiting_hours: float


class OrderStats(BaseModel):
    total: int
    by_status: dict[str, int]
    by_item: list[CountOut]
    by_category: list[CountOut]
    mean_hours_to_completion: float | None
    mean_rating: float | None
    rated: int
    waiting_longest: list[WaitingOrder]


class DeliveryOut(BaseModel):
    id: UUID
    order_id: UUID
    kind: Literal["approval", "withdraw", "provider"]
    url: str
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
