"""Who may call what: every admin write refuses the other roles, reads of an order follow membership,
figures are for monitors and admins. Missing or bad tokens are 401 everywhere."""

from __future__ import annotations

import httpx

from sealkit.testing import auth, unique

from .helpers import (
    ADMIN,
    MONITOR,
    STAFF,
    is_problem,
    item_body,
    make_category,
    make_enterprise,
    make_item,
    make_order,
    member,
)

NOBODY_BUT_ADMIN = [auth(unique("e"), "enterprise"), STAFF, MONITOR, auth(unique("a"), "agent")]


async def test_catalogue_and_review_writes_are_for_admins(client: httpx.AsyncClient) -> None:
    category = await make_category(client)
    item = await make_item(client, category)
    _, founder = member()
    enterprise = await make_enterprise(client, founder, verify=False)
    writes = [
        ("POST", "/v1/catalog/categories", {"name": unique("c"), "description": ""}),
        ("PUT", f"/v1/catalog/categories/{category}", {"name": unique("c"), "description": ""}),
        ("POST", "/v1/catalog/items", item_body(category)),
        ("PUT", f"/v1/catalog/items/{item['id']}", item_body(category)),
        ("POST", f"/v1/enterprises/{enterprise}/review", {"decision": "verify"}),
        ("GET", "/v1/deliveries", None),
    ]
    for method, path, body in writes:
        assert is_problem(await client.request(method, path, json=body), 401), path
        bad = {"Authorization": "Bearer not-a-token"}
        assert is_problem(await client.request(method, path, json=body, headers=bad), 401), path
        for headers in NOBODY_BUT_ADMIN:
            assert is_problem(await client.request(method, path, json=body, headers=headers), 403), path


async def test_order_reads_follow_membership_and_figures_are_for_monitors(client: httpx.AsyncClient) -> None:
    _, applicant = member()
    enterprise = await make_enterprise(client, applicant)
    order = await make_order(client, applicant)
    path = f"/v1/orders/{order['id']}"
    _, colleague = member(enterprise)
    for reader in (applicant, colleague, STAFF, MONITOR, ADMIN):
        assert (await client.get(path, headers=reader)).status_code == 200
    _, stranger = member()
    for outsider in (stranger, auth(unique("a"), "agent")):
        assert is_problem(await client.get(path, headers=outsider), 404)
    assert is_problem(await client.get(path), 401)
    for who in (applicant, STAFF):
        assert is_problem(await client.get("/v1/stats/orders", headers=who), 403)
    for who in (MONITOR, ADMIN):
        assert (await client.get("/v1/stats/orders", headers=who)).status_code == 200
    progress = f"{path}/progress"
    for who in (applicant, MONITOR, auth(unique("a"), "agent")):
        assert is_problem(await client.post(progress, json={"note": "x"}, headers=who), 403)
    assert (await client.post(progress, json={"note": "x"}, headers=ADMIN)).status_code == 200
    assert is_problem(await client.post(f"{path}/cancel", json={}, headers=colleague), 403)
