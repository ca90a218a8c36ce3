"""Enterprises: credit codes (python-stdnum), certificate, admin review, membership and visibility."""

from __future__ import annotations

import httpx

from sealkit.testing import auth, unique

from .helpers import ADMIN, STAFF, credit_code, is_problem, make_enterprise, member, uploaded
from .samples import pdf


async def _register(client: httpx.AsyncClient, headers: dict[str, str], code: str) -> httpx.Response:
    certificate = await uploaded(client, headers, pdf(1))
    body = {"name": unique("企业"), "credit_code": code, "certificate_file_id": certificate}
    return await client.post("/v1/enterprises", json=body, headers=headers)


async def test_registration_checks_the_credit_code(client: httpx.AsyncClient) -> None:
    _, user = member()
    good = credit_code()
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    for code, why in (
        (wrong_check, "check character"),
        (good[:17], "18 characters"),
        ("9111000I" + good[8:], ""),
    ):
        response = await _register(client, user, code)
        assert is_problem(response, 422), code
        assert why in response.text
    created = await _register(client, user, good)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "pending" and created.json()["credit_code"] == good
    _, someone = member()
    assert is_problem(await _register(client, someone, good), 409)


async def test_the_certificate_must_be_the_callers_file(client: httpx.AsyncClient) -> None:
    _, owner = member()
    _, thief = member()
    certificate = await uploaded(client, owner, pdf(1))
    body = {"name": "x", "credit_code": credit_code(), "certificate_file_id": certificate}
    assert is_problem(await client.post("/v1/enterprises", json=body, headers=thief), 422)
    assert is_problem(await client.post("/v1/enterprises", json=body, headers=STAFF), 403)


async def test_review_by_admin_with_a_reason_to_reject(client: httpx.AsyncClient) -> None:
    _, user = member()
    enterprise = await make_enterprise(client, user, verify=False)
    url = f"/v1/enterprises/{enterprise}/review"
    assert is_problem(await client.post(url, json={"decision": "verify"}, headers=STAFF), 403)
    assert is_problem(await client.post(url, json={"decision": "reject"}, headers=ADMIN), 422)
    queue = await client.get("/v1/enterprises", params={"status": "pending", "limit": 200}, headers=STAFF)
    assert enterprise in [e["id"] for e in queue.json()["items"]]
    rejected = await client.post(
        url, json={"decision": "reject", "reason": "证照模糊 blurred"}, headers=ADMIN
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected" and rejected.json()["reviewed_by"] == "admin-1"
    assert is_problem(await client.post(url, json={"decision": "verify"}, headers=ADMIN), 409)


async def test_members_staff_and_admin_read_others_do_not(client: httpx.AsyncClient) -> None:
    founder_id, founder = member()
    enterprise = await make_enterprise(client, founder)
    got = await client.get(f"/v1/enterprises/{enterprise}", headers=founder)
    assert got.status_code == 200 and got.json()["members"] == [founder_id]
    _, by_claim = member(enterprise)
    assert (await client.get(f"/v1/enterprises/{enterprise}", headers=by_claim)).status_code == 200
    for reader in (STAFF, ADMIN):
        assert (await client.get(f"/v1/enterprises/{enterprise}", headers=reader)).status_code == 200
    _, stranger = member()
    assert is_problem(await client.get(f"/v1/enterprises/{enterprise}", headers=stranger), 404)
    assert is_problem(await client.get("/v1/enterprises", headers=stranger), 403)
    assert is_problem(await client.get("/v1/enterprises", headers=auth("m", "monitor")), 403)
