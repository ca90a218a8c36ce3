"""Decisions, add-approver (加签), delegation, the timeline and the approver's inbox, over the API."""

from __future__ import annotations

from typing import Any

import httpx

from sealkit.testing import auth, unique

from .helpers import assert_problem, decide, get_request, open_request, people, request_body, task_of


def _statuses(request: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(g["status"], [t["status"] for t in g["tasks"]]) for g in request["groups"]]


async def _timeline(client: httpx.AsyncClient, request_id: str, user: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/approval-requests/{request_id}/timeline", headers=auth(user))
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


# --- decisions -------------------------------------------------------------------------------------


async def test_all_groups_combined_with_all_need_every_approval(client: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    a, b, c, d, e = people(5)
    created = await open_request(client, applicant, request_body(("all", [a, b]), ("quorum", [c, d, e], 2)))
    steps = [
        (a, 0, "approve", "pending", "pending"),
        (c, 1, "reject", "pending", "pending"),
        (b, 0, "approve", "approved", "pending"),
        (d, 1, "approve", "pending", "pending"),
        (e, 1, "approve", "approved", "approved"),
    ]
    for who, group, decision, group_status, request_status in steps:
        response = await decide(client, task_of(created, who, group), who, decision)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["group_status"], body["request_status"]) == (group_status, request_status), who
        assert body["task"]["status"] == ("approved" if decision == "approve" else "rejected")
    final = await get_request(client, created["id"], applicant)
    assert final["status"] == "approved"
    assert final["decided_at"] is not None
    assert _statuses(final) == [
        ("approved", ["approved", "approved"]),
        ("approved", ["rejected", "approved", "approved"]),
    ]


async def test_quorum_rejects_as_soon_as_it_cannot_be_reached_and_cancels_the_rest(
    client: httpx.AsyncClient,
) -> None:
    applicant = unique("alice")
    a, b, c, d = people(4)
    created = await open_request(client, applicant, request_body(("quorum", [a, b, c, d], 3)))
    first = (await decide(client, task_of(created, a), a, "reject")).json()
    assert (first["group_status"], first["request_status"]) == ("pending", "pending")
    second = (await decide(client, task_of(created, b), b, "reject")).json()
    assert (second["group_status"], second["request_status"]) == ("rejected", "rejected")
    assert _statuses(await get_request(client, created["id"], applicant)) == [
        ("rejected", ["rejected", "rejected", "cancelled", "cancelled"])
    ]
    assert_problem(await decide(client, task_of(created, c), c), 409)


async def test_combine_any_settles_on_the_first_approved_group(client: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    a, b, c = people(3)
    created = await open_request(
        client, applicant, request_body(("all", [a]), ("all", [b, c]), combine="any")
    )
    assert (await decide(client, task_of(created, a), a, "reject")).json()["request_status"] == "pending"
    body = (await decide(client, task_of(created, b, 1), b)).json()
    assert (body["group_status"], body["request_status"]) == ("pending", "pending")
    body = (await decide(client, task_of(created, c, 1), c)).json()
    assert (body["group_status"], body["request_status"]) == ("approved", "approved")


async def test_a_decision_carries_its_comment_and_channel(client: httpx.AsyncClient) -> None:
    applicant, a, b = unique("alice"), unique("bob"), unique("carol")
    created = await open_request(client, applicant, request_body(("all", [a, b])))
    response = await decide(client, task_of(created, a), a, comment="within budget", channel="mobile")
    task = response.json()["task"]
    assert (task["comment"], task["channel"], task["status"]) == ("within budget", "mobile", "approved")
    assert task["decided_at"] is not None
    fetched = await get_request(client, created["id"], b)
    shown = fetched["groups"][0]["tasks"][0]
    assert (shown["comment"], shown["channel"]) == ("within budget", "mobile")
    body = (await decide(client, task_of(created, b), b)).json()
    assert body["task"]["channel"] == "web"  # the default
    assert_problem(await decide(client, task_of(created, b), b, channel="fax"), 422)
    assert_problem(await decide(client, task_of(created, b), b, decision="maybe"), 422)


async def test_the_service_role_decides_on_the_approvers_behalf(client: httpx.AsyncClient) -> None:
    applicant, a, b = unique("alice"), unique("bob"), unique("carol")
    created = await open_request(client, applicant, request_body(("all", [a]), ("all", [b])))
    bridge = auth("service:mail-bridge", "service")
    response = await client.post(
        f"/v1/tasks/{task_of(created, a)}/decision",
        json={"decision": "approve", "channel": "email", "on_behalf_of": a},
        headers=bridge,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["task"]["channel"], response.json()["task"]["status"]) == ("email", "approved")
    # on behalf of someone who is not the task's approver: refused, nothing changes
    response = await client.post(
        f"/v1/tasks/{task_of(created, b, 1)}/decision",
        json={"decision": "approve", "on_behalf_of": a},
        headers=bridge,
    )
    assert_problem(response, 409)
    assert (await get_request(client, created["id"], applicant))["groups"][1]["tasks"][0][
        "status"
    ] == "pending"
    timeline = await _timeline(client, created["id"], applicant)
    assert [(e["action"], e["channel"]) for e in timeline if e["task_id"]] == [("approve", "email")]


# --- add approver (加签) ---------------------------------------------------------------------------


async def test_adding_an_approver_to_a_pending_group(client: httpx.AsyncClient) -> None:
    applicant, a, b, newcomer = unique("alice"), unique("bob"), unique("carol"), unique("dan")
    created = await open_request(client, applicant, request_body(("all", [a]), ("all", [b])))
    group = created["groups"][0]["id"]
    path = f"/v1/approval-requests/{created['id']}/groups/{group}/approvers"
    response = await client.post(
        path, json={"id": newcomer, "email": f"{newcomer}@example.org"}, headers=auth(a)
    )
    assert response.status_code == 201, response.text
    added = response.json()
    assert (added["approver_id"], added["status"], added["approver_email"]) == (
        newcomer,
        "pending",
        f"{newcomer}@example.org",
    )
    # twice in one group: 409
    assert_problem(await client.post(path, json={"id": newcomer}, headers=auth(a)), 409)
    assert_problem(await client.post(path, json={"id": a}, headers=auth(unique(), "admin")), 409)
    # an `all` group now waits for the newcomer too, who can decide and sees the task in the inbox
    assert (await decide(client, task_of(created, a), a)).json()["group_status"] == "pending"
    inbox = (await client.get("/v1/tasks", params={"status": "pending"}, headers=auth(newcomer))).json()
    assert [t["id"] for t in inbox["items"]] == [added["id"]]
    body = (await decide(client, added["id"], newcomer)).json()
    assert (body["group_status"], body["request_status"]) == ("approved", "pending")
    # the group is decided now: nobody joins it any more
    assert_problem(await client.post(path, json={"id": unique()}, headers=auth(a)), 409)
    fetched = await get_request(client, created["id"], newcomer)
    assert [t["approver_id"] for t in fetched["groups"][0]["tasks"]] == [a, newcomer]
    entry = [e for e in await _timeline(client, created["id"], applicant) if e["action"] == "approver_added"]
    assert len(entry) == 1
    assert (entry[0]["actor_id"], entry[0]["detail"]["approver_id"]) == (a, newcomer)


async def test_who_may_add_an_approver(client: httpx.AsyncClient) -> None:
    applicant, a = unique("alice"), unique("bob")
    created = await open_request(client, applicant, request_body(("any", [a])))
    path = f"/v1/approval-requests/{created['id']}/groups/{created['groups'][0]['id']}/approvers"
    assert (await client.post(path, json={"id": unique()}, headers=auth(a))).status_code == 201
    assert (
        await client.post(path, json={"id": unique()}, headers=auth(unique(), "admin"))
    ).status_code == 201
    assert_problem(await client.post(path, json={"id": unique()}, headers=auth(unique(), "approver")), 404)
    # a group of another request
    other = await open_request(client, applicant, request_body(("any", [a])))
    wrong = f"/v1/approval-requests/{created['id']}/groups/{other['groups'][0]['id']}/approvers"
    assert_problem(await client.post(wrong, json={"id": unique()}, headers=auth(a)), 404)
    assert_problem(await client.post(path, json={"id": ""}, headers=auth(a)), 422)
    assert len((await get_request(client, created["id"], applicant))["groups"][0]["tasks"]) == 3


# --- delegation ------------------------------------------------------------------------------------


async def test_delegating_a_task(client: httpx.AsyncClient) -> None:
    applicant, a, b, delegate = unique("alice"), unique("bob"), unique("carol"), unique("dan")
    created = await open_request(client, applicant, request_body(("all", [a, b])))
    old = task_of(created, a)
    response = await client.post(
        f"/v1/tasks/{old}/delegate", json={"to": {"id": delegate}, "comment": "on leave"}, headers=auth(a)
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert (new["approver_id"], new["status"], new["delegated_from"]) == (delegate, "pending", old)
    fetched = await get_request(client, created["id"], applicant)
    assert [(t["approver_id"], t["status"]) for t in fetched["groups"][0]["tasks"]] == [
        (a, "cancelled"),
        (b, "pending"),
        (delegate, "pending"),
    ]
    # the old approver can no longer decide, neither directly nor through the service role
    assert_problem(await decide(client, old, a), 409)
    response = await client.post(
        f"/v1/tasks/{old}/decision",
        json={"decision": "approve", "on_behalf_of": a},
        headers=auth("service:mail-bridge", "service"),
    )
    assert_problem(response, 409)
    response = await client.post(
        f"/v1/tasks/{new['id']}/decision",
        json={"decision": "approve", "on_behalf_of": a},
        headers=auth("service:mail-bridge", "service"),
    )
    assert_problem(response, 409)
    # the delegate counts in the `all` group in the old approver's place
    assert (await decide(client, task_of(created, b), b)).json()["group_status"] == "pending"
    body = (await decide(client, new["id"], delegate)).json()
    assert (body["group_status"], body["request_status"]) == ("approved", "approved")
    delegated = [e for e in await _timeline(client, created["id"], applicant) if e["action"] == "delegated"]
    assert len(delegated) == 1
    assert (delegated[0]["actor_id"], delegated[0]["task_id"], delegated[0]["detail"]["to"]) == (
        a,
        old,
        delegate,
    )


async def test_delegation_refusals(client: httpx.AsyncClient) -> None:
    applicant, a, b = unique("alice"), unique("bob"), unique("carol")
    created = await open_request(client, applicant, request_body(("all", [a, b])))
    task = task_of(created, a)
    path = f"/v1/tasks/{task}/delegate"
    assert_problem(await client.post(path, json={"to": {"id": a}}, headers=auth(a)), 422)
    # to someone already in the group
    assert_problem(await client.post(path, json={"to": {"id": b}}, headers=auth(a)), 409)
    assert_problem(await client.post(path, json={"to": {"id": unique()}}, headers=auth(b)), 403)
    assert_problem(
        await client.post(path, json={"to": {"id": unique()}}, headers=auth(unique(), "monitor")), 403
    )
    assert_problem(await client.post(path, json={}, headers=auth(a)), 422)
    # nothing changed by the refusals
    assert _statuses(await get_request(client, created["id"], applicant)) == [
        ("pending", ["pending", "pending"])
    ]
    assert (await decide(client, task, a)).status_code == 200
    assert_problem(await client.post(path, json={"to": {"id": unique()}}, headers=auth(a)), 409)
    # an admin may delegate someone's pending task
    response = await client.post(
        f"/v1/tasks/{task_of(created, b)}/delegate",
        json={"to": {"id": unique()}},
        headers=auth(unique(), "admin"),
    )
    assert response.status_code == 201, response.text


# --- timeline --------------------------------------------------------------------------------------


async def test_the_timeline_tells_who_did_what_when_and_how(client: httpx.AsyncClient) -> None:
    applicant, a, b, c, newcomer = (
        unique("alice"),
        unique("bob"),
        unique("carol"),
        unique("dan"),
        unique("erin"),
    )
    created = await open_request(client, applicant, request_body(("all", [a, b]), ("any", [c])))
    assert (await decide(client, task_of(created, a), a, comment="ok", channel="mobile")).status_code == 200
    response = await client.post(
        f"/v1/approval-requests/{created['id']}/groups/{created['groups'][1]['id']}/approvers",
        json={"id": newcomer},
        headers=auth(c),
    )
    assert response.status_code == 201
    assert (await decide(client, task_of(created, b), b, "reject", channel="api")).status_code == 200
    timeline = await _timeline(client, created["id"], a)
    assert [(e["action"], e["actor_id"], e["channel"]) for e in timeline] == [
        ("created", applicant, None),
        ("approve", a, "mobile"),
        ("approver_added", c, None),
        ("reject", b, "api"),
        ("decided", b, None),
    ]
    assert timeline[1]["detail"] == {"comment": "ok"}
    assert timeline[1]["task_id"] == task_of(created, a)
    assert timeline[-1]["detail"] == {"status": "rejected"}
    times = [e["at"] for e in timeline]
    assert times == sorted(times)

    withdrawn = await open_request(client, applicant, request_body(("all", [a])))
    await client.post(f"/v1/approval-requests/{withdrawn['id']}/withdraw", headers=auth(applicant))
    assert [(e["action"], e["actor_id"]) for e in await _timeline(client, withdrawn["id"], applicant)] == [
        ("created", applicant),
        ("withdrawn", applicant),
    ]
    assert_problem(
        await client.get(f"/v1/approval-requests/{created['id']}/timeline", headers=auth(unique())), 404
    )


# --- inbox -----------------------------------------------------------------------------------------


async def test_the_inbox_filters_and_pages(client: httpx.AsyncClient) -> None:
    me, applicant = unique("bob"), unique("alice")
    word = unique("Projector")
    opened = []
    for i in range(5):
        body = request_body(("all", [me, unique()]), title=f"{word} #{i}" if i % 2 == 0 else f"Chairs #{i}")
        opened.append(await open_request(client, applicant, body))
    assert (await decide(client, task_of(opened[0], me), me)).status_code == 200
    assert (await decide(client, task_of(opened[1], me), me, "reject")).status_code == 200
    mine = [task_of(r, me) for r in opened]

    async def pages(**params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/v1/tasks", params=query, headers=auth(me))).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    everything = await pages(limit=2)
    assert [t["id"] for t in everything] == list(reversed(mine))  # newest first, only mine
    assert all(t["approver_id"] == me for t in everything)
    first = everything[-1]
    assert (first["request_id"], first["title"], first["applicant_id"], first["request_status"]) == (
        opened[0]["id"],
        f"{word} #0",
        applicant,
        "pending",
    )
    assert first["group_name"] == "g0"
    pending = await pages(status="pending", limit=1)
    assert [t["id"] for t in pending] == list(reversed(mine[2:]))
    assert [t["id"] for t in await pages(status="rejected")] == [mine[1]]
    assert [t["id"] for t in await pages(request_id=opened[3]["id"])] == [mine[3]]
    assert [t["id"] for t in await pages(q=word.lower())] == [mine[4], mine[2], mine[0]]
    assert [t["id"] for t in await pages(q=word, status="pending")] == [mine[4], mine[2]]
    assert await pages(q="%") == []  # wildcards in q are matched literally
    assert_problem(await client.get("/v1/tasks", params={"status": "lost"}, headers=auth(me)), 422)
