"""A database cut under ticketing (issue 10, item 8): the claim (one hot statement), creation and reads
are quick 503s with Retry-After while PostgreSQL refuses or hangs, and work again once it is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy.engine import make_url

from sealflow_ticketing.main import create_app
from sealkit.cuttable_proxy import cuttable_proxy
from sealkit.testing import auth, free_port, started, unique

from .conftest import make_settings
from .helpers import SUPERVISOR, make_type, open_ticket

TIMEOUT = 1.0
ANSWER_WITHIN = 6 * TIMEOUT + 2.0  # a statement and the ROLLBACK on the same dead link, on a slow machine


async def _eventually_ok(
    call: Callable[[], Awaitable[httpx.Response]], timeout: float = 20.0
) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while (response := await call()).status_code != 200:
        assert time.monotonic() < deadline, response.text
        await asyncio.sleep(0.2)
    return response


@pytest.mark.parametrize("mode", ["refuse", "blackhole"])
async def test_a_cut_database_is_a_quick_503_for_claims_too(db_url: str, mode: str) -> None:
    port = free_port()
    settings = make_settings(
        run_workers=False,
        db_connect_timeout_seconds=TIMEOUT,
        db_command_timeout_seconds=TIMEOUT,
        db_acquire_timeout_seconds=TIMEOUT,
    )
    async with cuttable_proxy(port) as proxy:
        app = create_app(settings, database_url=make_url(db_url).set(port=port).render_as_string(False))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            started(app),
            httpx.AsyncClient(transport=transport, base_url="http://ticketing") as client,
        ):
            kind = await make_type(client)
            ticket = await open_ticket(client, kind)
            agent = unique("agent")
            claim: Callable[[], Awaitable[httpx.Response]] = lambda: client.post(  # noqa: E731 - used thrice
                "/v1/pool/claim", json={"types": [kind]}, headers=auth(agent, "agent")
            )
            if mode == "refuse":
                await proxy.refuse()
            else:
                proxy.blackhole()
            calls: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
                "claim": claim,
                "create": lambda: client.post(
                    "/v1/tickets", json={"type": kind, "title": "t"}, headers=auth(unique("r"), "applicant")
                ),
                "read": lambda: client.get(f"/v1/tickets/{ticket['id']}", headers=SUPERVISOR),
            }
            for what, call in calls.items():
                started_at = time.monotonic()
                response = await call()
                took = time.monotonic() - started_at
                assert response.status_code == 503, (what, response.text)
                assert response.headers["retry-after"], what
                assert took < ANSWER_WITHIN, (what, took)
            await proxy.restore()
            got = await _eventually_ok(claim)
            assert got.json()["id"] == ticket["id"]  # the claim never half-happened during the outage
