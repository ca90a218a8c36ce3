"""Order endpoints: staff progress and internal notes, who sees which orders, list filters with the
names staff need, the monitor's figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from sealkit.testing import auth, unique

from .helpers import (
    ADMIN,
    MONITOR,
    STAFF,
    apply,
    get_order,
    is_problem,
    make_category,
    make_item,
    make_order,
    verified_member,
)


async def test_staff_progress_internal_notes_and_transitions(client: httpx.AsyncClient) -> None:
    _, applicant, _ = await verified_member(client)
    order = await make_order(client, applicant)
    url = f"/v1/orders/{order['id']}/progress"
    assert is_problem(await client.post(url, json={"note": "hi"}, headers=applicant), 403)
    assert is_problem(await client.post(url, json={"note": "hi"}, headers=MONITOR), 403)
    internal = await client.post(url, json={"note": "客户信用良好 internal", "internal": True}, headers=STAFF)
    assert internal.status_code == 200, internal.text
    working = await client.post(url, json={"note": "正在办理", "status": "in_progress"}, headers=STAFF)
    assert working.json()["status"] == "in_progress" and working.json()["handler_name"] == "staff-1"
    seen_by_applicant = await get_order(client, order["id"], applicant)
    notes = [p["note"] for p in seen_by_applicant["progress"]]
    assert "正在办理" in notes and "客户信用良好 internal" not in notes
    assert "客户信用良好 internal" in [p["note"] for p in (await get_order(client, order["id"]))["progress"]]
    assert [p["by"] for p in seen_by_applicant["progress"]][-1] == "staff-1"
    bad = await client.post(url, json={"note": "x", "status": "dispatched"}, headers=STAFF)
    assert is_problem(bad, 422)
    done = await client.post(url, json={"note": "办结", "status": "completed"}, headers=STAFF)
    assert done.json()["status"] == "completed" and done.json()["result"] == "办结"
    assert is_problem(await client.post(url, json={"note": "again"}, headers=STAFF), 409)


async def test_a_ticket_result_and_a_staff_completion_at_once_one_completes(
    client: httpx.AsyncClient,
) -> None:
    order = await make_order(client)
    url = f"/v1/orders/{order['id']}/progress"
    answers = await asyncio.gather(
        *(
            client.post(url, json={"note": f"done {i}", "status": "completed"}, headers=STAFF)
            for i in range(3)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409]
    final = await get_order(client, order["id"])
    assert [p["status"] for p in final["progress"]].count("completed") == 1


async def test_each_enterprise_sees_its_own_orders_and_staff_see_all(client: httpx.AsyncClient) -> None:
    _, first, first_enterprise = await verified_member(client)
    _, second, _ = await verified_member(client)
    mine = await make_order(client, first)
    theirs = await make_order(client, second)
    listed = (await client.get("/v1/orders", headers=first)).json()["items"]
    assert [o["id"] for o in listed] == [mine["id"]]
    assert is_problem(await client.get(f"/v1/orders/{theirs['id']}", headers=first), 404)
    colleague = auth(unique("c"), "enterprise", enterprise_id=first_enterprise)
    assert [o["id"] for o in (await client.get("/v1/orders", headers=colleague)).json()["items"]] == [
        mine["id"]
    ]
    assert is_problem(await client.get("/v1/orders", headers=auth("agent-1", "agent")), 403)
    by_number = await client.get("/v1/orders", params={"q": mine["number"].lower()}, headers=STAFF)
    row = by_number.json()["items"]
    assert [o["id"] for o in row] == [mine["id"]] and row[0]["enterprise_name"] == mine["enterprise_name"]
    assert "handler_name" in row[0]


async def test_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    category = await make_category(client)
    _, user, _ = await verified_member(client)
    orders = [await make_order(client, user, category_id=category) for _ in range(3)]
    base = {"category_id": category}
    page = (await client.get("/v1/orders", params={**base, "limit": 2}, headers=STAFF)).json()
    rest = (
        await client.get("/v1/orders", params={**base, "cursor": page["next_cursor"]}, headers=STAFF)
    ).json()
    assert [o["id"] for o in page["items"] + rest["items"]] == [o["id"] for o in reversed(orders)]
    assert rest["next_cursor"] is None
    item = orders[0]["item_id"]
    assert [
        o["id"]
        for o in (await client.get("/v1/orders", params={"item_id": item}, headers=STAFF)).json()["items"]
    ] == [orders[0]["id"]]
    await client.post(
        f"/v1/orders/{orders[1]['id']}/progress", json={"note": "go", "status": "in_progress"}, headers=STAFF
    )
    working = await client.get("/v1/orders", params={**base, "status": "in_progress"}, headers=STAFF)
    assert [o["id"] for o in working.json()["items"]] == [orders[1]["id"]]
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    none = await client.get("/v1/orders", params={**base, "from": later}, headers=STAFF)
    assert none.json()["items"] == []
    before = await client.get("/v1/orders", params={**base, "to": later}, headers=STAFF)
    assert len(before.json()["items"]) == 3
    assert is_problem(await client.get("/v1/orders", params={"status": "lost"}, headers=STAFF), 422)


async def test_stats_for_monitors(client: httpx.AsyncClient) -> None:
    _, user, _ = await verified_member(client)
    order = await make_order(client, user)
    await client.post(
        f"/v1/orders/{order['id']}/progress", json={"note": "ok", "status": "completed"}, headers=STAFF
    )
    await client.post(f"/v1/orders/{order['id']}/rating", json={"rating": 5}, headers=user)
    assert is_problem(await client.get("/v1/stats/orders", headers=user), 403)
    assert is_problem(await client.get("/v1/stats/orders", headers=STAFF), 403)
    stats = (await client.get("/v1/stats/orders", headers=MONITOR)).json()
    assert stats["by_status"]["completed"] >= 1 and stats["total"] == sum(stats["by_status"].values())
    assert order["item_id"] in [i["key"] for i in stats["by_item"]]
    assert stats["mean_rating"] is not None and stats["mean_hours_to_completion"] is not None
    assert (await client.get("/v1/stats/orders", headers=ADMIN)).status_code == 200
    waiting = stats["waiting_longest"]
    assert all(w["status"] in ("awaiting_approval", "dispatched", "in_progress") for w in waiting)


async def test_orders_made_at_once_get_distinct_numbers(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[])
    _, user, _ = await verified_member(client)
    answers = await asyncio.gather(*(apply(client, user, item["id"]) for _ in range(8)))
    assert all(a.status_code == 201 for a in answers)
    numbers = [(await get_order(client, a.json()["order_id"]))["number"] for a in answers]
    assert len(set(numbers)) == 8 and all(n.startswith("SF") for n in numbers)
    once = await make_item(client, materials=[])
    assert (await apply(client, user, once["id"])).status_code == 201
    popular = (await client.get("/v1/catalog/popular", params={"limit": 200}, headers=STAFF)).json()["items"]
    ranked = [i["id"] for i in popular]
    assert ranked.index(item["id"]) < ranked.index(once["id"])  # 8 applications before 1
