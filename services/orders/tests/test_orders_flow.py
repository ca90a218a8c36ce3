"""Orders end to end in one process beside the real approval and ticketing services (live on loopback):
an internal item becomes a ticket that an agent claims and resolves, which completes the order; an item
with approval waits for the approvers; cancellation and decisions meet in the database."""

from __future__ import annotations

from typing import Any

import httpx

from sealkit.testing import auth, unique

from .helpers import STAFF, eventually, get_order, is_problem, make_order, verified_member, wait_status

APPROVER = "approver-7"


async def _ticket_type(ticketing: httpx.AsyncClient) -> str:
    key = unique("desk")
    body = {"key": key, "name": "Service desk", "sla_minutes": 600, "default_priority": 50}
    created = await ticketing.post("/v1/ticket-types", json=body, headers=auth("admin-1", "admin"))
    assert created.status_code == 201, created.text
    return key


async def test_internal_item_ticket_resolved_completes_the_order_and_is_rated(
    client: httpx.AsyncClient, ticketing: httpx.AsyncClient
) -> None:
    desk = await _ticket_type(ticketing)
    _, applicant, _ = await verified_member(client)
    order = await make_order(client, applicant, provider={"kind": "internal", "ticket_type": desk})
    assert order["status"] == "dispatched" and order["number"].startswith("SF") and order["ticket_id"]
    early = await client.post(f"/v1/orders/{order['id']}/rating", json={"rating": 5}, headers=applicant)
    assert is_problem(early, 409)
    agent = auth(unique("agent"), "agent")

    async def claimed() -> dict[str, Any] | None:
        response = await ticketing.post("/v1/pool/claim", json={"types": [desk]}, headers=agent)
        return response.json() if response.status_code == 200 else None

    ticket = await eventually(claimed, "the order's ticket in the pool")
    assert ticket["id"] == order["ticket_id"] and ticket["data"]["order_id"] == order["id"]
    done = await ticketing.post(
        f"/v1/tickets/{ticket['id']}/result", json={"result": "贷款已发放 loan paid"}, headers=agent
    )
    assert done.status_code == 200, done.text
    completed = await wait_status(client, order["id"], "completed")
    assert completed["result"] == "贷款已发放 loan paid" and completed["completed_at"]
    assert completed["progress"][-1]["note"] == "贷款已发放 loan paid"
    other = auth(unique("x"), "enterprise")
    assert is_problem(
        await client.post(f"/v1/orders/{order['id']}/rating", json={"rating": 4}, headers=other), 404
    )
    assert is_problem(
        await client.post(f"/v1/orders/{order['id']}/rating", json={"rating": 4}, headers=STAFF), 403
    )
    rated = await client.post(
        f"/v1/orders/{order['id']}/rating", json={"rating": 4, "comment": "快"}, headers=applicant
    )
    assert rated.status_code == 200 and rated.json()["rating"] == {"rating": 4, "comment": "快"}
    again = await client.post(f"/v1/orders/{order['id']}/rating", json={"rating": 1}, headers=applicant)
    assert is_problem(again, 409)
    late = await client.post(f"/v1/orders/{order['id']}/progress", json={"note": "x", "status": "in_progress"},
                             headers=STAFF)  # fmt: skip
    assert is_problem(late, 409)


def _approval(*approvers: str) -> dict[str, Any]:
    return {
        "combine": "all",
        "groups": [{"name": "park", "mode": "any", "approvers": [{"id": a} for a in approvers]}],
    }


async def _decide(
    approval: httpx.AsyncClient, approver: str, request_id: str, decision: str
) -> httpx.Response:
    headers = auth(approver, "approver")

    async def task() -> str | None:
        inbox = await approval.get("/v1/tasks", params={"status": "pending", "limit": 200}, headers=headers)
        return next((t["id"] for t in inbox.json()["items"] if t["request_id"] == request_id), None)

    task_id = await eventually(task, "the approver's task")
    return await approval.post(f"/v1/tasks/{task_id}/decision", json={"decision": decision}, headers=headers)


async def _requested(client: httpx.AsyncClient, order_id: str) -> str:
    async def probe() -> str | None:
        found: str | None = (await get_order(client, order_id))["approval_request_id"]
        return found

    found: str = await eventually(probe, "the approval request to be opened")
    return found


async def test_an_item_with_approval_waits_then_is_dispatched_or_rejected(
    client: httpx.AsyncClient, approval: httpx.AsyncClient
) -> None:
    applicant_id, applicant, _ = await verified_member(client)
    # the applicant is left out of the approvers: nobody approves their own order
    fields = {"approval": _approval(APPROVER, applicant_id)}
    order = await make_order(client, applicant, **fields)
    assert order["status"] == "awaiting_approval"
    request_id = await _requested(client, order["id"])
    request = await approval.get(f"/v1/approval-requests/{request_id}", headers=auth("admin-1", "admin"))
    approvers = [t["approver_id"] for g in request.json()["groups"] for t in g["tasks"]]
    assert approvers == [APPROVER] and order["number"] in request.json()["title"]
    assert (await _decide(approval, APPROVER, request_id, "approve")).status_code == 200
    dispatched = await wait_status(client, order["id"], "dispatched")
    assert dispatched["ticket_id"]
    # staff who approved an order never handle it
    as_staff = auth(APPROVER, "staff")
    refused = await client.post(f"/v1/orders/{order['id']}/progress", json={"note": "mine"}, headers=as_staff)
    assert is_problem(refused, 403)

    second = await make_order(client, applicant, **fields)
    second_request = await _requested(client, second["id"])
    assert (await _decide(approval, APPROVER, second_request, "reject")).status_code == 200
    rejected = await wait_status(client, second["id"], "rejected")
    assert rejected["ticket_id"] is None


async def test_cancelling_withdraws_the_approval_request(
    client: httpx.AsyncClient, approval: httpx.AsyncClient
) -> None:
    _, applicant, _ = await verified_member(client)
    order = await make_order(client, applicant, approval=_approval(APPROVER))
    request_id = await _requested(client, order["id"])
    cancelled = await client.post(
        f"/v1/orders/{order['id']}/cancel", json={"reason": "不需要了"}, headers=applicant
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    async def withdrawn() -> bool:
        found = await approval.get(f"/v1/approval-requests/{request_id}", headers=auth("admin-1", "admin"))
        return bool(found.json()["status"] == "withdrawn")

    await eventually(withdrawn, "the approval request to be withdrawn")
    final = await get_order(client, order["id"])
    assert final["status"] == "cancelled" and final["ticket_id"] is None
    again = await client.post(f"/v1/orders/{order['id']}/cancel", json={}, headers=applicant)
    assert is_problem(again, 409)
    deliveries = (await client.get("/v1/deliveries", headers=auth("admin-1", "admin"))).json()["items"]
    assert {d["kind"] for d in deliveries if d["order_id"] == order["id"]} == {"approval", "withdraw"}
