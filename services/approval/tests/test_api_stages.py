"""Requests opened from a definition, through the API: the form checked, stages one after another, roles
resolved when a stage opens, the applicant left out, CC recipients reading, the events of each step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sealflow_approval.main import create_app
from sealkit.contracts.approval import REQUEST_CC, REQUEST_DECIDED, STAGE_OPENED, TASK_CREATED
from sealkit.jsonutil import loads
from sealkit.testing import asgi_client, auth, started, unique

from .conftest import make_settings
from .definitions import ADMIN, define, definition, group, open_from, put_role, stage, stage_task
from .helpers import assert_problem, connect, decide, get_request

BIG = {"field": "amount", "op": ">=", "value": 10000}
HUGE = {"field": "amount", "op": ">=", "value": 100000}


@pytest.fixture(scope="module")
async def staged_app(db_url: str) -> AsyncIterator[FastAPI]:
    # every event gets an outbox row (a subscriber of '*' nobody listens at), so the tests can count them
    settings = make_settings(subscribers="*=http://127.0.0.1:9/v1/events", outbox_poll_seconds=60)
    async with started(create_app(settings, database_url=db_url)) as application:
        yield application


@pytest.fixture
async def api(staged_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(staged_app, "http://approval") as c:
        yield c


async def events(db_url: str, event_type: str, request_id: str) -> list[dict[str, Any]]:
    conn = await connect(db_url)
    try:
        rows = await conn.fetch(
            "SELECT body FROM outbox WHERE event_type = $1 AND body LIKE '%' || $2 || '%' ORDER BY created_at, id",
            event_type,
            request_id,
        )
    finally:
        await conn.close()
    return [loads(r["body"])["data"] for r in rows]


async def three_stages(api: httpx.AsyncClient, boss: str, role: str, ceo: str, **extra: Any) -> str:
    body = definition(
        stage("manager", group("boss", {"user": boss})),
        stage("finance", group("finance", {"role": role}, mode="any", when=BIG)),
        stage("ceo", group("ceo", {"user": ceo}, when=HUGE)),
        **extra,
    )
    return str((await define(api, body))["key"])


async def test_stages_open_one_after_another_and_roles_resolve_when_theirs_opens(
    api: httpx.AsyncClient, db_url: str
) -> None:
    applicant, boss, ceo, early, late = (
        unique("alice"),
        unique("boss"),
        unique("ceo"),
        unique("fin"),
        unique("fin"),
    )
    role = unique("finance")
    await put_role(api, role, early)
    key = await three_stages(api, boss, role, ceo)
    response = await open_from(api, applicant, key, {"amount": 20000})
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["definition"], created["version"], created["current_stage"]) == (key, 1, 0)
    assert [s["status"] for s in created["stages"]] == ["pending", "waiting", "skipped"]
    assert created["stages"][2]["groups"][0]["left_out"] == "its condition is false for this form"
    assert [g["name"] for g in created["groups"]] == ["boss"]

    await put_role(api, role, late)  # a change of members reaches a request not yet at that stage
    decided = await decide(api, stage_task(created, boss), boss)
    assert decided.status_code == 200, decided.text
    assert (decided.json()["group_status"], decided.json()["request_status"]) == ("approved", "pending")

    after = await get_request(api, created["id"], applicant)
    assert after["current_stage"] == 1 and after["status"] == "pending"
    assert [s["status"] for s in after["stages"]] == ["approved", "pending", "skipped"]
    finance = after["stages"][1]["groups"][0]
    assert [t["approver_id"] for t in finance["tasks"]] == [late]
    inbox = (await api.get("/v1/tasks?status=pending", headers=auth(late))).json()["items"]
    assert [(t["request_id"], t["stage"], t["stage_name"]) for t in inbox] == [(created["id"], 1, "finance")]
    assert (await api.get("/v1/tasks", headers=auth(early))).json()["items"] == []

    assert [e["approver_id"] for e in await events(db_url, TASK_CREATED, created["id"])] == [boss, late]
    opened = await events(db_url, STAGE_OPENED, created["id"])
    assert [(e["stage"], e["stage_name"]) for e in opened] == [(0, "manager"), (1, "finance")]

    last = await decide(api, stage_task(after, late), late)
    assert last.json()["request_status"] == "approved"
    done = await get_request(api, created["id"], applicant)
    assert done["status"] == "approved" and [s["status"] for s in done["stages"]] == [
        "approved",
        "approved",
        "skipped",
    ]
    assert len(await events(db_url, REQUEST_DECIDED, created["id"])) == 1
    timeline = (
        await api.get(f"/v1/approval-requests/{created['id']}/timeline", headers=auth(applicant))
    ).json()
    actions = [e["action"] for e in timeline]
    assert actions == ["created", "stage_opened", "approve", "stage_opened", "approve", "decided"]


async def test_a_stage_that_rejects_rejects_the_request_and_the_rest_never_opens(
    api: httpx.AsyncClient, db_url: str
) -> None:
    applicant, boss, ceo, fin = unique("alice"), unique("boss"), unique("ceo"), unique("fin")
    role = unique("finance")
    await put_role(api, role, fin)
    key = await three_stages(api, boss, role, ceo)
    created = (await open_from(api, applicant, key, {"amount": 500000})).json()
    rejected = await decide(api, stage_task(created, boss), boss, "reject")
    assert rejected.json()["request_status"] == "rejected"
    done = await get_request(api, created["id"], applicant)
    assert [s["status"] for s in done["stages"]] == ["rejected", "cancelled", "cancelled"]
    assert [e["approver_id"] for e in await events(db_url, TASK_CREATED, created["id"])] == [boss]


async def test_stages_with_no_group_left_are_skipped_and_recorded(api: httpx.AsyncClient) -> None:
    applicant, fin = unique("alice"), unique("fin")
    role = unique("finance")
    await put_role(api, role, fin)
    body = definition(
        stage("big ones", group("g", {"user": unique("x")}, when=HUGE)),
        stage("finance", group("finance", {"role": role})),
    )
    key = (await define(api, body))["key"]
    created = (await open_from(api, applicant, key, {"amount": 5})).json()
    assert created["current_stage"] == 1 and [s["status"] for s in created["stages"]] == [
        "skipped",
        "pending",
    ]
    timeline = (
        await api.get(f"/v1/approval-requests/{created['id']}/timeline", headers=auth(applicant))
    ).json()
    assert [(e["action"], (e["detail"] or {}).get("stage")) for e in timeline] == [
        ("created", None),
        ("stage_skipped", 0),
        ("stage_opened", 1),
    ]
    nothing = await open_from(
        api, applicant, (await define(api, definition(body["stages"][0])))["key"], {"amount": 5}
    )
    assert "no stage" in assert_problem(nothing, 422)["detail"]


async def test_the_form_is_checked_against_the_definitions_schema(api: httpx.AsyncClient) -> None:
    key = (await define(api, definition(stage("one", group("g", {"user": unique("bob")})))))["key"]
    applicant = unique("alice")
    missing = assert_problem(await open_from(api, applicant, key, {"dept": "ops"}), 422)
    assert {"loc": ["body", "form"], "msg": "'amount' is a required property"} in missing["errors"]
    wrong = assert_problem(await open_from(api, applicant, key, {"amount": "lots", "dept": 7}), 422)
    assert {tuple(e["loc"]) for e in wrong["errors"]} == {
        ("body", "form", "amount"),
        ("body", "form", "dept"),
    }
    negative = assert_problem(await open_from(api, applicant, key, {"amount": -1}), 422)
    assert negative["errors"][0]["loc"] == ["body", "form", "amount"]
    unknown = assert_problem(await open_from(api, applicant, "no-such-definition", {"amount": 1}), 422)
    assert unknown["errors"][0]["loc"] == ["body", "definition"]
    both = {
        "definition": key,
        "title": "t",
        "form": {"amount": 1},
        "groups": [{"name": "g", "mode": "all", "approvers": [{"id": "b"}]}],
    }
    assert_problem(await api.post("/v1/approval-requests", json=both, headers=auth(applicant)), 422)


async def test_the_applicant_is_left_out_and_a_group_left_empty_is_422_naming_it(
    api: httpx.AsyncClient,
) -> None:
    applicant, colleague = unique("alice"), unique("bob")
    role, lonely = unique("finance"), unique("lonely")
    await put_role(api, role, applicant, colleague)
    await put_role(api, lonely, applicant)
    key = (
        await define(api, definition(stage("finance", group("fin", {"role": role}, {"user": applicant}))))
    )["key"]
    created = (await open_from(api, applicant, key, {"amount": 1})).json()
    assert [t["approver_id"] for t in created["groups"][0]["tasks"]] == [colleague]

    body = definition(
        stage("one", group("ok", {"user": colleague})), stage("two", group("solo", {"role": lonely}))
    )
    empty_key = (await define(api, body))["key"]
    problem = assert_problem(await open_from(api, applicant, empty_key, {"amount": 1}), 422)
    assert (
        "'solo'" in problem["detail"]
        and "no approver left once the applicant is left out" in problem["detail"]
    )
    assert problem["errors"][0]["loc"] == ["definition", empty_key, "stages", 1, "groups", 0, "approvers"]
    nobody = (await define(api, definition(stage("one", group("ghosts", {"role": unique("none")})))))["key"]
    assert "'ghosts'" in assert_problem(await open_from(api, applicant, nobody, {"amount": 1}), 422)["detail"]


async def test_cc_recipients_read_are_told_and_do_not_decide(api: httpx.AsyncClient, db_url: str) -> None:
    applicant, boss, watcher, office = unique("alice"), unique("boss"), unique("cc"), unique("office")
    role = unique("office")
    await put_role(api, role, {"id": office, "email": f"{office}@example.com"})
    body = definition(stage("one", group("g", {"user": boss})), cc=[{"user": watcher}, {"role": role}])
    created = (await open_from(api, applicant, (await define(api, body))["key"], {"amount": 3})).json()
    seen = await get_request(api, created["id"], watcher)
    assert seen["id"] == created["id"]
    timeline = await api.get(f"/v1/approval-requests/{created['id']}/timeline", headers=auth(office))
    assert timeline.status_code == 200
    assert_problem(await api.get(f"/v1/approval-requests/{created['id']}", headers=auth(unique("eve"))), 404)
    refused = await decide(api, stage_task(created, boss), watcher)
    assert_problem(refused, 403)
    assert (await decide(api, stage_task(created, boss), boss)).json()["request_status"] == "approved"
    told = await events(db_url, REQUEST_CC, created["id"])
    assert sorted((e["recipient_id"], e["status"]) for e in told) == sorted(
        [(watcher, "pending"), (office, "pending"), (watcher, "approved"), (office, "approved")]
    )
    assert {e["recipient_email"] for e in told if e["recipient_id"] == office} == {f"{office}@example.com"}


async def test_a_request_keeps_the_version_it_started_with(api: httpx.AsyncClient) -> None:
    applicant, first, second = unique("alice"), unique("one"), unique("two")
    body = definition(stage("one", group("g", {"user": first})), stage("two", group("h", {"user": first})))
    key = (await define(api, body))["key"]
    created = (await open_from(api, applicant, key, {"amount": 1})).json()
    changed = {k: v for k, v in body.items() if k != "key"} | {
        "stages": [stage("one", group("g", {"user": second})), stage("two", group("h", {"user": second}))]
    }
    assert (await api.put(f"/v1/approval-definitions/{key}", json=changed, headers=ADMIN)).json()[
        "version"
    ] == 2
    await decide(api, stage_task(created, first), first)
    after = await get_request(api, created["id"], applicant)
    assert after["version"] == 1
    assert [t["approver_id"] for t in after["stages"][1]["groups"][0]["tasks"]] == [first]
    newer = (await open_from(api, applicant, key, {"amount": 1})).json()
    assert newer["version"] == 2 and newer["groups"][0]["tasks"][0]["approver_id"] == second


async def test_a_stage_combining_any_cancels_its_other_groups_when_it_opens_the_next(
    api: httpx.AsyncClient,
) -> None:
    applicant, a, b, c = unique("alice"), unique("a"), unique("b"), unique("c")
    body = definition(
        stage("either", group("ga", {"user": a}), group("gb", {"user": b}), combine="any"),
        stage("then", group("gc", {"user": c})),
    )
    created = (await open_from(api, applicant, (await define(api, body))["key"], {"amount": 1})).json()
    await decide(api, stage_task(created, a), a)
    after = await get_request(api, created["id"], applicant)
    assert [g["status"] for g in after["stages"][0]["groups"]] == ["approved", "cancelled"]
    assert after["stages"][1]["groups"][0]["tasks"][0]["approver_id"] == c
    assert_problem(await decide(api, stage_task(created, b, 0), b), 409)


async def test_a_role_emptied_before_its_stage_opens_rejects_the_request(api: httpx.AsyncClient) -> None:
    applicant, boss, fin = unique("alice"), unique("boss"), unique("fin")
    role = unique("finance")
    await put_role(api, role, fin)
    body = definition(stage("one", group("g", {"user": boss})), stage("two", group("fin", {"role": role})))
    created = (await open_from(api, applicant, (await define(api, body))["key"], {"amount": 1})).json()
    await put_role(api, role)
    assert (await decide(api, stage_task(created, boss), boss)).json()["request_status"] == "rejected"
    after = await get_request(api, created["id"], applicant)
    assert after["status"] == "rejected"
    timeline = (
        await api.get(f"/v1/approval-requests/{created['id']}/timeline", headers=auth(applicant))
    ).json()
    assert timeline[-1]["action"] == "unstaffed"
    assert timeline[-1]["detail"]["unstaffed"] == ["stage 'two': group 'fin' has no approver left"]


async def test_a_withdrawn_staged_request_cancels_its_stages_and_tells_cc(
    api: httpx.AsyncClient, db_url: str
) -> None:
    applicant, boss, next_one, watcher = unique("alice"), unique("boss"), unique("next"), unique("cc")
    body = definition(
        stage("one", group("g", {"user": boss})),
        stage("two", group("h", {"user": next_one})),
        cc=[{"user": watcher}],
    )
    created = (await open_from(api, applicant, (await define(api, body))["key"], {"amount": 1})).json()
    withdrawn = await api.post(f"/v1/approval-requests/{created['id']}/withdraw", headers=auth(applicant))
    assert withdrawn.status_code == 200, withdrawn.text
    assert [s["status"] for s in withdrawn.json()["stages"]] == ["cancelled", "cancelled"]
    assert withdrawn.json()["stages"][0]["groups"][0]["tasks"][0]["status"] == "cancelled"
    told = await events(db_url, REQUEST_CC, created["id"])
    assert [(e["recipient_id"], e["status"]) for e in told] == [(watcher, "pending"), (watcher, "withdrawn")]
    assert_problem(await decide(api, stage_task(created, boss, 0), boss), 409)


async def test_a_staged_creation_with_an_idempotency_key_runs_once(api: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    key = (await define(api, definition(stage("one", group("g", {"user": unique("boss")})))))["key"]
    headers = {**auth(applicant), "Idempotency-Key": unique("key")}
    body = {"definition": key, "title": "once", "form": {"amount": 1}}
    first = await api.post("/v1/approval-requests", json=body, headers=headers)
    again = await api.post("/v1/approval-requests", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), (first.text, again.text)
    assert first.json()["id"] == again.json()["id"]
    mine = (await api.get("/v1/approval-requests?mine=true", headers=auth(applicant))).json()["items"]
    assert len(mine) == 1
