"""A database cut under the service (issue 10, item 8): refused or blackholed, every answer is a quick 503
with Retry-After, /readyz says so within 2 s, and the service recovers once the database is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy.engine import make_url

from sealflow_approval.main import create_app
from sealkit.cuttable_proxy import CuttableProxy, cuttable_proxy
from sealkit.testing import auth, free_port, started, unique

from .conftest import make_settings
from .helpers import open_request, request_body, task_of

TIMEOUT = 1.0  # connect, command and acquire: small, so the test measures the service, not the waiting
# A request may meet two timeouts (its statement, then the ROLLBACK on the same dead link) and a slow CI.
ANSWER_WITHIN = 6 * TIMEOUT + 2.0


async def _timed(call: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started_at = time.monotonic()
    response = await call
    return response, time.monotonic() - started_at


async def _eventually_ok(call: Callable[[], Awaitable[httpx.Response]], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while (response := await call()).status_code != 200:
        assert time.monotonic() < deadline, response.text
        await asyncio.sleep(0.2)


async def _cut(proxy: CuttableProxy, mode: str) -> None:
    if mode == "refuse":
        await proxy.refuse()
    else:
        proxy.blackhole()


@pytest.mark.parametrize("mode", ["refuse", "blackhole"])
async def test_a_cut_database_is_a_quick_503_then_the_service_recovers(db_url: str, mode: str) -> None:
    port = free_port()
    settings = make_settings(
        run_workers=False,
        db_connect_timeout_seconds=TIMEOUT,
        db_command_timeout_seconds=TIMEOUT,
        db_acquire_timeout_seconds=TIMEOUT,
    )
    async with cuttable_proxy(port) as proxy:
        url = make_url(db_url).set(port=port).render_as_string(hide_password=False)
        app = create_app(settings, database_url=url)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with started(app), httpx.AsyncClient(transport=transport, base_url="http://approval") as client:
            applicant, approver = unique("alice"), unique("bob")
            # warm: both pools hold live connections, the kind a blackhole leaves hanging
            created = await open_request(client, applicant, request_body(("all", [approver, unique("c")])))
            task = task_of(created, approver)
            assert (await client.get("/v1/tasks", headers=auth(approver, "approver"))).status_code == 200
            assert (await client.get("/readyz")).status_code == 200

            await _cut(proxy, mode)
            ready, took = await _timed(client.get("/readyz"))
            assert ready.status_code == 503 and took < 2.0, (ready.text, took)
            calls: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
                "inbox (a transaction)": lambda: client.get("/v1/tasks", headers=auth(approver, "approver")),
                "decision (the hot statement)": lambda: client.post(
                    f"/v1/tasks/{task}/decision",
                    json={"decision": "approve"},
                    headers=auth(approver, "approver"),
                ),
                "creation": lambda: client.post(
                    "/v1/approval-requests",
                    json=request_body(("all", [unique("d")])),
                    headers=auth(applicant, "applicant"),
                ),
            }
            for what, call in calls.items():
                response, took = await _timed(call())
                assert response.status_code == 503, (what, response.status_code, response.text)
                assert response.headers["content-type"] == "application/problem+json", what
                assert int(response.headers["retry-after"]) > 0, what
                assert took < ANSWER_WITHIN, (what, took)

            await proxy.restore()
            await _eventually_ok(lambda: client.get("/readyz"))
            await _eventually_ok(lambda: client.get("/v1/tasks", headers=auth(approver, "approver")))
            decided = await client.post(
                f"/v1/tasks/{task}/decision", json={"decision": "approve"}, headers=auth(approver, "approver")
            )
            assert decided.status_code == 200, (
                decided.text
            )  # nothing half-written: the task was still pending
