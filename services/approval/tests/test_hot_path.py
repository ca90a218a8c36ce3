"""The single-statement decision (repository.decision): the rules it restates in SQL, its guard against
a stale snapshot, and what it writes compared with the transactional path, decision by decision."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_approval import service
from sealflow_approval.domain import Decision, Tally, group_outcome, request_outcome
from sealflow_approval.main import create_app
from sealflow_approval.repository.decision import group_outcome_after, request_outcome_after
from sealkit.auth import Principal
from sealkit.contracts.approval import REQUEST_DECIDED, DecisionSubmission
from sealkit.jsonutil import dumps, loads
from sealkit.sql import fetch_on_driver
from sealkit.tables import outbox
from sealkit.testing import asgi_client, auth, started, unique

from .conftest import make_settings
from .helpers import connect, open_request, people, request_body, task_of


def _typed(name: str, type_: Any) -> Any:
    return sa.bindparam(name, type_=type_)


# the rules exactly as the statement uses them, over parameters instead of the rows' columns
GROUP_AFTER = sa.select(
    group_outcome_after(
        _typed("mode", sa.Text), _typed("min_approvals", sa.Integer), _typed("task_count", sa.Integer),
        _typed("approved_count", sa.Integer), _typed("rejected_count", sa.Integer),
        approved=_typed("approved", sa.Integer), rejected=_typed("rejected", sa.Integer),
    )
)  # fmt: skip
REQUEST_AFTER = sa.select(
    request_outcome_after(
        _typed("combine", sa.Text), _typed("group_count", sa.Integer),
        _typed("approved_groups", sa.Integer), _typed("rejected_groups", sa.Integer),
    )
)  # fmt: skip


async def _one(conn: Any, stmt: Any, **params: Any) -> Any:
    rows = await fetch_on_driver(conn, stmt, params)
    return next(iter(rows[0].values()))


async def test_sql_group_outcome_agrees_with_the_domain_on_every_small_tally(db_url: str) -> None:
    conn = await connect(db_url)
    checked = 0
    try:
        for mode, total in itertools.product(("all", "any", "quorum"), range(1, 7)):
            for needed in range(1, total + 1) if mode == "quorum" else [None]:
                for approved, rejected in itertools.product(range(total), range(total)):
                    if approved + rejected >= total:
                        continue  # a decision needs a pending task
                    if group_outcome(mode, Tally(total, approved, rejected), needed) != "pending":  # type: ignore[arg-type]  # the three modes
                        continue  # a decided group takes no decisions
                    for a in (1, 0):
                        after = group_outcome(mode, Tally(total, approved + a, rejected + 1 - a), needed)  # type: ignore[arg-type]  # as above
                        in_sql = await _one(
                            conn, GROUP_AFTER, mode=mode, min_approvals=needed, task_count=total,
                            approved_count=approved, rejected_count=rejected, approved=a, rejected=1 - a,
                        )  # fmt: skip
                        assert in_sql == after, (mode, needed, total, approved, rejected, a)
                        checked += 1
    finally:
        await conn.close()
    assert checked > 300


async def test_sql_request_outcome_agrees_with_the_domain_on_every_small_tally(db_url: str) -> None:
    conn = await connect(db_url)
    checked = 0
    try:
        for combine, total in itertools.product(("all", "any"), range(1, 7)):
            for approved, rejected in itertools.product(range(total + 1), range(total + 1)):
                if approved + rejected > total:
                    continue
                expected = request_outcome(combine, Tally(total, approved, rejected))  # type: ignore[arg-type]  # the two combines
                in_sql = await _one(
                    conn, REQUEST_AFTER, combine=combine, group_count=total,
                    approved_groups=approved, rejected_groups=rejected,
                )  # fmt: skip
                assert in_sql == expected, (combine, total, approved, rejected)
                checked += 1
    finally:
        await conn.close()
    assert checked > 100


async def test_a_decision_whose_snapshot_went_stale_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, db_url: str
) -> None:
    """A writer commits while the single statement waits for the request's lock: the statement read
    the request before that commit, so its version check must make it write nothing at all."""
    applicant = unique("alice")
    bob, carol, dave = people(3)
    created = await open_request(client, applicant, request_body(("all", [bob, carol, dave])))
    holder = await connect(db_url)
    watcher = await connect(db_url)
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute(
            "UPDATE approval_requests SET version = version + 1 WHERE id = $1", created["id"]
        )

        async def bob_decides() -> dict[str, Any] | None:
            async with app.state.db.statement() as pg:
                return await service.decide_at_once(
                    pg, app.state.outbox, user=Principal(bob, roles=frozenset({"approver"})), task_id=UUID(task_of(created, bob)),
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


# ---------------------------------------------------------------- the hot path against the transactional one

HOOKS = ("http://127.0.0.1:9/hook-a", "http://127.0.0.1:9/hook-b")


@pytest.fixture(scope="module")
async def hooked_app(db_url: str) -> AsyncIterator[FastAPI]:
    """The app with two subscribers of `approval.request.decided` (never delivered: no workers)."""
    subscribers = ",".join(f"{REQUEST_DECIDED}={url}" for url in HOOKS)
    app = create_app(make_settings(subscribers=subscribers, run_workers=False), database_url=db_url)
    async with started(app) as application:
        yield application


def _scenario(rng: random.Random) -> tuple[dict[str, Any], list[tuple[int, int, Decision]]]:
    """A random request shape (as positions, not people) and a random order of decisions on its tasks."""
    groups: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 3)):
        mode = rng.choice(["all", "any", "quorum"])
        size = rng.randint(1, 4)
        groups.append({"mode": mode, "size": size, "min": rng.randint(1, size) if mode == "quorum" else None})
    shape: dict[str, Any] = {
        "combine": rng.choice(["all", "any"]),
        "groups": groups,
        "callback": rng.choice([None, HOOKS[0], "http://127.0.0.1:9/callback"]),
    }
    steps: list[tuple[int, int, Decision]] = [
        (g, t, "approve" if rng.random() < 0.5 else "reject")
        for g, group in enumerate(groups)
        for t in range(group["size"])
    ]
    rng.shuffle(steps)
    return shape, steps


async def _open(
    client: httpx.AsyncClient, shape: dict[str, Any], applicant: str
) -> tuple[dict[str, Any], list[list[str]]]:
    who = [people(g["size"]) for g in shape["groups"]]
    groups = [
        (g["mode"], names, g["min"]) if g["min"] else (g["mode"], names)
        for g, names in zip(shape["groups"], who, strict=True)
    ]
    extra = {"callback_url": shape["callback"]} if shape["callback"] else {}
    created = await open_request(client, applicant, request_body(*groups, combine=shape["combine"], **extra))
    return created, who


async def _state(app: FastAPI, client: httpx.AsyncClient, created: dict[str, Any]) -> dict[str, Any]:
    """Everything a decision writes, with ids, people and times left out."""
    request_id = created["id"]
    view = (
        await client.get(f"/v1/approval-requests/{request_id}", headers=auth(created["applicant_id"]))
    ).json()
    timeline = (
        await client.get(
            f"/v1/approval-requests/{request_id}/timeline", headers=auth(created["applicant_id"])
        )
    ).json()
    async with app.state.db.transaction() as conn:
        rows = (await conn.execute(sa.select(outbox).where(outbox.c.body.contains(request_id)))).all()
    events = sorted(
        (
            (
                r.destination,
                r.event_type,
                r.status,
                {k: v for k, v in loads(r.body)["data"].items() if k != "decided_at"},
            )
            for r in rows
        ),
        key=lambda event: str(event[0]),
    )
    for r in rows:
        body = loads(r.body)
        assert body["id"] == str(r.event_id) and body["type"] == r.event_type
        assert r.body == dumps(body).decode(), "the body is what sealkit's JSON writer makes of it"
        assert datetime.fromisoformat(body["data"]["decided_at"]) == datetime.fromisoformat(
            view["decided_at"]
        )
    return {
        "status": view["status"],
        "decided": view["decided_at"] is not None,
        "groups": [(g["status"], [t["status"] for t in g["tasks"]]) for g in view["groups"]],
        "timeline": [(e["action"], e.get("detail")) for e in timeline],
        "events": [(d, t, s, {**data, "request_id": None}) for d, t, s, data in events],
    }


async def test_the_hot_path_writes_what_the_transactional_path_writes(hooked_app: FastAPI) -> None:
    """Random requests decided twice, in the same order: once by the single statement (called directly,
    so a silent fallback cannot hide a difference), once through the transactional path (an
    Idempotency-Key sends the API there). Every answer and everything written must be the same."""
    rng = random.Random(20261122)
    async with asgi_client(hooked_app, "http://approval") as client:
        for _ in range(30):
            shape, steps = _scenario(rng)
            applicant = unique("applicant")
            hot, hot_people = await _open(client, shape, applicant)
            slow, slow_people = await _open(client, shape, applicant)
            for g, t, decision in steps:
                async with hooked_app.state.db.statement() as pg:
                    assert pg is not None
                    fast = await service.decide_at_once(
                        pg, hooked_app.state.outbox, user=Principal(hot_people[g][t], roles=frozenset({"approver"})),
                        task_id=UUID(task_of(hot, hot_people[g][t], g)), body=DecisionSubmission(decision=decision),
                    )  # fmt: skip
                answer = await client.post(
                    f"/v1/tasks/{task_of(slow, slow_people[g][t], g)}/decision",
                    json={"decision": decision},
                    headers={**auth(slow_people[g][t], "approver"), "Idempotency-Key": unique("key")},
                )
                if fast is None:  # refused: the task or its request was already decided
                    assert answer.status_code == 409, (shape, steps, answer.text)
                    continue
                assert answer.status_code == 200, answer.text
                expected = answer.json()
                assert (fast["group_status"], fast["request_status"]) == (
                    expected["group_status"],
                    expected["request_status"],
                )
                assert fast["task"]["status"] == expected["task"]["status"]
                assert await _state(hooked_app, client, hot) == await _state(hooked_app, client, slow), (
                    shape,
                    steps,
                )
