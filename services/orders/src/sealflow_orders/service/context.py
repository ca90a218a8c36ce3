"""What the order use cases need from the running service: its settings and its outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sealflow_orders.config import OrdersSettings
from sealkit.outbox import Outbox

SERVICE_SUBJECT = "service:orders"  # the applicant of the approval requests orders opens


@dataclass(frozen=True, slots=True)
class Context:
    settings: OrdersSettings
    outbox: Outbox

    @classmethod
    def of(cls, holder: Any) -> Context:
        """From a Runtime (routers, workers) or the app's state (event handlers)."""
        settings = holder.settings
        assert isinstance(settings, OrdersSettings)
        return cls(settings=settings, outbox=holder.outbox)

    @property
    def events_url(self) -> str:
        return f"{self.settings.public_url.rstrip('/')}/v1/events"

    def provider_updates_url(self, order_id: object) -> str:
        return f"{self.settings.public_url.rstrip('/')}/v1/orders/{order_id}/provider-updates"
