"""Races with real concurrent HTTP requests against a running app on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_approval.main import create_app
from sealkit.contracts.approval import REQUEST_DECIDED
from sealkit.tables import outbox
from sealkit.testing import Receiver, auth, live_server, receiver, unique

from .conftest import make_settings
from .helpers import people, request_body, task_of

ROUNDS = 3


@dataclass
class Live:
    app: FastAPI
    url: str
    hook: Receiver


@pytest.fixture(scope="module")
async def live(db_url: str) -> AsyncIterator[Live]:
    async with receiver() as hook:
        app = create_app(make_settings(subscribers=f"{REQUEST_DECIDED}={hook.url}"), database_url=db_url)
        async with live_server(app) as url:
            yield Live(app, url, hook)


async def _post(url: str, path: str, user: str, body: dict[str, Any] | None = None) -> httpx.Response:
    """One request on its own connection, as a separate client would make it."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return await client.post(path, json=body, headers=auth(user))


async def _open(live: Live, approvers: list[str], mode: str) -> tuple[str, dict[str, Any]]:
    applicant = unique("alice")
    response = await _post(live.url, "/v1/approval-requests", applicant, request_body((mode, approvers)))
    assert response.status_code == 201, response.text
    return applicant, response.json()


async def _decided_events(live: Live, request_id: str) -> int:
    async with live.app.state.db.transaction() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.event_type == REQUEST_DECIDED, outbox.c.body.contains(request_id))
        )
    return int(count or 0)


async def _fetch(live: Live, request_id: str, user: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live.url) as client:
        response = await client.get(f"/v1/approval-requests/{request_id}", headers=auth(user))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_twenty_approvers_of_an_any_group_at_once_give_one_approval(live: Live, round_: int) -> None:
    approvers = people(20)
    applicant, created = await _open(live, approvers, "any")
    responses = await asyncio.gather(
        *(
            _post(live.url, f"/v1/tasks/{task_of(created, a)}/decision", a, {"decision": "approve"})
            for a in approvers
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19, [r.text for r in responses if r.status_code not in (200, 409)]
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert (winner["group_status"], winner["request_status"]) == ("approved", "approved")
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"] == "application/problem+json"
    assert await _decided_events(live, created["id"]) == 1
    final = await _fetch(live, created["id"], applicant)
    tasks = final["groups"][0]["tasks"]
    assert sorted(t["status"] for t in tasks) == ["approved"] + ["cancelled"] * 19
    assert next(t["id"] for t in tasks if t["status"] == "approved") == winner["task"]["id"]


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_twenty_approvers_of_an_all_group_at_once_approve_exactly_once(live: Live, round_: int) -> None:
    approvers = people(20)
    applicant, created = await _open(live, approvers, "all")
    responses = await asyncio.gather(
        *(
            _post(live.url, f"/v1/tasks/{task_of(created, a)}/decision", a, {"decision": "approve"})
            for a in approvers
        )
    )
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    settled = [r.json() for r in responses if r.json()["request_status"] == "approved"]
    assert len(settled) == 1
    assert sum(r.json()["group_status"] == "approved" for r in responses) == 1
    final = await _fetch(live, created["id"], applicant)
    assert final["status"] == "approved"
    assert [t["status"] for t in final["groups"][0]["tasks"]] == ["approved"] * 20
    assert await _decided_events(live, created["id"]) == 1


@pytest.mark.parametrize("round_", range(ROUNDS * 2))
async def test_a_decision_racing_a_withdrawal_ends_consistent(live: Live, round_: int) -> None:
    approver = unique("bob")
    applicant, created = await _open(live, [approver], "all")
    decision, withdrawal = await asyncio.gather(
        _post(
            live.url, f"/v1/tasks/{task_of(created, approver)}/decision", approver, {"decision": "approve"}
        ),
        _post(live.url, f"/v1/approval-requests/{created['id']}/withdraw", applicant),
    )
    final = await _fetch(live, created["id"], applicant)
    task = final["groups"][0]["tasks"][0]
    # exactly one of them won, and the stored state is the winner's
    assert sorted([decision.status_code, withdrawal.status_code]) == [200, 409], (
        decision.text,
        withdrawal.text,
    )
    if decision.status_code == 200:
        assert (final["status"], task["status"]) == ("approved", "approved")
    else:
        assert (final["status"], task["status"]) == ("withdrawn", "cancelled")
    assert await _decided_events(live, created["id"]) == 1


async def test_decided_events_reach_the_subscriber(live: Live) -> None:
    """The rows counted above are real deliveries: the live app's dispatcher sends them."""
    approver = unique("bob")
    _, created = await _open(live, [approver], "any")
    response = await _post(
        live.url, f"/v1/tasks/{task_of(created, approver)}/decision", approver, {"decision": "reject"}
    )
    assert response.json()["request_status"] == "rejected"
    for _ in range(200):  # a bounded wait: 10 s
        if any(created["id"].encode() in r.body for r in live.hook.received):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # room for a wrong second delivery
    mine = [r for r in live.hook.received if created["id"].encode() in r.body]
    assert len(mine) == 1
    assert b'"status":"rejected"' in mine[0].body
