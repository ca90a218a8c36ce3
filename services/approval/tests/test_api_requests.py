"""Creating, reading, listing and withdrawing requests: validation, status codes, idempotency, visibility."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from sealkit.testing import auth, unique

from .helpers import assert_problem, connect, decide, get_request, open_request, people, request_body, task_of


def _group(mode: str = "all", approvers: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": "g",
        "mode": mode,
        "approvers": [{"id": unique()}] if approvers is None else approvers,
        **extra,
    }


def _future(seconds: int = 3600) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "no groups": ({"groups": []}, "groups"),
    "a group without approvers": ({"groups": [_group(approvers=[])]}, "approvers"),
    "an approver twice in a group": (
        {"groups": [_group(approvers=[{"id": "same-person"}, {"id": "same-person"}])]},
        "at most once",
    ),
    "quorum below 1": (
        {"groups": [_group("quorum", [{"id": "a"}, {"id": "b"}], min_approvals=0)]},
        "min_approvals",
    ),
    "quorum above the approvers": (
        {"groups": [_group("quorum", [{"id": "a"}, {"id": "b"}], min_approvals=3)]},
        "min_approvals",
    ),
    "quorum without min_approvals": ({"groups": [_group("quorum")]}, "min_approvals"),
    "min_approvals on an all group": ({"groups": [_group("all", min_approvals=1)]}, "quorum"),
    "min_approvals on an any group": ({"groups": [_group("any", min_approvals=1)]}, "quorum"),
    "email approval without email": (
        {"groups": [_group(approvers=[{"id": "a", "email_approval": True}])]},
        "email",
    ),
    "a malformed email": ({"groups": [_group(approvers=[{"id": "a", "email": "not-an-address"}])]}, "email"),
    "an unknown mode": ({"groups": [_group("majority")]}, "mode"),
    "an unknown combine": ({"combine": "xor"}, "combine"),
    "deadline without a time zone": ({"deadline_at": "2099-12-01T09:00:00"}, "time zone"),
    "deadline in the past": ({"deadline_at": "2001-01-01T00:00:00Z"}, "deadline"),
    "on_deadline without deadline_at": ({"on_deadline": "approve"}, "deadline"),
    "a bad on_deadline": ({"deadline_at": _future(), "on_deadline": "escalate"}, "on_deadline"),
    "a callback that is not a URL": ({"callback_url": "not a url"}, "callback_url"),
    "a callback that is not http": ({"callback_url": "ftp://example.org/hook"}, "callback_url"),
    "an empty title": ({"title": ""}, "title"),
    "an unknown field": ({"colour": "red"}, "colour"),
    "reminders below a minute": ({"remind_every_minutes": 0}, "remind_every_minutes"),
}


@pytest.mark.parametrize("case", list(INVALID))
async def test_invalid_requests_are_422_problems_with_errors(client: httpx.AsyncClient, case: str) -> None:
    override, mentioned = INVALID[case]
    applicant = unique("alice")
    body = {**request_body(("all", [unique()])), **override}
    response = await client.post("/v1/approval-requests", json=body, headers=auth(applicant))
    problem = assert_problem(response, 422)
    assert problem["errors"], problem
    for error in problem["errors"]:
        assert isinstance(error["loc"], list)
        assert isinstance(error["msg"], str)
        assert error["msg"]
    text = " ".join(" ".join(map(str, e["loc"])) + " " + e["msg"] for e in problem["errors"]).lower()
    assert mentioned.lower() in text, problem
    # nothing was created
    mine = (await client.get("/v1/approval-requests", headers=auth(applicant))).json()
    assert mine["items"] == []


async def test_a_body_that_is_not_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/approval-requests",
        content=b"{not json",
        headers={**auth(unique()), "Content-Type": "application/json"},
    )
    assert assert_problem(response, 422)["errors"]


async def test_create_returns_201_with_the_documented_shape(client: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    a, b, c = people(3)
    body = request_body(
        ("all", [a]),
        ("quorum", [b, c], 1),
        combine="any",
        callback_url="http://127.0.0.1:9/callback",
        deadline_at=_future(),
        on_deadline="approve",
    )
    body["groups"][0]["approvers"][0].update(email=f"{a}@example.org", email_approval=True)
    response = await client.post("/v1/approval-requests", json=body, headers=auth(applicant))
    assert response.status_code == 201, response.text
    created = response.json()
    assert {
        "id",
        "title",
        "form",
        "applicant_id",
        "status",
        "combine",
        "created_at",
        "decided_at",
        "groups",
    } <= set(created)
    assert (created["applicant_id"], created["status"], created["combine"]) == (applicant, "pending", "any")
    assert (created["title"], created["form"], created["decided_at"]) == (
        "Buy a laptop",
        {"cost": 1200},
        None,
    )
    assert created["on_deadline"] == "approve"
    assert created["callback_url"] == "http://127.0.0.1:9/callback"
    assert created["created_at"].endswith("Z")
    g0, g1 = created["groups"]
    assert (g0["mode"], g0["status"], g1["mode"], g1["min_approvals"]) == ("all", "pending", "quorum", 1)
    task = g0["tasks"][0]
    assert {"id", "approver_id", "status", "decided_at", "comment", "channel"} <= set(task)
    assert (task["approver_id"], task["status"], task["email_approval"]) == (a, "pending", True)
    assert [t["approver_id"] for t in g1["tasks"]] == [b, c]
    # the GET shows the same request
    fetched = await get_request(client, created["id"], applicant)
    assert fetched == created


async def test_an_unknown_path_and_a_wrong_method_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/no-such-thing", headers=auth(unique())), 404)
    assert_problem(await client.delete("/v1/approval-requests", headers=auth(unique())), 405)
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(await client.get(f"/v1/approval-requests/{missing}", headers=auth(unique(), "admin")), 404)
    assert_problem(await decide(client, missing, unique()), 404)
    assert_problem(await client.get("/v1/approval-requests/not-a-uuid", headers=auth(unique())), 422)


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    body = request_body(("all", [unique()]))
    body["form"] = {"blob": "x" * 1_100_000}
    response = await client.post("/v1/approval-requests", json=body, headers=auth(unique()))
    assert_problem(response, 413)


async def test_a_streamed_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        yield b'{"title": "big", "groups": [], "form": {"blob": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}}'

    response = await client.post(
        "/v1/approval-requests",
        content=chunks(),
        headers={**auth(unique()), "Content-Type": "application/json"},
    )
    assert_problem(response, 413)


# --- visibility and listing ------------------------------------------------------------------------


async def test_who_sees_a_request(client: httpx.AsyncClient) -> None:
    applicant, approver = unique("alice"), unique("bob")
    created = await open_request(client, applicant, request_body(("all", [approver])))
    for user, roles in [
        (applicant, ()),
        (approver, ()),
        (unique("root"), ("admin",)),
        (unique("mon"), ("monitor",)),
    ]:
        assert (await get_request(client, created["id"], user, *roles))["id"] == created["id"]
    for roles in [(), ("approver",), ("applicant", "supervisor", "service")]:
        response = await client.get(f"/v1/approval-requests/{created['id']}", headers=auth(unique(), *roles))
        assert_problem(response, 404)


async def test_mine_lists_only_the_callers_requests_with_status_filter_and_cursor(
    client: httpx.AsyncClient,
) -> None:
    applicant, approver = unique("alice"), unique("bob")
    ids = []
    for _ in range(5):
        ids.append((await open_request(client, applicant, request_body(("all", [approver]))))["id"])
    await open_request(client, unique("other"), request_body(("all", [approver])))
    created = await open_request(client, applicant, request_body(("any", [approver])))
    assert (await decide(client, task_of(created, approver), approver)).status_code == 200
    ids.append(created["id"])

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/approval-requests", params=params, headers=auth(applicant))).json()
        pages += 1
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(ids))  # newest first, each once, nobody else's

    approved = (
        await client.get("/v1/approval-requests", params={"status": "approved"}, headers=auth(applicant))
    ).json()
    assert [item["id"] for item in approved["items"]] == [created["id"]]
    assert approved["items"][0]["status"] == "approved"
    pending = (
        await client.get("/v1/approval-requests", params={"status": "pending"}, headers=auth(applicant))
    ).json()
    assert len(pending["items"]) == 5
    assert_problem(
        await client.get("/v1/approval-requests", params={"status": "lost"}, headers=auth(applicant)), 422
    )
    assert_problem(
        await client.get("/v1/approval-requests", params={"cursor": "garbage!"}, headers=auth(applicant)), 422
    )


# --- idempotency -----------------------------------------------------------------------------------


async def test_the_same_key_and_body_replays_the_original(client: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    body = request_body(("all", [unique()]))
    headers = {**auth(applicant), "Idempotency-Key": unique("key")}
    first = await client.post("/v1/approval-requests", json=body, headers=headers)
    second = await client.post("/v1/approval-requests", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    mine = (await client.get("/v1/approval-requests", headers=auth(applicant))).json()
    assert [item["id"] for item in mine["items"]] == [first.json()["id"]]


async def test_the_same_key_with_another_body_is_409(client: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    headers = {**auth(applicant), "Idempotency-Key": unique("key")}
    first = await client.post(
        "/v1/approval-requests", json=request_body(("all", [unique()])), headers=headers
    )
    assert first.status_code == 201
    other = request_body(("all", [unique()]))
    assert_problem(await client.post("/v1/approval-requests", json=other, headers=headers), 409)
    # a key belongs to its caller: another user may use the same key
    response = await client.post(
        "/v1/approval-requests",
        json=other,
        headers={**auth(unique()), "Idempotency-Key": headers["Idempotency-Key"]},
    )
    assert response.status_code == 201
    assert response.json()["id"] != first.json()["id"]


async def test_an_empty_or_huge_key_is_422(client: httpx.AsyncClient) -> None:
    body = request_body(("all", [unique()]))
    for key in ["", "k" * 201]:
        response = await client.post(
            "/v1/approval-requests", json=body, headers={**auth(unique()), "Idempotency-Key": key}
        )
        assert_problem(response, 422)


async def test_concurrent_requests_with_one_key_create_exactly_one(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        applicant = unique("alice")
        body = request_body(("all", [unique()]))
        headers = {**auth(applicant), "Idempotency-Key": unique("key")}
        responses = await asyncio.gather(
            *(client.post("/v1/approval-requests", json=body, headers=headers) for _ in range(8))
        )
        assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1
        assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 7
        mine = (await client.get("/v1/approval-requests", headers=auth(applicant))).json()
        assert len(mine["items"]) == 1


async def test_a_replayed_decision_is_not_a_second_decision(client: httpx.AsyncClient) -> None:
    applicant, a, b = unique("alice"), unique("bob"), unique("carol")
    created = await open_request(client, applicant, request_body(("all", [a, b])))
    headers = {**auth(a), "Idempotency-Key": unique("key")}
    path = f"/v1/tasks/{task_of(created, a)}/decision"
    first = await client.post(path, json={"decision": "approve"}, headers=headers)
    again = await client.post(path, json={"decision": "approve"}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert_problem(await client.post(path, json={"decision": "reject"}, headers=headers), 409)
    assert_problem(await client.post(path, json={"decision": "approve"}, headers=auth(a)), 409)
    fetched = await get_request(client, created["id"], applicant)
    assert fetched["status"] == "pending"
    assert [t["status"] for t in fetched["groups"][0]["tasks"]] == ["approved", "pending"]


# --- withdraw --------------------------------------------------------------------------------------


async def test_the_applicant_withdraws_a_pending_request_and_everything_is_cancelled(
    client: httpx.AsyncClient,
) -> None:
    applicant, a, b, c = unique("alice"), unique("bob"), unique("carol"), unique("dave")
    created = await open_request(client, applicant, request_body(("any", [a, b]), ("all", [c])))
    # group 0 is approved first, so it stays approved while the pending group and tasks are cancelled
    assert (await decide(client, task_of(created, a), a)).status_code == 200
    response = await client.post(f"/v1/approval-requests/{created['id']}/withdraw", headers=auth(applicant))
    assert response.status_code == 200, response.text
    withdrawn = response.json()
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["decided_at"] is not None
    g0, g1 = withdrawn["groups"]
    assert g0["status"] == "approved"
    assert [t["status"] for t in g0["tasks"]] == ["approved", "cancelled"]
    assert (g1["status"], [t["status"] for t in g1["tasks"]]) == ("cancelled", ["cancelled"])
    # no more decisions, no second withdrawal
    assert_problem(await decide(client, task_of(created, c, group=1), c), 409)
    assert_problem(
        await client.post(f"/v1/approval-requests/{created['id']}/withdraw", headers=auth(applicant)), 409
    )
    assert (await get_request(client, created["id"], applicant)) == withdrawn


async def test_a_decided_request_cannot_be_withdrawn(client: httpx.AsyncClient) -> None:
    applicant, a = unique("alice"), unique("bob")
    created = await open_request(client, applicant, request_body(("all", [a])))
    assert (await decide(client, task_of(created, a), a, "reject")).json()["request_status"] == "rejected"
    response = await client.post(f"/v1/approval-requests/{created['id']}/withdraw", headers=auth(applicant))
    assert_problem(response, 409)
    assert (await get_request(client, created["id"], applicant))["status"] == "rejected"


async def test_a_request_without_its_own_interval_is_reminded_at_the_services_default(
    client: httpx.AsyncClient, db_url: str
) -> None:
    """APPROVAL_REMINDER_INTERVAL_MINUTES (1440 by default) reaches the creation: a service wired with the
    wrong settings raises instead of silently turning reminders off."""
    approver = unique("bob")
    created = await open_request(client, unique("alice"), request_body(("all", [approver])))
    conn = await connect(db_url)
    try:
        row = await conn.fetchrow(
            "SELECT created_at, next_remind_at FROM approval_tasks WHERE id = $1",
            UUID(task_of(created, approver)),
        )
    finally:
        await conn.close()
    assert row["next_remind_at"] - row["created_at"] == timedelta(minutes=1440)
