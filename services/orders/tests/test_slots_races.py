"""Bookings racing over real HTTP on PostgreSQL: a slot is never overbooked, and crossing replacements
neither deadlock nor lose a place."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_orders.main import create_app
from sealflow_orders.models import appointments, slots
from sealkit.testing import live_server

from .conftest import make_settings
from .helpers import make_item
from .seed import seed_order
from .slot_helpers import book, fresh_day, make_slot, remaining

BOOKERS = 50
PLACES = 10


@pytest.fixture(scope="module")
async def live(db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(run_workers=False), database_url=db_url)
    async with (
        live_server(app) as url,
        httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=BOOKERS)) as client,
    ):
        yield client


async def test_fifty_bookings_for_ten_places_book_exactly_ten(
    live: httpx.AsyncClient, client: httpx.AsyncClient, app: FastAPI
) -> None:
    item = str((await make_item(client))["id"])
    slot = (await make_slot(client, item, fresh_day() + timedelta(hours=9), capacity=PLACES))["id"]
    orders = [await seed_order(app, item) for _ in range(BOOKERS)]
    start = asyncio.Event()

    async def one(i: int) -> httpx.Response:
        await start.wait()
        return await book(live, orders[i].order_id, slot, orders[i].applicant_auth)

    tasks = [asyncio.create_task(one(i)) for i in range(BOOKERS)]
    await asyncio.sleep(0.05)
    start.set()
    responses = await asyncio.gather(*tasks)
    assert Counter(r.status_code for r in responses) == {201: PLACES, 409: BOOKERS - PLACES}
    numbers = sorted(r.json()["number"] for r in responses if r.status_code == 201)
    assert numbers == [f"A-{n:03d}" for n in range(1, PLACES + 1)]
    assert await remaining(client, item, slot) == 0
    async with app.state.db.transaction() as conn:
        booked = await conn.scalar(sa.select(slots.c.booked).where(slots.c.id == slot))
        held = await conn.scalar(
            sa.select(sa.func.count()).select_from(appointments).where(appointments.c.slot_id == slot)
        )
    assert booked == held == PLACES


async def test_crossing_replacements_both_complete(
    live: httpx.AsyncClient, client: httpx.AsyncClient, app: FastAPI
) -> None:
    item = str((await make_item(client))["id"])
    day = fresh_day()
    for round_ in range(5):
        a = (await make_slot(client, item, day + timedelta(hours=9, minutes=round_), capacity=2))["id"]
        b = (await make_slot(client, item, day + timedelta(hours=15, minutes=round_), capacity=2))["id"]
        first, second = await seed_order(app, item), await seed_order(app, item)
        await book(client, first.order_id, a, first.applicant_auth)
        await book(client, second.order_id, b, second.applicant_auth)
        moved = await asyncio.gather(
            book(live, first.order_id, b, first.applicant_auth),
            book(live, second.order_id, a, second.applicant_auth),
        )
        assert [r.status_code for r in moved] == [201, 201]
        assert (await remaining(client, item, a), await remaining(client, item, b)) == (1, 1)
