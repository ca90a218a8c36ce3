"""Catalogue endpoints: admin writes, schema checks, versions, search (Chinese too), secrets kept."""

from __future__ import annotations

import httpx

from sealkit.testing import auth, unique

from .helpers import ADMIN, is_problem, item_body, make_category, make_item

USER = auth("reader-1", "enterprise")


async def test_only_admins_write_and_everyone_authenticated_reads(client: httpx.AsyncClient) -> None:
    body = {"name": unique("cat"), "description": "x"}
    assert is_problem(await client.post("/v1/catalog/categories", json=body), 401)
    assert is_problem(await client.post("/v1/catalog/categories", json=body, headers=USER), 403)
    created = await client.post("/v1/catalog/categories", json=body, headers=ADMIN)
    assert created.status_code == 201
    assert is_problem(await client.post("/v1/catalog/categories", json=body, headers=ADMIN), 409)
    listed = await client.get("/v1/catalog/categories", headers=USER)
    assert created.json() in listed.json()["items"]
    category = created.json()["id"]
    assert is_problem(await client.post("/v1/catalog/items", json=item_body(category), headers=USER), 403)
    renamed = await client.put(
        f"/v1/catalog/categories/{category}", json={"name": unique("cat"), "description": "y"}, headers=ADMIN
    )
    assert renamed.status_code == 200 and renamed.json()["description"] == "y"


async def test_an_invalid_form_schema_is_422(client: httpx.AsyncClient) -> None:
    category = await make_category(client)
    for schema in ({"type": "object", "properties": {"a": {"type": "nonsense"}}}, {"type": "array"}):
        response = await client.post(
            "/v1/catalog/items", json=item_body(category, form_schema=schema), headers=ADMIN
        )
        assert is_problem(response, 422), response.text
        assert response.json()["errors"][0]["loc"][-1] == "form_schema"
    unknown = await client.post(
        "/v1/catalog/items", json=item_body("0195e5a0-0000-7000-8000-000000000000"), headers=ADMIN
    )
    assert is_problem(unknown, 422)


async def test_provider_secret_is_write_only_and_link_local_urls_are_refused(
    client: httpx.AsyncClient,
) -> None:
    category = await make_category(client)
    provider = {"kind": "third_party", "name": "Bank", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}
    item = await make_item(client, category, provider=provider)
    assert item["provider"]["kind"] == "third_party" and "secret" not in item["provider"]
    fetched = await client.get(f"/v1/catalog/items/{item['id']}", headers=USER)
    assert "secret" not in fetched.text and "s" * 32 not in fetched.text
    bad = {**provider, "url": "http://169.254.169.254/latest"}
    assert is_problem(
        await client.post("/v1/catalog/items", json=item_body(category, provider=bad), headers=ADMIN), 422
    )


async def test_a_change_makes_a_new_version_and_the_old_one_stays(client: httpx.AsyncClient) -> None:
    item = await make_item(client)
    changed = item_body(item["category_id"], name="新名字 " + unique("x"), active=False)
    response = await client.put(f"/v1/catalog/items/{item['id']}", json=changed, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2 and response.json()["active"] is False
    first = await client.get(f"/v1/catalog/items/{item['id']}/versions/1", headers=USER)
    assert first.status_code == 200 and first.json()["name"] == item["name"]
    listed = await client.get("/v1/catalog/items", params={"category": item["category_id"]}, headers=USER)
    assert listed.json()["items"] == []  # inactive items leave the list


async def test_search_matches_chinese_and_case_insensitively(client: httpx.AsyncClient) -> None:
    category = await make_category(client)
    marker = unique("k")
    loan = await make_item(client, category, name=f"知识产权贷款 {marker}", description="Patent-backed LOANS")
    await make_item(client, category, name=f"人才培训 {marker}", description="training")
    for q in ("产权", "patent-BACKED", "loans"):
        found = await client.get("/v1/catalog/items", params={"category": category, "q": q}, headers=USER)
        assert [i["id"] for i in found.json()["items"]] == [loan["id"]], q
    literal = await client.get("/v1/catalog/items", params={"category": category, "q": "%"}, headers=USER)
    assert literal.json()["items"] == []
    third = await client.get(
        "/v1/catalog/items", params={"category": category, "provider": "third_party"}, headers=USER
    )
    assert third.json()["items"] == []


async def test_listing_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    category = await make_category(client)
    made = [(await make_item(client, category))["id"] for _ in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"category": category, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/catalog/items", params=params, headers=USER)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]
