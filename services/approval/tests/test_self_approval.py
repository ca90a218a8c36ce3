"""Nobody approves their own request: the applicant is never an approver of it (422 at creation, 403 when
added or delegated to), nobody adds themselves through 加签, and only an approver of a group (or an admin)
adds a co-signer to it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sealkit.testing import auth, unique

from .helpers import assert_problem, get_request, open_request, people, request_body, task_of


def _approvers(request: dict[str, Any], group: int) -> list[tuple[str, str]]:
    return [(t["approver_id"], t["status"]) for t in request["groups"][group]["tasks"]]


async def _inbox(client: httpx.AsyncClient, user: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get("/v1/tasks", headers=auth(user))).json()["items"]
    return items


@pytest.mark.parametrize("keyed", [False, True], ids=["one statement", "with an Idempotency-Key"])
async def test_the_applicant_cannot_name_herself_an_approver(client: httpx.AsyncClient, keyed: bool) -> None:
    applicant, bob = unique("alice"), unique("bob")
    body = request_body(("any", [bob]), ("all", [applicant]), title=unique("self"))
    headers = {**auth(applicant, "applicant"), **({"Idempotency-Key": unique("key")} if keyed else {})}
    problem = assert_problem(await client.post("/v1/approval-requests", json=body, headers=headers), 422)
    assert problem["errors"] == [
        {
            "loc": ["body", "groups", 1, "approvers", 0, "id"],
            "msg": "the applicant is never an approver of her own request",
        }
    ]
    mine = (await client.get("/v1/approval-requests", headers=auth(applicant))).json()
    assert mine["items"] == [], "nothing was written"
    assert await _inbox(client, applicant) == []


async def test_who_may_add_a_co_signer(client: httpx.AsyncClient) -> None:
    applicant, (bob, carol, dave) = unique("alice"), people(3)
    created = await open_request(client, applicant, request_body(("any", [bob]), ("any", [carol])))
    rid, second = created["id"], created["groups"][1]["id"]
    path = f"/v1/approval-requests/{rid}/groups/{second}/approvers"
    admin, monitor = auth(unique("root"), "admin"), auth(unique("watcher"), "monitor")

    async def refused(who: dict[str, str], new: str, status: int, slug: str | None = None) -> None:
        problem = assert_problem(await client.post(path, json={"id": new}, headers=who), status)
        if slug is not None:
            assert problem["type"].endswith(slug), problem

    # an approver of another group adds himself, or someone else, to this one
    await refused(auth(bob), bob, 403, "approver-adds-self")
    await refused(auth(bob), unique("friend"), 403, "not-an-approver-of-the-group")
    # the applicant adds herself, or a friend
    await refused(auth(applicant), applicant, 403, "approver-adds-self")
    await refused(auth(applicant), unique("friend"), 403, "not-an-approver-of-the-group")
    # the group's own approver, or an admin, adds the applicant
    await refused(auth(carol), applicant, 403, "applicant-as-approver")
    await refused(admin, applicant, 403, "applicant-as-approver")
    # an admin adds himself; a monitor (who sees the request) adds anyone; a stranger does not see it
    root = unique("root")
    await refused(auth(root, "admin"), root, 403, "approver-adds-self")
    await refused(monitor, unique("friend"), 403, "not-an-approver-of-the-group")
    await refused(auth(unique("eve"), "approver"), unique("friend"), 404)
    # nothing was added by any of that
    assert _approvers(await get_request(client, rid, applicant), 1) == [(carol, "pending")]

    # the group's approver adds a co-signer, and so does an admin
    assert (await client.post(path, json={"id": dave}, headers=auth(carol))).status_code == 201
    erin = unique("erin")
    assert (await client.post(path, json={"id": erin}, headers=admin)).status_code == 201
    assert _approvers(await get_request(client, rid, applicant), 1) == [
        (carol, "pending"), (dave, "pending"), (erin, "pending"),
    ]  # fmt: skip
    assert await _inbox(client, applicant) == []


async def test_an_approver_who_delegated_is_no_longer_an_approver_of_the_group(
    client: httpx.AsyncClient,
) -> None:
    applicant, (bob, carol) = unique("alice"), people(2)
    created = await open_request(client, applicant, request_body(("all", [bob])))
    handed = await client.post(f"/v1/tasks/{task_of(created, bob)}/delegate", json={"to": {"id": carol}},
                               headers=auth(bob))  # fmt: skip
    assert handed.status_code == 201, handed.text
    path = f"/v1/approval-requests/{created['id']}/groups/{created['groups'][0]['id']}/approvers"
    assert_problem(await client.post(path, json={"id": unique("friend")}, headers=auth(bob)), 403)


async def test_a_task_is_never_delegated_to_the_applicant_or_to_someone_deciding_in_its_group(
    client: httpx.AsyncClient,
) -> None:
    applicant, (bob, carol, dave, erin) = unique("alice"), people(4)
    created = await open_request(
        client, applicant, request_body(("all", [bob, carol, dave]), ("any", [erin]))
    )
    bobs = f"/v1/tasks/{task_of(created, bob)}/delegate"
    root = unique("root")

    async def refused(who: dict[str, str], to: str, status: int, slug: str) -> None:
        problem = assert_problem(await client.post(bobs, json={"to": {"id": to}}, headers=who), status)
        assert problem["type"].endswith(slug), problem

    await refused(auth(bob), applicant, 403, "applicant-as-approver")
    await refused(auth(root, "admin"), applicant, 403, "applicant-as-approver")
    # an admin does not take someone else's task for himself
    await refused(auth(root, "admin"), root, 403, "delegate-to-self")
    # someone already deciding in the group: pending there, or already decided
    await refused(auth(bob), carol, 409, "duplicate-approver")
    decided = await client.post(f"/v1/tasks/{task_of(created, dave)}/decision", json={"decision": "approve"},
                                headers=auth(dave))  # fmt: skip
    assert decided.status_code == 200, decided.text
    await refused(auth(bob), dave, 409, "duplicate-approver")
    fetched = await get_request(client, created["id"], applicant)
    assert _approvers(fetched, 0) == [(bob, "pending"), (carol, "pending"), (dave, "approved")]
    assert await _inbox(client, applicant) == []
    # an approver of another group is not deciding in this one: the task may go to her
    moved = await client.post(bobs, json={"to": {"id": erin}}, headers=auth(bob))
    assert moved.status_code == 201, moved.text
