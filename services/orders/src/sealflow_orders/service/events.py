"""What comes back from peers: approval decisions, ticket results, provider updates, delivery outcomes."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.domain import orders as rules
from sealflow_orders.models import applications, deliveries
from sealflow_orders.repository import orders as repo
from sealflow_orders.schemas.orders import ProviderUpdateIn
from sealflow_orders.service.context import Context
from sealflow_orders.service.dispatch import SYSTEM, dispatch, withdraw_approval
from sealflow_orders.service.orders import item_provider, move
from sealkit.app import Runtime
from sealkit.contracts.approval import RequestDecided
from sealkit.contracts.base import Event
from sealkit.contracts.ticketing import TicketResolved
from sealkit.problems import Conflict, NotFound, Unauthorized, Unprocessable
from sealkit.signing import HEADER, verify
from sealkit.sql import AnyRow
from sealkit.types import utcnow


async def _approval_pending(conn: AsyncConnection) -> bool:
    """Whether an approval request is still being opened (its answer, with the id, not yet recorded)."""
    stmt = (
        sa.select(sa.literal(1))
        .where(deliveries.c.kind == "approval", deliveries.c.status == "pending")
        .limit(1)
    )
    return (await conn.scalar(stmt)) is not None


async def proceed(conn: AsyncConnection, ctx: Context, row: AnyRow, *, note: str, by: str) -> None:
    """An approved (or approval-free) order goes to its provider."""
    now = utcnow()
    await move(conn, row, status="dispatched", note=note, by=by, at=now)
    item = await item_provider(conn, row.item_id)
    application = (
        await conn.execute(sa.select(applications).where(applications.c.id == row.application_id))
    ).one()
    order = {**row._mapping, "status": "dispatched"}
    await dispatch(conn, ctx, order=order, form=application.form, materials=application.materials,
                   provider={**item.provider}, now=now)  # fmt: skip


async def on_approval_decided(
    conn: AsyncConnection, decided: RequestDecided, _: Event, runtime: Runtime
) -> None:
    row = await repo.order_by(conn, "approval_request_id", decided.request_id)
    if row is None:
        if await _approval_pending(conn):
            # the decision overtook the answer that tells us the request's id: refuse, the sender retries
            raise Conflict("this approval request is not known yet; send it again", slug="not-yet")
        return  # another applicant's request
    if row.status != "awaiting_approval":
        return  # cancelled in the meantime: the decision changes nothing
    by = f"approval:{decided.request_id}"
    if decided.status == "approved":
        await proceed(conn, Context.of(runtime), row, note="approved", by=by)
    else:
        await move(conn, row, status="rejected", note=f"approval {decided.status}", by=by)


async def on_ticket_resolved(
    conn: AsyncConnection, resolved: TicketResolved, _: Event, runtime: Runtime
) -> None:
    row = await repo.order_by(conn, "ticket_id", resolved.ticket_id)
    if row is None or not rules.allowed("ticket", row.status, "completed"):
        return  # not ours, or finished already (a staff member completed it first)
    extra = {"result": resolved.result, "handler_id": resolved.assignee, "handler_name": resolved.assignee}
    await move(conn, row, status="completed", note=resolved.result, by=resolved.assignee, extra=extra)


async def provider_update(
    conn: AsyncConnection, *, order_id: UUID, raw: bytes, signature: str | None
) -> dict[str, str]:
    """A third-party provider reports progress, signed with its secret; a bad signature changes nothing."""
    row = await repo.get_order(conn, order_id, lock=True)
    if row is None or row.provider_kind != "third_party":
        raise NotFound("order not found")
    item = await item_provider(conn, row.item_id)
    if not item.provider_secret or not verify(raw, item.provider_secret, signature):
        raise Unauthorized(f"missing or wrong {HEADER}", slug="bad-signature")
    try:
        body = ProviderUpdateIn.model_validate_json(raw)
    except ValidationError as exc:
        raise Unprocessable(f"not a provider update: {exc.errors()[0]['msg']}") from exc
    if not rules.allowed("provider", row.status, body.status):
        raise Conflict(
            f"the order is {row.status}; the provider cannot make it {body.status}", slug="bad-transition"
        )
    by = f"provider:{item.provider.get('name') or 'third_party'}"
    extra: dict[str, Any] = {"handler_id": by, "handler_name": item.provider.get("name")}
    if body.status == "completed":
        extra["result"] = body.note
    await move(conn, row, status=body.status, note=body.note, by=by, extra=extra)
    return {"status": body.status}


async def delivery_outcome(
    conn: AsyncConnection,
    ctx: Context,
    delivery: AnyRow,
    *,
    delivered: bool,
    answer: dict[str, Any] | None,
    error: str | None,
) -> None:
    """Record on the order what a delivery achieved: the approval request's id, or the forwarding."""
    row = await repo.get_order(conn, delivery.order_id, lock=True)
    if row is None:
        return
    if delivery.kind == "approval" and delivered and answer and row.approval_request_id is None:
        try:
            request_id = uuid.UUID(str(answer.get("id")))
        except ValueError:
            return
        await repo.update_order(conn, row.id, {"approval_request_id": request_id})
        await repo.add_progress(
            conn, order_id=row.id, status=row.status, note="approval requested", by=SYSTEM, internal=True
        )
        if row.status == "cancelled":
            # cancelled while the request was being opened: withdraw it now that its id is known
            await withdraw_approval(conn, ctx, order_id=row.id, request_id=request_id, now=utcnow())
        return
    if delivered and delivery.kind != "provider":
        return
    notes = {
        "provider": "forwarded to the provider"
        if delivered
        else f"the provider could not be reached: {error}",
        "approval": f"the approval request could not be opened: {error}",
        "withdraw": f"the approval request could not be withdrawn: {error}",
    }
    await repo.add_progress(
        conn, order_id=row.id, status=row.status, note=notes[delivery.kind], by=SYSTEM, internal=True
    )
