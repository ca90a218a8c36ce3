"""Races on one order's process over real HTTP on PostgreSQL: the database decides, the loser gets 409,
and what is left is one consistent state."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_orders.main import create_app
from sealflow_orders.models import order_processes, order_progress
from sealkit.testing import live_server

from .conftest import make_settings
from .helpers import ADMIN
from .process_helpers import complete, configured_item, handoff, process, put_channel, view
from .seed import Seeded, seed_order

ROUNDS = 6


@pytest.fixture(scope="module")
async def live(db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on a real socket, so requests run on separate connections at the same time."""
    app = create_app(make_settings(run_workers=False), database_url=db_url)
    async with live_server(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
        yield client


async def at_once(*calls: Callable[[], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    start = asyncio.Event()

    async def one(call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        await start.wait()
        return await call()

    tasks = [asyncio.create_task(one(c)) for c in calls]
    await asyncio.sleep(0.02)
    start.set()
    return await asyncio.gather(*tasks)


async def history(app: FastAPI, order: Seeded) -> list[str]:
    async with app.state.db.transaction() as conn:
        notes = await conn.scalars(
            sa.select(order_progress.c.note)
            .where(order_progress.c.order_id == order.order_id)
            .order_by(order_progress.c.at, order_progress.c.id)
        )
        return [str(n) for n in notes]


async def saved(app: FastAPI, order: Seeded) -> dict[str, list[str]]:
    async with app.state.db.transaction() as conn:
        completed = await conn.scalar(
            sa.select(order_processes.c.completed).where(order_processes.c.order_id == order.order_id)
        )
    return dict(completed)


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_two_hand_offs_at_once_one_wins(
    live: httpx.AsyncClient, client: httpx.AsyncClient, app: FastAPI, round_: int
) -> None:
    order = await seed_order(app, await configured_item(client))
    await complete(client, order, "identity", "web")
    responses = await at_once(lambda: handoff(live, order, "phone"), lambda: handoff(live, order, "phone"))
    assert sorted(r.status_code for r in responses) == [200, 409]
    won = next(r for r in responses if r.status_code == 200)
    assert (
        view(await process(client, order))
        == view(won)
        == ("phone", ["caller"], ["details", "confirm"], "details")
    )
    assert [n for n in await history(app, order) if "handed off" in n] == [
        "handed off from web to phone: 1 of 3 nodes already done"
    ]


@pytest.mark.parametrize("round_", range(ROUNDS // 2))
async def test_many_completions_of_the_next_node_complete_it_once(
    live: httpx.AsyncClient, client: httpx.AsyncClient, app: FastAPI, round_: int
) -> None:
    order = await seed_order(app, await configured_item(client))
    responses = await at_once(*(lambda: complete(live, order, "identity", "web") for _ in range(10)))
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 9}
    assert all(r.json()["next_node"] == "form" for r in responses if r.status_code == 409)
    assert view(await process(client, order))[1] == ["identity"]
    assert len(await history(app, order)) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_a_completion_and_a_hand_off_at_once_leave_one_consistent_state(
    live: httpx.AsyncClient, client: httpx.AsyncClient, app: FastAPI, round_: int
) -> None:
    order = await seed_order(app, await configured_item(client))
    for node in ("identity", "form"):
        await complete(client, order, node, "web")
    # completing `materials` first also completes phone's `details` (its partners are form + materials)
    done, moved = await at_once(
        lambda: complete(live, order, "materials", "web"), lambda: handoff(live, order, "phone")
    )
    assert moved.status_code == 200  # the completion never makes the hand-off invalid
    final = view(await process(client, order))
    assert final == view(moved)
    if done.status_code == 200:  # the completion went first and the hand-off carried it over
        assert final == ("phone", ["caller", "details"], ["confirm"], "confirm")
        assert (await saved(app, order))["web"] == ["identity", "form", "materials"]
        assert len(await history(app, order)) == 4
    else:  # the hand-off went first: the order is no longer on web
        assert done.status_code == 409 and done.json()["channel"] == "phone"
        assert final == ("phone", ["caller"], ["details", "confirm"], "details")
        assert (await saved(app, order))["web"] == ["identity", "form"]
        assert len(await history(app, order)) == 3


async def test_two_admins_changing_one_items_process_at_once_lose_nothing(
    live: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    item = await configured_item(client)  # version 3
    answers = await at_once(
        lambda: put_channel(live, item, "app", [("start", "Start")]),
        lambda: put_channel(live, item, "kiosk", [("scan", "Scan")]),
    )
    assert sorted(r.json()["version"] for r in answers) == [4, 5]
    final = (await client.get(f"/v1/catalog/items/{item}/processes", headers=ADMIN)).json()
    assert final["version"] == 5 and {"web", "phone", "app", "kiosk"} == set(final["channels"])
