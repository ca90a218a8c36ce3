"""Every approval path: 401 for missing or bad tokens, 403 for the wrong role, 404 for other people's objects."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from sealkit.testing import TEST_JWT_SECRET, auth, token, unique

from .helpers import assert_problem, decide, open_request, people, request_body, task_of


def _claims(sub: str, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": sub, "name": sub, "roles": ["admin"], "iat": now, "exp": now + 600, **extra}


def _bad_tokens() -> dict[str, dict[str, str]]:
    sub = unique("mallory")
    no_exp = _claims(sub)
    del no_exp["exp"]
    header, payload, _ = jwt.encode(_claims(sub), TEST_JWT_SECRET, algorithm="HS256").split(".")
    return {
        "missing": {},
        "not bearer": {"Authorization": f"Basic {token(sub, 'admin')}"},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "expired": {"Authorization": f"Bearer {token(sub, 'admin', ttl_seconds=-60)}"},
        "alg none": {"Authorization": f"Bearer {jwt.encode(_claims(sub), '', algorithm='none')}"},
        "wrong key": {
            "Authorization": f"Bearer {jwt.encode(_claims(sub), 'another-secret-entirely', algorithm='HS256')}"
        },
        "missing exp": {"Authorization": f"Bearer {jwt.encode(no_exp, TEST_JWT_SECRET, algorithm='HS256')}"},
        "tampered": {"Authorization": f"Bearer {header}.{payload}.{'A' * 43}"},
        # claims that are signed but say nothing trustworthy (issue 10, item 3)
        "empty sub with admin": {"Authorization": f"Bearer {_signed(_claims(''))}"},
        "roles as an object": {"Authorization": f"Bearer {_signed(_claims(sub, roles={}))}"},
        "roles as zero": {"Authorization": f"Bearer {_signed(_claims(sub, roles=0))}"},
        "roles as an empty string": {"Authorization": f"Bearer {_signed(_claims(sub, roles=''))}"},
    }


def _signed(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")


async def _every_path(client: httpx.AsyncClient) -> list[tuple[str, str, dict[str, Any] | None]]:
    applicant, approver = unique("alice"), unique("bob")
    created = await open_request(client, applicant, request_body(("all", [approver])))
    rid, gid, tid = created["id"], created["groups"][0]["id"], task_of(created, approver)
    return [
        ("POST", "/v1/approval-requests", request_body(("all", [approver]))),
        ("GET", "/v1/approval-requests", None),
        ("GET", f"/v1/approval-requests/{rid}", None),
        ("GET", f"/v1/approval-requests/{rid}/timeline", None),
        ("POST", f"/v1/approval-requests/{rid}/withdraw", None),
        ("POST", f"/v1/approval-requests/{rid}/groups/{gid}/approvers", {"id": unique("carol")}),
        ("GET", "/v1/tasks", None),
        ("POST", f"/v1/tasks/{tid}/decision", {"decision": "approve"}),
        ("POST", f"/v1/tasks/{tid}/delegate", {"to": {"id": unique("dave")}}),
        ("GET", "/v1/outbox/dead-letters", None),
        ("POST", f"/v1/outbox/dead-letters/{tid}/retry", None),
    ]


@pytest.mark.parametrize("kind", list(_bad_tokens()))
async def test_every_path_refuses_a_missing_or_bad_token(client: httpx.AsyncClient, kind: str) -> None:
    headers = _bad_tokens()[kind]
    for method, path, body in await _every_path(client):
        response = await client.request(method, path, json=body, headers=headers)
        problem = assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer", (method, path)
        assert "token" in problem["type"] or "unauthorized" in problem["type"], problem


async def test_a_valid_token_with_the_documented_claims_is_accepted(client: httpx.AsyncClient) -> None:
    sub = unique("erin")
    response = await client.get("/v1/tasks", headers=auth(sub, "approver", email=f"{sub}@example.org"))
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_strangers_get_404_for_other_peoples_requests_and_tasks(client: httpx.AsyncClient) -> None:
    applicant, approver, stranger = unique("alice"), unique("bob"), unique("eve")
    created = await open_request(client, applicant, request_body(("all", [approver])))
    rid, gid, tid = created["id"], created["groups"][0]["id"], task_of(created, approver)
    eve = auth(stranger, "approver", "applicant")
    for method, path, body in [
        ("GET", f"/v1/approval-requests/{rid}", None),
        ("GET", f"/v1/approval-requests/{rid}/timeline", None),
        ("POST", f"/v1/approval-requests/{rid}/withdraw", None),
        ("POST", f"/v1/approval-requests/{rid}/groups/{gid}/approvers", {"id": unique("carol")}),
        ("POST", f"/v1/tasks/{tid}/decision", {"decision": "approve"}),
        ("POST", f"/v1/tasks/{tid}/delegate", {"to": {"id": stranger}}),
    ]:
        response = await client.request(method, path, json=body, headers=eve)
        assert_problem(response, 404)
    # nothing happened to the request
    fetched = (await client.get(f"/v1/approval-requests/{rid}", headers=auth(applicant))).json()
    assert fetched["status"] == "pending"
    assert [t["approver_id"] for t in fetched["groups"][0]["tasks"]] == [approver]
    assert fetched["groups"][0]["tasks"][0]["status"] == "pending"


async def test_people_who_can_see_a_request_get_403_for_what_is_not_theirs(client: httpx.AsyncClient) -> None:
    applicant, approver, other = unique("alice"), unique("bob"), unique("carol")
    created = await open_request(client, applicant, request_body(("all", [approver]), ("all", [other])))
    rid, tid = created["id"], task_of(created, approver)
    # the applicant and an admin see the task but may not decide it
    assert_problem(await decide(client, tid, applicant), 403)
    response = await client.post(
        f"/v1/tasks/{tid}/decision", json={"decision": "approve"}, headers=auth(unique("root"), "admin")
    )
    assert_problem(response, 403)
    # a fellow approver sees the task too, so it is 403 (not 404) for them
    assert_problem(await decide(client, tid, other), 403)
    response = await client.post(
        f"/v1/tasks/{tid}/delegate", json={"to": {"id": unique("dave")}}, headers=auth(other)
    )
    assert_problem(response, 403)
    # an approver and an admin see the request but only the applicant may withdraw it
    assert_problem(await client.post(f"/v1/approval-requests/{rid}/withdraw", headers=auth(approver)), 403)
    assert_problem(
        await client.post(f"/v1/approval-requests/{rid}/withdraw", headers=auth(unique("root"), "admin")), 403
    )
    # the applicant may not delegate an approver's task
    response = await client.post(
        f"/v1/tasks/{tid}/delegate", json={"to": {"id": unique("dave")}}, headers=auth(applicant)
    )
    assert_problem(response, 403)
    # only the service role may decide for someone else
    response = await decide(client, task_of(created, other, group=1), approver, on_behalf_of=other)
    assert_problem(response, 403)
    fetched = (await client.get(f"/v1/approval-requests/{rid}", headers=auth(applicant))).json()
    assert fetched["status"] == "pending"
    assert {t["status"] for g in fetched["groups"] for t in g["tasks"]} == {"pending"}


async def test_listing_everyones_requests_needs_admin_or_monitor(client: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    created = await open_request(client, applicant, request_body(("all", people(1))))
    response = await client.get("/v1/approval-requests?mine=false", headers=auth(applicant, "approver"))
    assert_problem(response, 403)
    for role in ("admin", "monitor"):
        seen: list[str] = []
        cursor = None
        for _ in range(100):
            params: dict[str, Any] = {"mine": "false", "limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = (
                await client.get("/v1/approval-requests", params=params, headers=auth(unique(), role))
            ).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if created["id"] in seen or cursor is None:
                break
        assert created["id"] in seen


async def test_dead_letters_need_admin_or_monitor_and_retry_needs_admin(client: httpx.AsyncClient) -> None:
    for roles in [("approver",), ("applicant", "service")]:
        response = await client.get("/v1/outbox/dead-letters", headers=auth(unique(), *roles))
        assert_problem(response, 403)
    assert (await client.get("/v1/outbox/dead-letters", headers=auth(unique(), "monitor"))).status_code == 200
    missing = "00000000-0000-4000-8000-000000000000"
    response = await client.post(
        f"/v1/outbox/dead-letters/{missing}/retry", headers=auth(unique(), "monitor")
    )
    assert_problem(response, 403)
    response = await client.post(f"/v1/outbox/dead-letters/{missing}/retry", headers=auth(unique(), "admin"))
    assert_problem(response, 404)
