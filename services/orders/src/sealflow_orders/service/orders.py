"""Order use cases: opening an order from an accepted application, reading it, and what staff and the
applicant do with it (progress, cancellation, rating). Every change locks the order row first, so two
changes at once are decided in the database and the loser meets the status the winner left."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders import access
from sealflow_orders.domain import orders as rules
from sealflow_orders.repository import catalog as catalog_repo
from sealflow_orders.repository import enterprises as enterprises_repo
from sealflow_orders.repository import orders as repo
from sealflow_orders.schemas.orders import CancelIn, OrderOut, OrderSummary, ProgressIn, RatingIn
from sealflow_orders.service.context import Context
from sealflow_orders.service.dispatch import dispatch, request_approval, withdraw_approval
from sealflow_orders.service.enterprises import is_member
from sealkit.auth import Principal
from sealkit.ids import new_id
from sealkit.pagination import Page, page_of
from sealkit.problems import Conflict, Forbidden, NotFound
from sealkit.sql import AnyRow
from sealkit.types import utcnow

__all__ = ["Context", "open_order"]


def _search_text(*parts: object) -> str:
    return "\n".join(str(p) for p in parts if p).casefold()


async def open_order(
    conn: AsyncConnection, ctx: Context, *, application: Mapping[str, Any], item: AnyRow, enterprise: AnyRow
) -> UUID:
    """An accepted application becomes an order: awaiting approval when the item has one, else dispatched."""
    now = utcnow()
    number = rules.order_number(now, await repo.next_number(conn, now.strftime("%Y%m%d")))
    applicant = application["applicant_id"]
    approval = item.approval
    approvers = {a["id"] for g in (approval or {}).get("groups", []) for a in g["approvers"]} - {applicant}
    order: dict[str, Any] = {
        "id": new_id(),
        "number": number,
        "item_id": item.id,
        "item_version": item.version,
        "item_name": item.name,
        "category_id": item.category_id,
        "application_id": application["id"],
        "enterprise_id": enterprise.id,
        "enterprise_name": enterprise.name,
        "applicant_id": applicant,
        "applicant_name": application["applicant_name"],
        "channel": application["channel"],
        "status": "awaiting_approval" if approval else "dispatched",
        "provider_kind": item.provider_kind,
        "approver_ids": sorted(approvers),
        "search_text": _search_text(
            number, item.name, applicant, application["applicant_name"], enterprise.name
        ),
        "created_at": now,
        "updated_at": now,
    }
    await repo.insert_order(conn, order)
    await repo.add_progress(
        conn, order_id=order["id"], status=order["status"], note="order opened", by=applicant, at=now
    )
    if approval:
        await request_approval(conn, ctx, order=order, form=application["form"], approval=approval)
    else:
        await dispatch(conn, ctx, order=order, form=application["form"], materials=application["materials"],
                       provider={**item.provider}, now=now)  # fmt: skip
    return UUID(str(order["id"]))


async def _member(conn: AsyncConnection, user: Principal, order: AnyRow) -> bool:
    return await is_member(conn, user, order.enterprise_id)


async def visible_order(
    conn: AsyncConnection, user: Principal, order_id: UUID, *, lock: bool = False
) -> AnyRow:
    """The order if the caller may see it (members of its enterprise, staff, monitors, admins); else 404."""
    row = await repo.get_order(conn, order_id, lock=lock)
    if row is None or not access.may_read_order(user, member=await _member(conn, user, row)):
        raise NotFound("order not found")
    return row


async def order_out(conn: AsyncConnection, row: AnyRow, *, internal: bool) -> OrderOut:
    entries = await repo.progress(conn, row.id, internal=internal)
    rating = {"rating": row.rating, "comment": row.rating_comment} if row.rating is not None else None
    return OrderOut.model_validate(
        {**row._mapping, "progress": [dict(e._mapping) for e in entries], "rating": rating}
    )


async def get(conn: AsyncConnection, *, user: Principal, order_id: UUID) -> OrderOut:
    row = await visible_order(conn, user, order_id)
    return await order_out(conn, row, internal=access.sees_internal_notes(user))


async def list_orders(
    conn: AsyncConnection,
    *,
    user: Principal,
    filters: dict[str, Any],
    cursor: str | None,
    limit: int,
) -> Page[OrderSummary]:
    if access.oversees(user):
        enterprise_ids: list[UUID] | None = None
    elif access.is_enterprise_user(user):
        enterprise_ids = await enterprises_repo.enterprises_of(conn, user.sub)
        if user.enterprise_id:
            with contextlib.suppress(ValueError):  # a claim that is no id names no enterprise of ours
                enterprise_ids.append(UUID(user.enterprise_id))
    else:
        raise Forbidden("orders are listed for enterprise users, staff, monitors and admins")
    rows = await repo.list_orders(conn, enterprise_ids=enterprise_ids, cursor=cursor, limit=limit, **filters)
    return page_of(
        rows,
        limit,
        lambda r: OrderSummary.model_validate(r, from_attributes=True),
        lambda o: (o.created_at, o.id),
    )


async def move(
    conn: AsyncConnection, row: AnyRow, *, status: str, note: str | None, by: str, internal: bool = False,
    extra: dict[str, Any] | None = None, at: datetime | None = None,
) -> None:  # fmt: skip
    """Record a status (or a note, when the status is the same) with who and when."""
    now = at or utcnow()
    values: dict[str, Any] = {"status": status, "updated_at": now, **(extra or {})}
    if status == "completed" and row.completed_at is None:
        values["completed_at"] = now
    await repo.update_order(conn, row.id, values)
    await repo.add_progress(conn, order_id=row.id, status=status, note=note, by=by, internal=internal, at=now)


async def add_progress(
    conn: AsyncConnection, *, user: Principal, order_id: UUID, body: ProgressIn
) -> OrderOut:
    row = await visible_order(conn, user, order_id, lock=True)
    if not access.may_handle_order(user, approver_ids=row.approver_ids):
        raise Forbidden("an approver of this order may not handle it", slug="approver-handles")
    wanted = body.status or row.status
    if body.status is None and not rules.may_note(row.status):
        raise Conflict(f"the order is {row.status}; it takes no more progress")
    if body.status is not None and not rules.allowed("staff", row.status, body.status):
        raise Conflict(
            f"staff cannot move an order from {row.status} to {body.status}", slug="bad-transition"
        )
    extra = {"handler_id": user.sub, "handler_name": user.name or user.sub}
    if wanted == "completed":
        extra["result"] = body.note
    await move(conn, row, status=wanted, note=body.note, by=user.sub, internal=body.internal, extra=extra)
    return await get(conn, user=user, order_id=order_id)


async def cancel(
    conn: AsyncConnection, ctx: Context, *, user: Principal, order_id: UUID, body: CancelIn
) -> OrderOut:
    """The applicant withdraws an order that is not yet being worked on."""
    row = await visible_order(conn, user, order_id, lock=True)
    if row.applicant_id != user.sub:
        raise Forbidden("only the applicant may cancel the order")
    if not rules.allowed("applicant", row.status, "cancelled"):
        raise Conflict(f"the order is {row.status}; it can no longer be cancelled", slug="bad-transition")
    now = utcnow()
    await move(
        conn, row, status="cancelled", note=body.reason or "cancelled by the applicant", by=user.sub, at=now
    )
    if row.approval_request_id is not None:
        await withdraw_approval(conn, ctx, order_id=row.id, request_id=row.approval_request_id, now=now)
    return await get(conn, user=user, order_id=order_id)


async def rate(conn: AsyncConnection, *, user: Principal, order_id: UUID, body: RatingIn) -> OrderOut:
    row = await visible_order(conn, user, order_id, lock=True)
    if row.applicant_id != user.sub:
        raise Forbidden("only the applicant may rate the order")
    problem = rules.may_rate(row.status, row.rating is not None)
    if problem:
        raise Conflict(problem, slug="cannot-rate")
    await repo.update_order(conn, order_id, {"rating": body.rating, "rating_comment": body.comment})
    return await get(conn, user=user, order_id=order_id)


async def item_provider(conn: AsyncConnection, item_id: UUID) -> AnyRow:
    item = await catalog_repo.get_item(conn, item_id)
    assert item is not None  # orders reference items by foreign key
    return item
