"""What the process and appointment endpoints check of the order they act on (found and visible to the
caller through the core's `visible_order`, which every writer calls with `lock=True` first, so two
writers of one order run one after the other)."""

from __future__ import annotations

from sealflow_orders.domain.orders import TERMINAL
from sealflow_orders.service.orders import visible_order
from sealkit.auth import Principal
from sealkit.problems import Conflict, Forbidden
from sealkit.sql import AnyRow

__all__ = ["ensure_applicant", "ensure_open", "visible_order"]


def ensure_open(order: AnyRow, what: str) -> None:
    if order.status in TERMINAL:
        raise Conflict(f"the order is {order.status}; {what}", slug="order-closed")


def ensure_applicant(user: Principal, order: AnyRow, what: str) -> None:
    if user.sub != order.applicant_id:
        raise Forbidden(f"only the order's applicant {what}")
