"""Platform extras: service-need suggestions, common services (popular when none set), premises."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from sealkit.testing import auth, unique

from .helpers import ADMIN, STAFF, is_problem, make_category, make_item
from .seed import seed_order

NOWHERE = "0195e5a0-0000-7000-8000-000000000000"


async def test_enterprises_suggest_services_and_admins_read_them(client: httpx.AsyncClient) -> None:
    asker = auth(unique("ent"), "enterprise", enterprise_id="e-42")
    category = await make_category(client)
    body = {"category_id": category, "title": unique("Patent filing help"), "description": "专利申请辅导"}
    assert is_problem(await client.post("/v1/catalog/suggestions", json=body), 401)
    assert is_problem(await client.post("/v1/catalog/suggestions", json=body, headers=STAFF), 403)
    first = await client.post("/v1/catalog/suggestions", json=body, headers=asker)
    assert first.status_code == 201
    assert first.json()["enterprise_id"] == "e-42" and first.json()["category_id"] == category
    second = await client.post(
        "/v1/catalog/suggestions", json={"title": unique("Canteen"), "description": "d"}, headers=asker
    )
    assert second.status_code == 201 and second.json()["category_id"] is None
    for bad in (
        {**body, "category_id": NOWHERE},
        {"description": "no title"},
        {**body, "title": ""},
        {**body, "priority": 1},
    ):
        assert is_problem(await client.post("/v1/catalog/suggestions", json=bad, headers=asker), 422), bad
    assert is_problem(await client.get("/v1/catalog/suggestions", headers=asker), 403)
    listed = (await client.get("/v1/catalog/suggestions", headers=ADMIN)).json()["items"]
    assert [s["id"] for s in listed[:2]] == [second.json()["id"], first.json()["id"]]


async def test_common_services_are_the_popular_items_until_chosen(client: httpx.AsyncClient) -> None:
    user = auth(unique("u"), "enterprise")
    assert is_problem(await client.get("/v1/catalog/favorites"), 401)
    popular = (await client.get("/v1/catalog/popular", params={"limit": 10}, headers=user)).json()["items"]
    fallback = (await client.get("/v1/catalog/favorites", headers=user)).json()
    assert fallback["source"] == "popular"
    assert [i["id"] for i in fallback["items"]] == [i["id"] for i in popular]
    a, b = (await make_item(client))["id"], (await make_item(client))["id"]
    chosen = await client.put("/v1/catalog/favorites", json={"item_ids": [b, a, b]}, headers=user)
    assert chosen.status_code == 200
    assert chosen.json()["source"] == "favorites" and [i["id"] for i in chosen.json()["items"]] == [b, a]
    assert (await client.get("/v1/catalog/favorites", headers=user)).json() == chosen.json()
    other = auth(unique("u"), "enterprise")
    assert (await client.get("/v1/catalog/favorites", headers=other)).json()["source"] == "popular"
    unknown = await client.put("/v1/catalog/favorites", json={"item_ids": [a, NOWHERE]}, headers=user)
    assert is_problem(unknown, 422) and unknown.json()["errors"][0]["loc"] == ["body", "item_ids", 1]
    assert is_problem(await client.put("/v1/catalog/favorites", json={"item_ids": ["x"]}, headers=user), 422)
    emptied = await client.put("/v1/catalog/favorites", json={"item_ids": []}, headers=user)
    assert emptied.json()["source"] == "popular"  # cleared: back to the popular items


async def test_two_favorite_lists_at_once_leave_one_of_them_whole(client: httpx.AsyncClient) -> None:
    user = auth(unique("u"), "enterprise")
    items = [(await make_item(client))["id"] for _ in range(4)]
    lists = [items[:2], items[2:]]
    for _ in range(3):
        answers = await asyncio.gather(
            *(client.put("/v1/catalog/favorites", json={"item_ids": ids}, headers=user) for ids in lists)
        )
        assert [r.status_code for r in answers] == [200, 200]
        final = [i["id"] for i in (await client.get("/v1/catalog/favorites", headers=user)).json()["items"]]
        assert final in lists


async def test_members_bind_their_enterprise_to_its_rooms(client: httpx.AsyncClient, app: FastAPI) -> None:
    item = str((await make_item(client))["id"])
    mine, theirs = await seed_order(app, item), await seed_order(app, item)
    building = unique("B")
    path = f"/v1/enterprises/{mine.enterprise_id}/premises"
    rooms = {
        "items": [
            {"building": building, "unit": "301", "area_m2": 120.5},
            {"building": building, "unit": "302", "area_m2": 80},
        ]
    }
    assert is_problem(await client.put(path, json=rooms), 401)
    assert is_problem(await client.put(path, json=rooms, headers=theirs.applicant_auth), 404)
    assert is_problem(await client.put(path, json=rooms, headers=STAFF), 403)
    assert is_problem(await client.put(path, json=rooms, headers=ADMIN), 403)
    bound = await client.put(path, json=rooms, headers=mine.applicant_auth)
    assert bound.status_code == 200
    assert [(r["unit"], r["area_m2"]) for r in bound.json()["items"]] == [("301", 120.5), ("302", 80.0)]
    seen = await client.get(path, headers=mine.colleague_auth)
    assert seen.json()["items"] == bound.json()["items"]
    assert (await client.get(path, headers=STAFF)).status_code == 200
    assert is_problem(await client.get(path, headers=theirs.applicant_auth), 404)
    claimed = auth(unique("x"), "enterprise", enterprise_id=str(mine.enterprise_id))
    fewer = await client.put(path, json={"items": rooms["items"][:1]}, headers=claimed)
    assert [r["unit"] for r in fewer.json()["items"]] == ["301"]
    # 302 is free again, 301 is still mine
    other_path = f"/v1/enterprises/{theirs.enterprise_id}/premises"
    taken = await client.put(other_path, json={"items": [rooms["items"][0]]}, headers=theirs.applicant_auth)
    assert is_problem(taken, 409) and "301" in taken.json()["detail"]
    freed = await client.put(other_path, json={"items": [rooms["items"][1]]}, headers=theirs.applicant_auth)
    assert freed.status_code == 200


async def test_bad_premises_are_422(client: httpx.AsyncClient, app: FastAPI) -> None:
    mine = await seed_order(app, str((await make_item(client))["id"]))
    path = f"/v1/enterprises/{mine.enterprise_id}/premises"
    room = {"building": unique("B"), "unit": "1", "area_m2": 10}
    twice = await client.put(path, json={"items": [room, room]}, headers=mine.applicant_auth)
    assert is_problem(twice, 422) and twice.json()["errors"][0]["loc"] == ["body", "items", 1, "unit"]
    for bad in ({**room, "area_m2": 0}, {**room, "unit": ""}, {"building": "B", "unit": "1"}):
        assert is_problem(await client.put(path, json={"items": [bad]}, headers=mine.applicant_auth), 422), (
            bad
        )
    assert is_problem(
        await client.put(f"/v1/enterprises/{NOWHERE}/premises", json={"items": []}, headers=ADMIN), 404
    )
