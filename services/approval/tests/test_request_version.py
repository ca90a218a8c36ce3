"""Every writer of a request bumps its `version`: what the single-statement decision's guard against a
stale snapshot rests on (repository.decision). Each writer is checked here; the guard triggers
(version_guard.py), installed in every approval test database, catch a writer that forgets in any test."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from sealflow_approval import service
from sealkit.auth import Principal
from sealkit.contracts.approval import DecisionSubmission
from sealkit.testing import auth, unique

from .definitions import define, definition, group, open_from, put_role, stage, stage_task
from .helpers import connect, get_request, open_request, people, request_body, task_of
from .version_guard import TRIGGERS


async def _version(db_url: str, request_id: str) -> int:
    conn = await connect(db_url)
    try:
        version: int = await conn.fetchval(
            "SELECT version FROM approval_requests WHERE id = $1", UUID(request_id)
        )
        return version
    finally:
        await conn.close()


async def test_every_writer_bumps_the_request_version(
    app: FastAPI, client: httpx.AsyncClient, db_url: str
) -> None:
    applicant = unique("alice")
    bob, carol, dave, erin, frank = people(5)
    created = await open_request(client, applicant, request_body(("all", [bob, carol]), ("any", [dave])))
    request_id = created["id"]
    seen = [await _version(db_url, request_id)]

    async def bumped(response: httpx.Response | None, what: str) -> None:
        if response is not None:
            assert response.status_code in (200, 201), (what, response.text)
        seen.append(await _version(db_url, request_id))
        assert seen[-1] > seen[-2], f"{what} did not bump the request's version"

    group_id = created["groups"][0]["id"]
    added = await client.post(f"/v1/approval-requests/{request_id}/groups/{group_id}/approvers",
                              json={"id": erin}, headers=auth(bob, "approver"))  # fmt: skip
    await bumped(added, "adding an approver")
    delegated = await client.post(f"/v1/tasks/{task_of(created, carol)}/delegate",
                                  json={"to": {"id": frank}}, headers=auth(carol, "approver"))  # fmt: skip
    await bumped(delegated, "delegating")
    async with app.state.db.statement() as pg:
        assert pg is not None
        hot = await service.decide_at_once(
            pg, app.state.outbox, user=Principal(bob, roles=frozenset({"approver"})),
            task_id=UUID(task_of(created, bob)), body=DecisionSubmission(decision="approve"),
        )  # fmt: skip
    assert hot is not None
    await bumped(None, "a decision in one statement")
    keyed = await client.post(f"/v1/tasks/{task_of(created, dave, 1)}/decision", json={"decision": "approve"},
                              headers={**auth(dave, "approver"), "Idempotency-Key": unique("key")})  # fmt: skip
    await bumped(keyed, "a decision in a transaction that settles its group")
    withdrawn = await client.post(f"/v1/approval-requests/{request_id}/withdraw", headers=auth(applicant))
    await bumped(withdrawn, "withdrawing")


async def test_a_deadline_bumps_the_request_version(client: httpx.AsyncClient, db_url: str) -> None:
    applicant, bob = unique("alice"), unique("bob")
    deadline = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    created = await open_request(client, applicant, request_body(("all", [bob]), deadline_at=deadline))
    before = await _version(db_url, created["id"])
    give_up = time.monotonic() + 15
    while (await get_request(client, created["id"], applicant))["status"] == "pending":
        assert time.monotonic() < give_up, "the deadline loop never decided the request"
        await asyncio.sleep(0.1)
    assert await _version(db_url, created["id"]) > before


async def test_the_guard_is_on_in_the_test_database(db_url: str) -> None:
    conn = await connect(db_url)
    try:
        names = {
            r["tgname"] for r in await conn.fetch("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        }
    finally:
        await conn.close()
    assert set(TRIGGERS) <= names


@pytest.mark.parametrize(
    "forgetful_write",
    [
        "UPDATE approval_requests SET title = title || '!' WHERE id = $1",
        "UPDATE approval_groups SET approved_count = approved_count WHERE request_id = $1",
        "UPDATE approval_tasks SET status = 'cancelled' WHERE request_id = $1",
        "INSERT INTO approval_audit (id, request_id, at, actor_id, action) VALUES (gen_random_uuid(), $1, now(), 'x', 'noted')",
    ],
)
async def test_a_writer_that_forgets_to_bump_the_version_is_caught(
    client: httpx.AsyncClient, db_url: str, forgetful_write: str
) -> None:
    created = await open_request(client, unique("alice"), request_body(("all", [unique("bob")])))
    request_id = UUID(created["id"])
    conn = await connect(db_url)
    try:
        with pytest.raises(asyncpg.RaiseError, match="without bumping"):
            async with conn.transaction():
                await conn.execute(forgetful_write, request_id)
        # the same write with the version bumped in its transaction, as every writer does, is accepted
        async with conn.transaction():
            await conn.execute("UPDATE approval_requests SET version = version + 1 WHERE id = $1", request_id)
            if "approval_requests" not in forgetful_write:
                await conn.execute(forgetful_write, request_id)
    finally:
        await conn.close()


async def test_opening_the_next_stage_bumps_the_request_version(
    client: httpx.AsyncClient, db_url: str
) -> None:
    """The writers of requests in stages: opening a stage (its groups, tasks and audit entries under the
    request's version, which the guard triggers check at commit) and rejecting for an emptied role."""
    applicant, boss, fin = unique("alice"), unique("boss"), unique("fin")
    role = unique("finance")
    await put_role(client, role, fin)
    body = definition(stage("one", group("g", {"user": boss})), stage("two", group("fin", {"role": role})))
    key = (await define(client, body))["key"]
    opened = (await open_from(client, applicant, key, {"amount": 1})).json()
    before = await _version(db_url, opened["id"])
    response = await client.post(f"/v1/tasks/{stage_task(opened, boss)}/decision", json={"decision": "approve"},
                                 headers=auth(boss, "approver"))  # fmt: skip
    assert response.json()["request_status"] == "pending"
    assert await _version(db_url, opened["id"]) > before

    emptied = (await open_from(client, applicant, key, {"amount": 1})).json()
    await put_role(client, role)
    before = await _version(db_url, emptied["id"])
    response = await client.post(f"/v1/tasks/{stage_task(emptied, boss)}/decision", json={"decision": "approve"},
                                 headers=auth(boss, "approver"))  # fmt: skip
    assert response.json()["request_status"] == "rejected"
    assert await _version(db_url, emptied["id"]) > before
