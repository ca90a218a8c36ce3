"""The last decisions of a stage, at once: real concurrent HTTP requests against a running app on PostgreSQL
open the next stage exactly once. And the one-statement decision never settles a staged request: a stage
that a next one follows opens it in the transaction (service.stages)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI

from sealflow_approval import service
from sealflow_approval.main import create_app
from sealkit.auth import Principal
from sealkit.contracts.approval import STAGE_OPENED, TASK_CREATED, DecisionSubmission
from sealkit.testing import asgi_client, auth, live_server, unique

from .conftest import make_settings
from .definitions import define, definition, group, put_role, stage, stage_task
from .helpers import connect, people

ROUNDS = 3


@dataclass
class Live:
    app: FastAPI
    url: str


@pytest.fixture(scope="module")
async def live(db_url: str) -> AsyncIterator[Live]:
    settings = make_settings(subscribers="*=http://127.0.0.1:9/v1/events", outbox_poll_seconds=60)
    app = create_app(settings, database_url=db_url)
    async with live_server(app) as url:
        yield Live(app, url)


async def _post(url: str, path: str, user: str, body: dict[str, Any] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        return await client.post(path, json=body, headers=auth(user))


async def _get(url: str, path: str, user: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        response = await client.get(path, headers=auth(user))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def _count(db_url: str, event_type: str, request_id: str) -> int:
    conn = await connect(db_url)
    try:
        n: int = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE event_type = $1 AND body LIKE '%' || $2 || '%'",
            event_type,
            request_id,
        )
        return n
    finally:
        await conn.close()


async def _two_stages(
    live: Live, mode: str, approvers: list[str], next_ones: list[str]
) -> tuple[str, dict[str, Any]]:
    role = unique("next")
    async with httpx.AsyncClient(base_url=live.url, timeout=60) as client:
        await put_role(client, role, *next_ones)
        key = (await define(client, definition(stage("first", group("crowd", *({"user": a} for a in approvers),
                                                                    mode=mode)),
                                               stage("second", group("next", {"role": role})))))["key"]  # fmt: skip
    applicant = unique("alice")
    response = await _post(
        live.url, "/v1/approval-requests", applicant, {"definition": key, "title": "t", "form": {"amount": 1}}
    )
    assert response.status_code == 201, response.text
    return applicant, response.json()


async def _decide_all(live: Live, created: dict[str, Any], approvers: list[str]) -> list[httpx.Response]:
    return await asyncio.gather(
        *(
            _post(live.url, f"/v1/tasks/{stage_task(created, a)}/decision", a, {"decision": "approve"})
            for a in approvers
        )
    )


async def _opened_once(
    live: Live, db_url: str, applicant: str, created: dict[str, Any], next_ones: list[str]
) -> None:
    final = await _get(live.url, f"/v1/approval-requests/{created['id']}", applicant)
    assert (final["status"], final["current_stage"]) == ("pending", 1)
    second = final["stages"][1]["groups"]
    assert len(second) == 1 and sorted(t["approver_id"] for t in second[0]["tasks"]) == sorted(next_ones)
    assert len([g for g in final["groups"] if g["stage"] == 1]) == 1
    assert (
        await _count(db_url, STAGE_OPENED, created["id"]) == 2
    )  # the first stage at creation, the second once
    created_events = await _count(db_url, TASK_CREATED, created["id"])
    assert created_events == len(created["groups"][0]["tasks"]) + len(next_ones)


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_twenty_approvers_of_an_any_group_at_once_open_the_next_stage_once(
    live: Live, db_url: str, round_: int
) -> None:
    approvers, next_ones = people(20), people(2, "next")
    applicant, created = await _two_stages(live, "any", approvers, next_ones)
    responses = await _decide_all(live, created, approvers)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19, [r.text for r in responses if r.status_code not in (200, 409)]
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert (winner["group_status"], winner["request_status"]) == ("approved", "pending")
    await _opened_once(live, db_url, applicant, created, next_ones)


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_twenty_approvers_of_an_all_group_at_once_open_the_next_stage_once(
    live: Live, db_url: str, round_: int
) -> None:
    approvers, next_ones = people(20), people(2, "next")
    applicant, created = await _two_stages(live, "all", approvers, next_ones)
    responses = await _decide_all(live, created, approvers)
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    assert sum(r.json()["group_status"] == "approved" for r in responses) == 1
    assert all(r.json()["request_status"] == "pending" for r in responses)
    await _opened_once(live, db_url, applicant, created, next_ones)


# --- the one-statement decision and staged requests ------------------------------------------------


@pytest.fixture
async def app_client(live: Live) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(live.app, "http://approval") as c:
        yield c


async def _at_once(app: FastAPI, approver: str, task_id: str) -> dict[str, Any] | None:
    async with app.state.db.statement() as pg:
        assert pg is not None
        return await service.decide_at_once(
            pg, app.state.outbox, user=Principal(approver, roles=frozenset({"approver"})),
            task_id=UUID(task_id), body=DecisionSubmission(decision="approve"),
        )  # fmt: skip


async def _version(db_url: str, request_id: str) -> int:
    conn = await connect(db_url)
    try:
        v: int = await conn.fetchval("SELECT version FROM approval_requests WHERE id = $1", UUID(request_id))
        return v
    finally:
        await conn.close()


@pytest.mark.parametrize("settles", ["a stage a next one follows", "the last stage"])
async def test_the_one_statement_decision_never_settles_a_staged_request(
    live: Live, app_client: httpx.AsyncClient, db_url: str, settles: str
) -> None:
    a, b, c = people(3)
    applicant, created = await _two_stages(live, "all", [a, b], [c])
    # a decision that settles nothing runs in the one statement, as for any request
    assert await _at_once(live.app, a, stage_task(created, a)) is not None
    if settles == "the last stage":
        response = await app_client.post(f"/v1/tasks/{stage_task(created, b)}/decision",
                                         json={"decision": "approve"}, headers=auth(b))  # fmt: skip
        assert response.json()["request_status"] == "pending"
        created = await _get(live.url, f"/v1/approval-requests/{created['id']}", applicant)
        last, approver = stage_task(created, c), c
    else:
        last, approver = stage_task(created, b), b
    before = await _version(db_url, created["id"])
    # the decision that settles the stage: the statement writes nothing and leaves it to the transaction
    assert await _at_once(live.app, approver, last) is None
    assert await _version(db_url, created["id"]) == before
    untouched = await _get(live.url, f"/v1/approval-requests/{created['id']}", applicant)
    assert {t["status"] for g in untouched["groups"] for t in g["tasks"] if t["id"] == last} == {"pending"}
    # the same decision through the route (the transaction) settles it as the stages say
    response = await app_client.post(
        f"/v1/tasks/{last}/decision", json={"decision": "approve"}, headers=auth(approver)
    )
    assert response.status_code == 200, response.text
    after = await _get(live.url, f"/v1/approval-requests/{created['id']}", applicant)
    if settles == "the last stage":
        assert (after["status"], response.json()["request_status"]) == ("approved", "approved")
    else:
        assert (after["status"], after["current_stage"]) == ("pending", 1)
        assert [t["approver_id"] for t in after["stages"][1]["groups"][0]["tasks"]] == [c]


async def test_an_ad_hoc_request_still_settles_in_the_one_statement(
    live: Live, app_client: httpx.AsyncClient
) -> None:
    """The guard is for staged requests only: the same settling decision on an ad-hoc request stays hot."""
    approver = unique("bob")
    body = {"title": "t", "groups": [{"name": "g", "mode": "all", "approvers": [{"id": approver}]}]}
    created = (
        await app_client.post("/v1/approval-requests", json=body, headers=auth(unique("alice")))
    ).json()
    found = await _at_once(live.app, approver, created["groups"][0]["tasks"][0]["id"])
    assert found is not None and found["request_status"] == "approved"
