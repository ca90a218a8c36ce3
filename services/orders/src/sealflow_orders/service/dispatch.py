"""Where an order goes once it may proceed: an approval request, a ticket, or a third-party provider.

The approval request and the provider's copy are `deliveries` rows written in the order's transaction
and sent by the delivery worker (workers.py) until they succeed; the ticket is a `ticket.requested`
event through the kit's outbox, with a ticket id derived from the order so a repeat opens no second.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.repository import files as files_repo
from sealflow_orders.repository import orders as repo
from sealflow_orders.service.context import Context
from sealkit.contracts.ticketing import TICKET_REQUESTED, Requester, TicketRequested
from sealkit.ids import new_id
from sealkit.jsonutil import dumps
from sealkit.problems import Unprocessable

SYSTEM = "system"
log = logging.getLogger("sealflow_orders.dispatch")


def ticket_id_for(order_id: UUID) -> UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"sealflow:order:{order_id}")


def approval_groups(approval: Mapping[str, Any], applicant_id: str) -> list[dict[str, Any]]:
    """The item's approval groups without the applicant: nobody approves their own order."""
    groups = []
    for group in approval["groups"]:
        approvers = [a for a in group["approvers"] if a["id"] != applicant_id]
        if not approvers:
            raise Unprocessable(
                f"the approval group {group['name']!r} would have no approver but the applicant",
                slug="no-approver",
            )
        groups.append({**group, "approvers": approvers})
    return groups


async def _deliver_later(conn: AsyncConnection, *, order_id: UUID, kind: str, url: str, body: dict[str, Any],
                         now: datetime) -> None:  # fmt: skip
    await repo.insert_delivery(
        conn,
        {
            "id": new_id(), "order_id": order_id, "kind": kind, "url": url, "body": dumps(body).decode(),
            "status": "pending", "attempts": 0, "next_attempt_at": now, "last_error": None,
            "created_at": now, "delivered_at": None,
        },
    )  # fmt: skip


async def request_approval(
    conn: AsyncConnection,
    ctx: Context,
    *,
    order: Mapping[str, Any],
    form: dict[str, Any],
    approval: Mapping[str, Any],
) -> None:
    if not ctx.settings.approval_url:
        raise Unprocessable(
            "this item needs approval but no approval service is configured", slug="no-approval"
        )
    body = {
        "title": f"{order['number']} {order['item_name']} · {order['enterprise_name']}"[:200],
        "form": form,
        "combine": approval.get("combine", "all"),
        "groups": approval_groups(approval, order["applicant_id"]),
        "callback_url": ctx.events_url,
    }
    url = f"{ctx.settings.approval_url.rstrip('/')}/v1/approval-requests"
    await _deliver_later(
        conn, order_id=order["id"], kind="approval", url=url, body=body, now=order["updated_at"]
    )


async def withdraw_approval(conn: AsyncConnection, ctx: Context, *, order_id: UUID, request_id: UUID,
                            now: datetime) -> None:  # fmt: skip
    """A cancelled order's approval request is withdrawn, so its approvers are not asked in vain."""
    if not ctx.settings.approval_url:
        return
    url = f"{ctx.settings.approval_url.rstrip('/')}/v1/approval-requests/{request_id}/withdraw"
    await _deliver_later(conn, order_id=order_id, kind="withdraw", url=url, body={}, now=now)


async def dispatch(
    conn: AsyncConnection,
    ctx: Context,
    *,
    order: Mapping[str, Any],
    form: dict[str, Any],
    materials: Mapping[str, str],
    provider: Mapping[str, Any],
    now: datetime,
) -> None:
    """Send a dispatched order to whoever provides the service."""
    if provider["kind"] == "internal":
        await _ticket(conn, ctx, order=order, form=form, ticket_type=provider["ticket_type"])
        return
    files = await files_repo.get_files(conn, [uuid.UUID(v) for v in materials.values()])
    body = {
        "order_id": str(order["id"]),
        "number": order["number"],
        "item": {"id": str(order["item_id"]), "name": order["item_name"], "version": order["item_version"]},
        "enterprise": {"id": str(order["enterprise_id"]), "name": order["enterprise_name"]},
        "applicant_id": order["applicant_id"],
        "form": form,
        "materials": [
            {
                "key": key,
                "file_id": file_id,
                "sha256": files[uuid.UUID(file_id)].sha256,
                "size": files[uuid.UUID(file_id)].size,
                "content_type": files[uuid.UUID(file_id)].content_type,
            }
            for key, file_id in materials.items()
            if uuid.UUID(file_id) in files
        ],
        "callback_url": ctx.provider_updates_url(order["id"]),
    }
    await _deliver_later(conn, order_id=order["id"], kind="provider", url=provider["url"], body=body, now=now)


async def _ticket(
    conn: AsyncConnection, ctx: Context, *, order: Mapping[str, Any], form: dict[str, Any], ticket_type: str
) -> None:
    ticket_id = ticket_id_for(order["id"])
    asked = TicketRequested(
        ticket_id=ticket_id,
        type=ticket_type,
        title=f"{order['number']} {order['item_name']}"[:200],
        description=f"{order['enterprise_name']} · {order['item_name']}",
        data={
            "order_id": str(order["id"]),
            "order_number": order["number"],
            "item": {
                "id": str(order["item_id"]),
                "name": order["item_name"],
                "version": order["item_version"],
            },
            "enterprise": {"id": str(order["enterprise_id"]), "name": order["enterprise_name"]},
            "form": form,
        },
        requester=Requester(id=order["applicant_id"]),
        notify_url=ctx.events_url,  # type: ignore[arg-type]  # pydantic parses the URL string
        reference=str(order["id"]),
    )
    ticketing = ctx.settings.ticketing_url
    also_to = [f"{ticketing.rstrip('/')}/v1/events"] if ticketing else []
    if not also_to and not ctx.outbox.destinations(TICKET_REQUESTED):
        log.warning("order %s: no ticketing service configured (SEALFLOW_TICKETING_URL)", order["id"])
        await repo.add_progress(conn, order_id=order["id"], status=order["status"], by=SYSTEM, internal=True,
                                note="no ticketing service is configured; no ticket was opened")  # fmt: skip
    await ctx.outbox.emit(conn, TICKET_REQUESTED, asked, also_to=also_to)
    await repo.update_order(conn, order["id"], {"ticket_id": ticket_id})
