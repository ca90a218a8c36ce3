"""Ticket types, creation, reading and listing: wiring, auth, validation and status codes."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from sealflow_ticketing.calendar import BusinessCalendar, business_minutes_between
from sealkit.testing import auth, unique

from .helpers import ADMIN, SUPERVISOR, is_problem, make_type, open_ticket, timeline


async def test_ticket_types_are_admin_only_and_unique(client: httpx.AsyncClient) -> None:
    body = {"key": unique("type"), "name": "Repair", "sla_minutes": 30, "default_priority": 40}
    assert is_problem(await client.post("/v1/ticket-types", json=body), 401)
    assert is_problem(await client.post("/v1/ticket-types", json=body, headers=auth("x", "agent")), 403)
    created = await client.post("/v1/ticket-types", json=body, headers=ADMIN)
    assert created.status_code == 201
    assert created.json()["callback_url"] is None
    assert is_problem(await client.post("/v1/ticket-types", json=body, headers=ADMIN), 409)
    fetched = await client.get(f"/v1/ticket-types/{body['key']}", headers=auth("anyone"))
    assert fetched.json()["sla_minutes"] == 30
    assert is_problem(await client.get("/v1/ticket-types/nope-nope", headers=auth("anyone")), 404)
    changed = await client.put(
        f"/v1/ticket-types/{body['key']}",
        json={"name": "Repair", "sla_minutes": 90, "default_priority": 60},
        headers=ADMIN,
    )
    assert changed.status_code == 200 and changed.json()["sla_minutes"] == 90
    listed = await client.get("/v1/ticket-types", headers=auth("anyone"))
    assert body["key"] in {t["key"] for t in listed.json()}


async def test_ticket_type_validation_is_problem_json(client: httpx.AsyncClient) -> None:
    bad = [
        {"key": unique("t"), "name": "x", "sla_minutes": 0, "default_priority": 5},
        {"key": unique("t"), "name": "x", "sla_minutes": 10, "default_priority": 101},
        {"key": unique("t"), "name": "x", "sla_minutes": 10, "default_priority": 0},
        {"key": "has space", "name": "x", "sla_minutes": 10, "default_priority": 5},
        {"key": unique("t"), "name": "x", "sla_minutes": 10, "default_priority": 5, "callback_url": "nope"},
        {
            "key": unique("t"),
            "name": "x",
            "sla_minutes": 10,
            "default_priority": 5,
            "calendar": {"timezone": "Mars/Olympus", "working_hours": {"mon": [["09:00", "17:00"]]}},
        },
    ]
    for body in bad:
        response = await client.post("/v1/ticket-types", json=body, headers=ADMIN)
        assert is_problem(response, 422), body
        assert response.json()["errors"]


async def test_create_ticket_sets_due_at_from_sla_and_defaults(client: httpx.AsyncClient) -> None:
    kind = await make_type(client, sla_minutes=120, default_priority=30)
    requester = unique("req")
    before = datetime.now().astimezone()
    ticket = await open_ticket(client, kind, requester, notify_url="http://127.0.0.1:9/hook")
    due = datetime.fromisoformat(ticket["due_at"])
    created = datetime.fromisoformat(ticket["created_at"])
    assert due - created == timedelta(minutes=120)
    assert created >= before - timedelta(seconds=5)
    assert (ticket["status"], ticket["priority"], ticket["overdue"]) == ("queued", 30, False)
    assert ticket["requester"]["id"] == requester
    assert ticket["type"] == kind
    explicit = await open_ticket(client, kind, priority=90)
    assert explicit["priority"] == 90
    assert await timeline(client, ticket["id"]) == ["created"]


async def test_business_calendar_sla_counts_business_minutes(client: httpx.AsyncClient) -> None:
    calendar = {"timezone": "Asia/Shanghai", "working_hours": {"sun": [["09:00", "10:00"]]}}
    kind = await make_type(client, sla_minutes=60, calendar=calendar)
    ticket = await open_ticket(client, kind)
    created, due = datetime.fromisoformat(ticket["created_at"]), datetime.fromisoformat(ticket["due_at"])
    local = due.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.weekday() == 6 and time(9) < local.time() <= time(10)
    assert business_minutes_between(created, due, BusinessCalendar.parse(calendar)) == 60


async def test_create_ticket_auth_and_validation(client: httpx.AsyncClient) -> None:
    kind = await make_type(client)
    body = {"type": kind, "title": "t"}
    assert is_problem(await client.post("/v1/tickets", json=body), 401)
    unknown = await client.post("/v1/tickets", json={**body, "type": "no-such"}, headers=auth("u1"))
    assert is_problem(unknown, 422)
    for bad in ({**body, "priority": 0}, {**body, "priority": 101}, {**body, "title": ""}, {"title": "x"}):
        assert is_problem(await client.post("/v1/tickets", json=bad, headers=auth("u1")), 422), bad
    spoof = {**body, "requester": {"id": "someone-else"}}
    assert is_problem(await client.post("/v1/tickets", json=spoof, headers=auth("u1", "applicant")), 403)
    on_behalf = await client.post("/v1/tickets", json=spoof, headers=auth("orders", "service"))
    assert on_behalf.status_code == 201 and on_behalf.json()["requester"]["id"] == "someone-else"


async def test_idempotency_key_replays_ticket_creation(client: httpx.AsyncClient) -> None:
    kind = await make_type(client)
    user = auth(unique("req"))
    headers = {**user, "Idempotency-Key": unique("key")}
    body = {"type": kind, "title": "once"}
    first = await client.post("/v1/tickets", json=body, headers=headers)
    again = await client.post("/v1/tickets", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    other = await client.post("/v1/tickets", json={**body, "title": "twice"}, headers=headers)
    assert is_problem(other, 409)


async def test_who_sees_a_ticket(client: httpx.AsyncClient) -> None:
    kind = await make_type(client)
    requester = unique("req")
    ticket = await open_ticket(client, kind, requester)
    path = f"/v1/tickets/{ticket['id']}"
    assert (await client.get(path, headers=auth(requester))).status_code == 200
    assert (await client.get(path, headers=SUPERVISOR)).status_code == 200
    assert (await client.get(path, headers=auth("m", "monitor"))).status_code == 200
    assert (await client.get(path, headers=auth(unique("agent"), "agent"))).status_code == 200  # the pool
    assert is_problem(await client.get(path, headers=auth(unique("stranger"))), 404)
    assert is_problem(await client.get(f"{path}/timeline", headers=auth(unique("stranger"))), 404)
    assert is_problem(await client.get(path), 401)
    assert is_problem(await client.get("/v1/tickets/not-a-uuid", headers=auth(requester)), 422)
    missing = "/v1/tickets/00000000-0000-4000-8000-000000000000"
    assert is_problem(await client.get(missing, headers=SUPERVISOR), 404)


async def test_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    kind = await make_type(client)
    requester = unique("req")
    ids = [(await open_ticket(client, kind, requester))["id"] for _ in range(3)]
    mine = await client.get("/v1/tickets", params={"limit": 2}, headers=auth(requester))
    page = mine.json()
    assert [t["id"] for t in page["items"]] == ids[::-1][:2]
    assert page["next_cursor"]
    rest = await client.get(
        "/v1/tickets", params={"limit": 2, "cursor": page["next_cursor"]}, headers=auth(requester)
    )
    assert [t["id"] for t in rest.json()["items"]] == [ids[0]]
    assert rest.json()["next_cursor"] is None
    by_type = await client.get(
        "/v1/tickets", params={"type": kind, "status": "queued", "overdue": "false"}, headers=SUPERVISOR
    )
    assert {t["id"] for t in by_type.json()["items"]} == set(ids)
    stranger = await client.get("/v1/tickets", params={"type": kind}, headers=auth(unique("x")))
    assert stranger.json()["items"] == []
    bad = await client.get("/v1/tickets", params={"status": "lost"}, headers=SUPERVISOR)
    assert is_problem(bad, 422)
    assert is_problem(await client.get("/v1/tickets", params={"cursor": "@@"}, headers=SUPERVISOR), 422)
