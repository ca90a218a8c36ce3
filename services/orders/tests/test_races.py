"""Races decided in the database: an approval decision while the applicant cancels, a ticket result
while staff complete the order. The events are sent to orders' signed intake exactly as the peers send
them, at the same moment as the competing request."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from sealkit.jsonutil import dumps
from sealkit.signing import HEADER, sign
from sealkit.testing import TEST_EVENT_SECRET

from .helpers import STAFF, eventually, get_order, make_order, verified_member

APPROVAL = {
    "combine": "all",
    "groups": [{"name": "g", "mode": "any", "approvers": [{"id": "approver-race"}]}],
}


async def _event(client: httpx.AsyncClient, event_type: str, data: dict[str, Any]) -> httpx.Response:
    source = event_type.split(".")[0]  # approval.* from approval, ticket.* from ticketing
    source = "ticketing" if source == "ticket" else source
    envelope = {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "source": source,
        "occurred_at": datetime.now(UTC),
    }
    body = dumps({**envelope, "data": data})
    headers = {"Content-Type": "application/json", HEADER: sign(body, TEST_EVENT_SECRET)}
    return await client.post("/v1/events", content=body, headers=headers)


async def test_a_bad_signature_on_an_event_is_401_and_changes_nothing(client: httpx.AsyncClient) -> None:
    order = await make_order(client)
    body = dumps(
        {"id": str(uuid.uuid4()), "type": "ticket.resolved", "occurred_at": datetime.now(UTC), "data": {}}
    )
    forged = await client.post("/v1/events", content=body, headers={HEADER: sign(body, "not-the-secret")})
    assert forged.status_code == 401
    assert (await get_order(client, order["id"]))["status"] == "dispatched"


async def test_approval_decided_while_the_applicant_cancels(client: httpx.AsyncClient) -> None:
    _, applicant, _ = await verified_member(client)
    for _ in range(4):
        order = await make_order(client, applicant, approval=APPROVAL)

        async def requested(order_id: str = order["id"]) -> str | None:
            found: str | None = (await get_order(client, order_id))["approval_request_id"]
            return found

        request_id = await eventually(requested, "the approval request")
        decided = {"request_id": request_id, "title": "t", "applicant_id": "service:orders",
                   "status": "approved", "decided_at": datetime.now(UTC).isoformat()}  # fmt: skip
        cancel, event = await asyncio.gather(
            client.post(f"/v1/orders/{order['id']}/cancel", json={}, headers=applicant),
            _event(client, "approval.request.decided", decided),
        )
        assert event.status_code == 200, event.text
        final = await get_order(client, order["id"])
        if cancel.status_code == 200:
            assert final["status"] == "cancelled" and final["ticket_id"] is None
        else:
            assert cancel.status_code == 409 and final["status"] == "dispatched" and final["ticket_id"]
        assert [p["status"] for p in final["progress"]].count(final["status"]) == 1


async def test_a_ticket_result_while_staff_complete_the_order(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        order = await make_order(client)
        resolved = {
            "ticket_id": order["ticket_id"], "type": "loans", "reference": order["id"], "requester_id": "x",
            "assignee": "agent-race", "result": "by the agent", "resolved_at": datetime.now(UTC).isoformat(),
            "due_at": datetime.now(UTC).isoformat(), "late": False,
        }  # fmt: skip
        staff, event = await asyncio.gather(
            client.post(
                f"/v1/orders/{order['id']}/progress",
                json={"note": "by staff", "status": "completed"},
                headers=STAFF,
            ),
            _event(client, "ticket.resolved", resolved),
        )
        assert event.status_code == 200 and staff.status_code in (200, 409), (event.text, staff.text)
        final = await get_order(client, order["id"])
        completions = [p for p in final["progress"] if p["status"] == "completed"]
        assert len(completions) == 1 and final["status"] == "completed"
        expected = "by staff" if staff.status_code == 200 else "by the agent"
        assert final["result"] == completions[0]["note"] == expected
