"""Deadlines and reminders: the timer loop decides on time, replicas never decide or remind twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from sealflow_approval import service
from sealflow_approval.main import create_app
from sealkit.contracts.approval import REQUEST_DECIDED, TASK_REMINDER
from sealkit.jsonutil import loads
from sealkit.outbox import Outbox
from sealkit.tables import outbox
from sealkit.testing import auth, create_test_database, drop_database, unique

from .conftest import make_settings
from .helpers import decide, get_request, open_request, request_body, task_of
from .version_guard import install_version_guard

# The events these tests count go nowhere: a closed port. Nothing here waits for their delivery.
NOWHERE = "http://127.0.0.1:9/v1/events"


@pytest.fixture(scope="module")
async def timer_app() -> AsyncIterator[FastAPI]:
    """Its own database: calling the timers with a `now` in the future touches only this module's rows."""
    url = await create_test_database("approval")
    await install_version_guard(url)
    app = create_app(make_settings(timer_interval_seconds=0.1), database_url=url)
    async with LifespanManager(app):
        yield app
    await drop_database(url)


@pytest.fixture
async def tclient(timer_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=timer_app), base_url="http://approval"
    ) as c:
        yield c


def _at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def _until_decided(
    client: httpx.AsyncClient, request_id: str, user: str, timeout: float = 15
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fetched = await get_request(client, request_id, user)
        if fetched["status"] != "pending":
            return fetched
        await asyncio.sleep(0.1)
    raise AssertionError(f"request {request_id} still pending after {timeout}s")


async def _events(app: FastAPI, event_type: str, needle: str) -> list[dict[str, Any]]:
    async with app.state.db.transaction() as conn:
        rows = (
            await conn.execute(
                sa.select(outbox.c.body).where(
                    outbox.c.event_type == event_type, outbox.c.body.contains(needle)
                )
            )
        ).all()
    return [loads(r.body) for r in rows]


@pytest.mark.parametrize(
    ("on_deadline", "expected"), [("approve", "approved"), ("reject", "rejected"), (None, "rejected")]
)
async def test_the_timer_applies_on_deadline(
    tclient: httpx.AsyncClient, on_deadline: str | None, expected: str
) -> None:
    applicant, a, b = unique("alice"), unique("bob"), unique("carol")
    extra: dict[str, Any] = {"deadline_at": _at(1.5)}
    if on_deadline:
        extra["on_deadline"] = on_deadline
    created = await open_request(tclient, applicant, request_body(("all", [a, b]), **extra))
    assert (await decide(tclient, task_of(created, a), a)).status_code == 200
    final = await _until_decided(tclient, created["id"], applicant)
    assert final["status"] == expected
    assert final["decided_at"] is not None
    assert [(t["approver_id"], t["status"]) for t in final["groups"][0]["tasks"]] == [
        (a, "approved"),
        (b, "cancelled"),
    ]
    assert final["groups"][0]["status"] == "cancelled"
    # too late for the remaining approver
    assert (await decide(tclient, task_of(created, b), b)).status_code == 409
    timeline = (
        await tclient.get(f"/v1/approval-requests/{created['id']}/timeline", headers=auth(applicant))
    ).json()
    assert [(e["action"], e["actor_id"]) for e in timeline][-1] == ("deadline", "system")
    assert timeline[-1]["detail"] == {"status": expected}


async def test_a_request_decided_before_its_deadline_is_left_alone(
    tclient: httpx.AsyncClient, timer_app: FastAPI
) -> None:
    applicant, a = unique("alice"), unique("bob")
    created = await open_request(
        tclient, applicant, request_body(("all", [a]), deadline_at=_at(3600), on_deadline="approve")
    )
    assert (await decide(tclient, task_of(created, a), a, "reject")).status_code == 200
    async with timer_app.state.db.transaction() as conn:
        await service.apply_deadlines(
            conn, Outbox([("*", NOWHERE)]), now=datetime.now(UTC) + timedelta(hours=2), limit=1000
        )
    assert (await get_request(tclient, created["id"], applicant))["status"] == "rejected"


@pytest.mark.parametrize("round_", range(3))
async def test_two_timer_loops_racing_decide_once(
    tclient: httpx.AsyncClient, timer_app: FastAPI, round_: int
) -> None:
    applicant = unique("alice")
    created = await open_request(
        tclient,
        applicant,
        request_body(("any", [unique(), unique()]), deadline_at=_at(7200), on_deadline="approve"),
    )
    later = datetime.now(UTC) + timedelta(hours=3)
    box = Outbox([("*", NOWHERE)])

    async def loop_round() -> int:
        async with timer_app.state.db.transaction() as conn:
            return await service.apply_deadlines(conn, box, now=later, limit=1000)

    done = await asyncio.gather(loop_round(), loop_round())
    assert sum(done) >= 1
    final = await get_request(tclient, created["id"], applicant)
    assert final["status"] == "approved"
    events = await _events(timer_app, REQUEST_DECIDED, created["id"])
    assert len(events) == 1
    assert events[0]["data"]["status"] == "approved"
    timeline = (
        await tclient.get(f"/v1/approval-requests/{created['id']}/timeline", headers=auth(applicant))
    ).json()
    assert [e["action"] for e in timeline].count("deadline") == 1


async def _remind(app: FastAPI, at: datetime) -> int:
    async with app.state.db.transaction() as conn:
        return await service.send_reminders(conn, Outbox([("*", NOWHERE)]), now=at, limit=10_000)


async def _reminders(app: FastAPI, task_id: str) -> list[int]:
    return sorted(e["data"]["reminder_number"] for e in await _events(app, TASK_REMINDER, task_id))


async def test_reminders_come_at_the_requested_interval(
    tclient: httpx.AsyncClient, timer_app: FastAPI
) -> None:
    applicant, a, b = unique("alice"), unique("bob"), unique("carol")
    created = await open_request(tclient, applicant, request_body(("all", [a, b]), remind_every_minutes=7))
    start = datetime.now(UTC)
    ta, tb = task_of(created, a), task_of(created, b)
    await _remind(timer_app, start + timedelta(minutes=6))
    assert (await _reminders(timer_app, ta), await _reminders(timer_app, tb)) == ([], [])
    await _remind(timer_app, start + timedelta(minutes=7, seconds=5))
    assert (await _reminders(timer_app, ta), await _reminders(timer_app, tb)) == ([1], [1])
    event = (await _events(timer_app, TASK_REMINDER, ta))[0]["data"]
    assert (event["approver_id"], event["request_id"], event["title"]) == (a, created["id"], "Buy a laptop")
    # the next one is an interval after the one just sent, not before
    await _remind(timer_app, start + timedelta(minutes=13))
    assert await _reminders(timer_app, ta) == [1]
    await _remind(timer_app, start + timedelta(minutes=14, seconds=10))
    assert await _reminders(timer_app, ta) == [1, 2]
    # a decided task is not reminded any more; the other one still is
    assert (await decide(tclient, ta, a)).status_code == 200
    await _remind(timer_app, start + timedelta(minutes=21, seconds=15))
    assert (await _reminders(timer_app, ta), await _reminders(timer_app, tb)) == ([1, 2], [1, 2, 3])


async def test_the_service_default_reminder_interval_applies(
    tclient: httpx.AsyncClient, timer_app: FastAPI
) -> None:
    applicant, a = unique("alice"), unique("bob")
    created = await open_request(tclient, applicant, request_body(("all", [a])))
    task = task_of(created, a)
    start = datetime.now(UTC)
    await _remind(timer_app, start + timedelta(minutes=1439))
    assert await _reminders(timer_app, task) == []
    await _remind(timer_app, start + timedelta(minutes=1440, seconds=5))
    assert await _reminders(timer_app, task) == [1]


async def test_two_reminder_loops_racing_remind_once(tclient: httpx.AsyncClient, timer_app: FastAPI) -> None:
    approvers = [unique() for _ in range(5)]
    created = await open_request(
        tclient, unique("alice"), request_body(("any", approvers), remind_every_minutes=3)
    )
    at = datetime.now(UTC) + timedelta(minutes=3, seconds=5)
    await asyncio.gather(_remind(timer_app, at), _remind(timer_app, at), _remind(timer_app, at))
    for approver in approvers:
        assert await _reminders(timer_app, task_of(created, approver)) == [1]
