"""The single-statement decision (repository.DECIDE_AT_ONCE) against the rules it restates in SQL."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from sealflow_approval import service
from sealflow_approval.domain import Tally, group_outcome
from sealflow_approval.repository import STILL_PENDING_AFTER
from sealkit.auth import Principal
from sealkit.contracts.approval import DecisionSubmission
from sealkit.testing import auth, unique

from .helpers import open_request, people, request_body, task_of


async def _connect(db_url: str) -> Any:
    u = make_url(db_url)
    return await asyncpg.connect(host=u.host, port=u.port, user=u.username, database=u.database)


async def test_sql_still_pending_agrees_with_the_domain_on_every_small_tally(db_url: str) -> None:
    sql = (
        "SELECT "
        + STILL_PENDING_AFTER.replace("$10", "$7").replace("$9", "$6")
        + (
            " FROM (SELECT $1::text AS mode, $2::int AS min_approvals, $3::int AS task_count,"
            " $4::int AS approved_count, $5::int AS rejected_count) s"
        )
    )
    cases = []
    for mode, total in itertools.product(("all", "any", "quorum"), range(1, 7)):
        for needed in range(1, total + 1) if mode == "quorum" else [None]:
            for approved, rejected in itertools.product(range(total), range(total)):
                if approved + rejected >= total:
                    continue  # a decision needs a pending task
                for approve in (1, 0):
                    cases.append((mode, needed, total, approved, rejected, approve, 1 - approve))
    conn = await _connect(db_url)
    try:
        checked = 0
        for mode, needed, total, approved, rejected, a, r in cases:
            before = group_outcome(mode, Tally(total, approved, rejected), needed)  # type: ignore[arg-type]  # the three modes
            if before != "pending":
                continue  # a decided group takes no decisions
            after = group_outcome(mode, Tally(total, approved + a, rejected + r), needed)  # type: ignore[arg-type]  # as above
            in_sql = await conn.fetchval(sql, mode, needed, total, approved, rejected, a, r)
            assert in_sql == (after == "pending"), (mode, needed, total, approved, rejected, a, r)
            checked += 1
    finally:
        await conn.close()
    assert checked > 300


async def test_a_decision_whose_snapshot_went_stale_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, db_url: str
) -> None:
    """A writer commits while the single statement waits for the request's lock: the statement read
    the request before that commit, so its version check must make it write nothing at all."""
    applicant = unique("alice")
    bob, carol, dave = people(3)
    created = await open_request(client, applicant, request_body(("all", [bob, carol, dave])))
    holder = await _connect(db_url)
    watcher = await _connect(db_url)
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute(
            "UPDATE approval_requests SET version = version + 1 WHERE id = $1", created["id"]
        )

        async def bob_decides() -> dict[str, Any] | None:
            async with app.state.db.statement() as pg:
                return await service.decide_at_once(
                    pg, user=Principal(bob, roles=frozenset({"approver"})), task_id=UUID(task_of(created, bob)),
                    body=DecisionSubmission(decision="approve"),
                )  # fmt: skip

        decision = asyncio.create_task(bob_decides())
        for _ in range(500):  # until bob's statement is waiting for the holder's lock
            waiting = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%approval_tasks%'"
            )
            if waiting:
                break
            await asyncio.sleep(0.01)
        assert waiting, "the hot statement never waited for the request's lock"
        await tx.commit()
        assert await decision is None
        counts = await watcher.fetchrow(
            "SELECT approved_count, rejected_count FROM approval_groups WHERE request_id = $1", created["id"]
        )
        assert tuple(counts) == (0, 0)
        audited = await watcher.fetchval(
            "SELECT count(*) FROM approval_audit WHERE request_id = $1 AND action = 'approve'", created["id"]
        )
        assert audited == 0
    finally:
        await holder.close()
        await watcher.close()
    # the transactional path then records it as usual
    bobs = await client.post(
        f"/v1/tasks/{task_of(created, bob)}/decision",
        json={"decision": "approve"},
        headers=auth(bob, "approver"),
    )
    assert bobs.json()["group_status"] == "pending"
    fetched = (await client.get(f"/v1/approval-requests/{created['id']}", headers=auth(applicant))).json()
    assert [t["status"] for t in fetched["groups"][0]["tasks"]] == ["approved", "pending", "pending"]
