"""Appointment slots, bookings and the applicant's notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from sealflow_orders.schemas.common import In
from sealkit.contracts.types import UtcDateTime


class SlotIn(In):
    start: UtcDateTime
    end: UtcDateTime
    capacity: Annotated[int, Field(ge=1, le=100_000)]


class SlotOut(BaseModel):
    id: UUID
    item_id: UUID
    start: datetime
    end: datetime
    capacity: int
    remaining: int


class BookingIn(In):
    slot_id: UUID


class AppointmentOut(BaseModel):
    number: str
    slot_id: UUID
    start: datetime
    end: datetime
    order_id: UUID
    day: str


class NotificationOut(BaseModel):
    id: UUID
    kind: str
    text: str
    data: dict[str, Any]
    created_at: datetime
