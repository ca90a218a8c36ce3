"""The order an area's endpoint acts on (processes, appointments): found, visible to the caller, locked
when it is to be changed."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.access import claims_enterprise, may_read_order
from sealflow_orders.repository import processes as repo
from sealkit.auth import Principal
from sealkit.problems import Conflict, Forbidden, NotFound
from sealkit.sql import AnyRow

CLOSED = frozenset({"completed", "rejected", "cancelled"})


async def visible_order(conn: AsyncConnection, user: Principal, order_id: UUID, *, lock: bool) -> AnyRow:
    """The order's row if the caller may read it (404 otherwise, so existence does not leak).

    `lock` takes the order's row lock; every writer of an order's process or appointment takes it
    first, so two writers of one order run one after the other."""
    order = await repo.get_order(conn, order_id, lock=lock)
    member = order is not None and (
        claims_enterprise(user, order.enterprise_id)
        or await repo.is_member(conn, order.enterprise_id, user.sub)
    )
    if order is None or not may_read_order(user, member=member):
        raise NotFound("order not found")
    return order


def ensure_open(order: AnyRow, what: str) -> None:
    if order.status in CLOSED:
        raise Conflict(f"the order is {order.status}; {what}", slug="order-closed")


def ensure_applicant(user: Principal, order: AnyRow, what: str) -> None:
    if user.sub != order.applicant_id:
        raise Forbidden(f"only the order's applicant {what}")
