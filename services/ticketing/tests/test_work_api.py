"""Claim, assign, lock, hand-off, result and feedback through the API: rules, auth and status codes."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from sealflow_ticketing import priority
from sealkit.testing import auth, unique

from .helpers import SUPERVISOR, claim, claimed, is_problem, make_type, open_ticket, timeline


async def test_claim_takes_highest_priority_then_earliest_due(client: httpx.AsyncClient) -> None:
    kind = await make_type(client, default_priority=10)
    low = await open_ticket(client, kind, priority=10)
    # equal priority and SLA: the ticket opened first is due first
    high_due_early = await open_ticket(client, kind, priority=80)
    high_due_late = await open_ticket(client, kind, priority=80)
    assert datetime.fromisoformat(high_due_early["due_at"]) < datetime.fromisoformat(high_due_late["due_at"])
    agent = unique("agent")
    order = [(await claimed(client, agent, kind))["id"] for _ in range(3)]
    assert order == [high_due_early["id"], high_due_late["id"], low["id"]]
    assert (await claim(client, agent, kind)).status_code == 204
    first = await client.get(f"/v1/tickets/{order[0]}", headers=auth(agent, "agent"))
    assert (first.json()["status"], first.json()["assignee"]) == ("assigned", agent)
    assert await timeline(client, order[0]) == ["created", "claimed"]


async def test_claim_filters_by_type_and_needs_the_agent_role(client: httpx.AsyncClient) -> None:
    wanted, other = await make_type(client), await make_type(client)
    ticket = await open_ticket(client, wanted)
    await open_ticket(client, other, priority=100)
    assert (await claimed(client, unique("agent"), wanted))["id"] == ticket["id"]
    assert is_problem(await client.post("/v1/pool/claim", json={"types": [wanted]}), 401)
    denied = await client.post("/v1/pool/claim", json={"types": [wanted]}, headers=auth("x", "applicant"))
    assert is_problem(denied, 403)
    bad = await client.post("/v1/pool/claim", json={"types": []}, headers=auth("x", "agent"))
    assert is_problem(bad, 422)


async def test_supervisor_assigns_and_a_lock_must_be_broken(client: httpx.AsyncClient) -> None:
    kind = await make_type(client)
    ticket = await open_ticket(client, kind)
    path = f"/v1/tickets/{ticket['id']}"
    agent, other = unique("agent"), unique("agent")
    assert is_problem(
        await client.post(f"{path}/assign", json={"agent_id": agent}, headers=auth(agent, "agent")), 403
    )
    given = await client.post(f"{path}/assign", json={"agent_id": agent}, headers=SUPERVISOR)
    assert given.status_code == 200 and given.json()["assignee"] == agent
    locked = await client.post(f"{path}/lock", json={"minutes": 10}, headers=auth(agent, "agent"))
    assert locked.status_code == 200 and locked.json()["locked_until"]
    refused = await client.post(f"{path}/assign", json={"agent_id": other}, headers=SUPERVISOR)
    assert is_problem(refused, 409) and refused.json()["type"].endswith("ticket-locked")
    taken = await client.post(
        f"{path}/assign", json={"agent_id": other, "break_lock": True}, headers=SUPERVISOR
    )
    assert taken.status_code == 200
    assert (taken.json()["assignee"], taken.json()["locked_until"]) == (other, None)
    missing = "/v1/tickets/00000000-0000-4000-8000-000000000000/assign"
    assert is_problem(await client.post(missing, json={"agent_id": agent}, headers=SUPERVISOR), 404)
    assert await timeline(client, ticket["id"]) == ["created", "assigned", "locked", "assigned"]


async def test_lock_rules(client: httpx.AsyncClient) -> None:
    kind = await make_type(client, sla_minutes=30)
    agent = unique("agent")
    await open_ticket(client, kind)
    ticket = await claimed(client, agent, kind)
    path = f"/v1/tickets/{ticket['id']}/lock"
    mine = auth(agent, "agent")
    too_long = await client.post(path, json={"minutes": 31}, headers=mine)
    assert is_problem(too_long, 409) and "due_at" in too_long.json()["detail"]
    assert is_problem(await client.post(path, json={"minutes": 0}, headers=mine), 422)
    assert is_problem(
        await client.post(path, json={"minutes": 5}, headers=auth(unique("agent"), "agent")), 404
    )
    assert is_problem(await client.post(path, json={"minutes": 5}, headers=SUPERVISOR), 403)
    ok = await client.post(path, json={"minutes": 29}, headers=mine)
    until = datetime.fromisoformat(ok.json()["locked_until"])
    assert until <= datetime.fromisoformat(ticket["due_at"])
    assert is_problem(await client.delete(path, headers=auth(unique("agent"), "agent")), 404)
    released = await client.delete(path, headers=mine)
    assert released.status_code == 200 and released.json()["locked_until"] is None
    again = await client.delete(path, headers=mine)
    assert again.status_code == 200
    await client.post(path, json={"minutes": 5}, headers=mine)
    broken = await client.delete(path, headers=SUPERVISOR)
    assert broken.status_code == 200
    actions = await timeline(client, ticket["id"])
    assert actions == ["created", "claimed", "locked", "unlocked", "locked", "lock_broken"]


async def test_handoff_requeues_with_raised_priority(client: httpx.AsyncClient) -> None:
    kind = await make_type(client, default_priority=40)
    await open_ticket(client, kind)
    agent = unique("agent")
    ticket = await claimed(client, agent, kind)
    path = f"/v1/tickets/{ticket['id']}/handoff"
    assert is_problem(await client.post(path, json={"reason": "x"}, headers=SUPERVISOR), 403)
    assert is_problem(await client.post(path, json={}, headers=auth(agent, "agent")), 422)
    back = await client.post(path, json={"reason": "needs a plumber"}, headers=auth(agent, "agent"))
    assert back.status_code == 200
    body = back.json()
    assert (body["status"], body["assignee"], body["handoffs"]) == ("queued", None, 1)
    assert body["priority"] == priority.raise_on_handoff(40, 1) == 50
    again = await client.post(path, json={"reason": "again"}, headers=auth(agent, "agent"))
    assert is_problem(again, 409)  # nobody holds it now: a state conflict (issue 10), not a permission
    second = await claimed(client, unique("agent"), kind)
    assert second["id"] == ticket["id"]
    handed = await client.post(path, json={"reason": "no"}, headers=auth(second["assignee"], "agent"))
    assert handed.json()["priority"] == priority.raise_on_handoff(50, 2) == 70
    assert await timeline(client, ticket["id"]) == [
        "created",
        "claimed",
        "handed_off",
        "claimed",
        "handed_off",
    ]


async def test_result_then_feedback_accept_and_reopen(client: httpx.AsyncClient) -> None:
    kind = await make_type(client, default_priority=50, sla_minutes=60)
    requester = unique("req")
    await open_ticket(client, kind, requester)
    agent = unique("agent")
    ticket = await claimed(client, agent, kind)
    tid = ticket["id"]
    result = f"/v1/tickets/{tid}/result"
    feedback = f"/v1/tickets/{tid}/feedback"
    early = await client.post(feedback, json={"verdict": "accept"}, headers=auth(requester))
    assert is_problem(early, 409)
    assert is_problem(
        await client.post(result, json={"result": "x"}, headers=auth(unique("agent"), "agent")), 404
    )
    assert is_problem(await client.post(result, json={"result": ""}, headers=auth(agent, "agent")), 422)
    done = await client.post(result, json={"result": "washer replaced"}, headers=auth(agent, "agent"))
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["late"], done.json()["result"]) == (
        "resolved",
        False,
        "washer replaced",
    )
    twice = await client.post(result, json={"result": "again"}, headers=auth(agent, "agent"))
    assert is_problem(twice, 409)
    bad = await client.post(feedback, json={"verdict": "accept", "rating": 6}, headers=auth(requester))
    assert is_problem(bad, 422)
    assert is_problem(
        await client.post(feedback, json={"verdict": "accept"}, headers=auth(agent, "agent")), 403
    )
    reopened = await client.post(
        feedback, json={"verdict": "reopen", "rating": 2, "comment": "still drips"}, headers=auth(requester)
    )
    body = reopened.json()
    assert (body["status"], body["assignee"], body["reopens"]) == ("queued", None, 1)
    assert body["priority"] == priority.raise_on_reopen(50) == 65
    assert datetime.fromisoformat(body["due_at"]) > datetime.fromisoformat(ticket["due_at"]) - timedelta(
        seconds=1
    )
    again = await claimed(client, agent, kind)
    assert again["id"] == tid
    await client.post(result, json={"result": "new tap"}, headers=auth(agent, "agent"))
    closed = await client.post(feedback, json={"verdict": "accept", "rating": 5}, headers=auth(requester))
    assert (closed.json()["status"], closed.json()["rating"]) == ("closed", 5)
    assert closed.json()["closed_at"]
    assert is_problem(await client.post(feedback, json={"verdict": "reopen"}, headers=auth(requester)), 409)
    assert await timeline(client, tid) == [
        "created",
        "claimed",
        "resolved",
        "feedback",
        "reopened",
        "claimed",
        "resolved",
        "feedback",
        "closed",
    ]


async def test_actions_on_unknown_tickets_are_404(client: httpx.AsyncClient) -> None:
    base = "/v1/tickets/00000000-0000-4000-8000-000000000001"
    agent = auth("a", "agent")
    for method, path, body in (
        ("POST", "/lock", {"minutes": 5}),
        ("DELETE", "/lock", None),
        ("POST", "/handoff", {"reason": "x"}),
        ("POST", "/result", {"result": "x"}),
        ("POST", "/feedback", {"verdict": "accept"}),
    ):
        response = await client.request(method, base + path, json=body, headers=agent)
        assert is_problem(response, 404), path
        assert is_problem(await client.request(method, base + path, json=body), 401), path
