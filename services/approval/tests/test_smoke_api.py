"""A first end-to-end pass through the approval API in-process on PostgreSQL."""

from __future__ import annotations

import httpx

from sealkit.testing import auth, unique

from .helpers import decide, open_request, people, request_body, task_of


async def test_any_group_approves_on_first_approval(client: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    bob, carol = people(2)
    created = await open_request(client, applicant, request_body(("any", [bob, carol])))
    assert created["status"] == "pending"
    response = await decide(client, task_of(created, bob), bob, comment="fine", channel="mobile")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["group_status"], body["request_status"], body["task"]["channel"]) == (
        "approved",
        "approved",
        "mobile",
    )
    again = await decide(client, task_of(created, carol), carol)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    fetched = (await client.get(f"/v1/approval-requests/{created['id']}", headers=auth(applicant))).json()
    statuses = {t["approver_id"]: t["status"] for t in fetched["groups"][0]["tasks"]}
    assert statuses == {bob: "approved", carol: "cancelled"}
