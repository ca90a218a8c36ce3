"""Events the orders service emits."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from sealkit.contracts.base import Contract

ORDER_REMINDER = "order.reminder"


class AppointmentRef(Contract):
    number: str
    slot_id: UUID
    start: datetime
    end: datetime


class OrderReminder(Contract):
    """A reminder to an applicant: an appointment coming up, or an application still returned."""

    reminder_id: UUID
    kind: Literal["appointment", "returned"]
    recipient_id: str
    order_id: UUID | None
    application_id: UUID | None
    item_id: UUID
    item_name: str
    text: str
    appointment: AppointmentRef | None = None
