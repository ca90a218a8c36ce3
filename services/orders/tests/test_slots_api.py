"""Appointment slots and bookings: admin slots, remaining places, numbers per day, replace, free, who may."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_orders.models import reminders
from sealkit.testing import auth
from sealkit.types import utcnow

from .helpers import ADMIN, STAFF, is_problem, make_item
from .seed import seed_order
from .slot_helpers import book, fresh_day, make_slot, remaining

STRANGER = auth("someone-else", "enterprise")


async def test_slots_are_opened_by_admins_and_read_by_everyone(client: httpx.AsyncClient) -> None:
    item = str((await make_item(client))["id"])
    day = fresh_day()
    path = f"/v1/catalog/items/{item}/slots"
    body = {
        "start": (day + timedelta(hours=9)).isoformat(),
        "end": (day + timedelta(hours=10)).isoformat(),
        "capacity": 3,
    }
    assert is_problem(await client.post(path, json=body), 401)
    assert is_problem(await client.post(path, json=body, headers=STAFF), 403)
    created = await client.post(path, json=body, headers=ADMIN)
    assert created.status_code == 201
    assert created.json()["remaining"] == 3 and created.json()["item_id"] == item
    later = await make_slot(client, item, day + timedelta(hours=14))
    listed = await client.get(path, headers=STRANGER)
    assert [s["id"] for s in listed.json()["items"]] == [created.json()["id"], later["id"]]
    window = {"from": (day + timedelta(hours=12)).isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    assert [s["id"] for s in (await client.get(path, params=window, headers=STRANGER)).json()["items"]] == [
        later["id"]
    ]
    first_page = (await client.get(path, params={"limit": 1}, headers=STRANGER)).json()
    assert len(first_page["items"]) == 1 and first_page["next_cursor"]
    second = await client.get(
        path, params={"limit": 1, "cursor": first_page["next_cursor"]}, headers=STRANGER
    )
    assert [s["id"] for s in second.json()["items"]] == [later["id"]]
    assert is_problem(
        await client.get("/v1/catalog/items/0195e5a0-0000-7000-8000-000000000000/slots", headers=STRANGER),
        404,
    )


async def test_bad_slots_are_422(client: httpx.AsyncClient) -> None:
    item = str((await make_item(client))["id"])
    start = fresh_day()
    path = f"/v1/catalog/items/{item}/slots"
    bad: list[dict[str, Any]] = [
        {"start": start.isoformat(), "end": start.isoformat(), "capacity": 1},
        {"start": start.isoformat(), "end": (start + timedelta(days=2)).isoformat(), "capacity": 1},
        {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(), "capacity": 0},
        {"start": "2031-01-01T09:00:00", "end": "2031-01-01T10:00:00", "capacity": 1},
        {"start": start.isoformat(), "capacity": 1},
    ]
    for body in bad:
        assert is_problem(await client.post(path, json=body, headers=ADMIN), 422), body
    refused = await client.post(path, json=bad[0], headers=ADMIN)
    assert refused.json()["errors"][0]["loc"] == ["body", "end"]


async def test_booking_numbers_places_and_who_may_book(client: httpx.AsyncClient, app: FastAPI) -> None:
    item = str((await make_item(client))["id"])
    day = fresh_day()
    slot = (await make_slot(client, item, day + timedelta(hours=9), capacity=2))["id"]
    first, second, third = [await seed_order(app, item) for _ in range(3)]
    assert is_problem(await book(client, first.order_id, slot, first.colleague_auth), 403)
    assert is_problem(await book(client, first.order_id, slot, STAFF), 403)
    assert is_problem(await book(client, first.order_id, slot, STRANGER), 404)
    assert is_problem(
        await client.post(f"/v1/orders/{first.order_id}/appointment", json={"slot_id": slot}), 401
    )
    booked = await book(client, first.order_id, slot, first.applicant_auth)
    assert booked.status_code == 201
    assert booked.json() | {"slot_id": slot} == {
        "number": "A-001",
        "slot_id": slot,
        "start": (day + timedelta(hours=9)).isoformat().replace("+00:00", "Z"),
        "end": (day + timedelta(hours=9, minutes=30)).isoformat().replace("+00:00", "Z"),
        "order_id": str(first.order_id),
        "day": day.date().isoformat(),
    }
    again = await book(client, first.order_id, slot, first.applicant_auth)  # the same slot: the same place
    assert again.status_code == 201 and again.json()["number"] == "A-001"
    assert (await book(client, second.order_id, slot, second.applicant_auth)).json()["number"] == "A-002"
    assert await remaining(client, item, slot) == 0
    full = await book(client, third.order_id, slot, third.applicant_auth)
    assert is_problem(full, 409) and "full" in full.json()["detail"]
    seen = await client.get(f"/v1/orders/{first.order_id}/appointment", headers=first.colleague_auth)
    assert seen.json()["number"] == "A-001"
    assert is_problem(
        await client.get(f"/v1/orders/{third.order_id}/appointment", headers=third.applicant_auth), 404
    )
    assert is_problem(await client.get(f"/v1/orders/{first.order_id}/appointment", headers=STRANGER), 404)


async def test_a_slot_of_another_item_a_begun_slot_and_a_closed_order_are_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    item, other = str((await make_item(client))["id"]), str((await make_item(client))["id"])
    order = await seed_order(app, item)
    foreign = (await make_slot(client, other, fresh_day()))["id"]
    assert is_problem(await book(client, order.order_id, foreign, order.applicant_auth), 422)
    assert is_problem(
        await book(client, order.order_id, "0195e5a0-0000-7000-8000-000000000000", order.applicant_auth), 422
    )
    assert is_problem(await book(client, order.order_id, "not-a-uuid", order.applicant_auth), 422)
    begun = (await make_slot(client, item, utcnow() - timedelta(minutes=5)))["id"]
    assert is_problem(await book(client, order.order_id, begun, order.applicant_auth), 409)
    closed = await seed_order(app, item, status="cancelled")
    assert is_problem(
        await book(
            client, closed.order_id, (await make_slot(client, item, fresh_day()))["id"], closed.applicant_auth
        ),
        409,
    )


async def test_replacing_and_freeing_give_the_place_back(client: httpx.AsyncClient, app: FastAPI) -> None:
    item = str((await make_item(client))["id"])
    day, other_day = fresh_day(), fresh_day() + timedelta(days=1)
    morning = (await make_slot(client, item, day + timedelta(hours=9), capacity=1))["id"]
    afternoon = (await make_slot(client, item, day + timedelta(hours=15), capacity=1))["id"]
    tomorrow = (await make_slot(client, item, other_day + timedelta(hours=9), capacity=1))["id"]
    order = await seed_order(app, item)
    who = order.applicant_auth
    number = (await book(client, order.order_id, morning, who)).json()["number"]
    moved = await book(client, order.order_id, afternoon, who)
    assert moved.json()["slot_id"] == afternoon and moved.json()["number"] == number  # the same day keeps it
    assert (await remaining(client, item, morning), await remaining(client, item, afternoon)) == (1, 0)
    next_day = await book(client, order.order_id, tomorrow, who)
    assert next_day.json()["day"] == other_day.date().isoformat()
    assert (await remaining(client, item, afternoon), await remaining(client, item, tomorrow)) == (1, 0)
    assert is_problem(
        await client.delete(f"/v1/orders/{order.order_id}/appointment", headers=order.colleague_auth), 403
    )
    freed = await client.delete(f"/v1/orders/{order.order_id}/appointment", headers=who)
    assert freed.status_code == 204
    assert await remaining(client, item, tomorrow) == 1
    assert is_problem(await client.delete(f"/v1/orders/{order.order_id}/appointment", headers=who), 404)
    # a freed number is not handed out again that day
    again = await seed_order(app, item)
    assert (await book(client, again.order_id, tomorrow, again.applicant_auth)).json()["number"] == "A-002"


async def test_a_booking_schedules_its_reminder_and_a_change_cancels_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    item = str((await make_item(client))["id"])
    start = fresh_day() + timedelta(hours=9)
    first = (await make_slot(client, item, start))["id"]
    second = (await make_slot(client, item, start + timedelta(hours=2)))["id"]
    order = await seed_order(app, item)
    await book(client, order.order_id, first, order.applicant_auth)
    await book(client, order.order_id, second, order.applicant_auth)

    async def rows() -> list[tuple[str, Any]]:
        async with app.state.db.transaction() as conn:
            found = await conn.execute(
                sa.select(reminders.c.status, reminders.c.due_at)
                .where(reminders.c.order_id == UUID(str(order.order_id)))
                .order_by(reminders.c.created_at, reminders.c.due_at)
            )
            return [(r.status, r.due_at) for r in found]

    assert await rows() == [
        ("cancelled", start - timedelta(hours=24)),
        ("pending", start + timedelta(hours=2) - timedelta(hours=24)),
    ]
    await client.delete(f"/v1/orders/{order.order_id}/appointment", headers=order.applicant_auth)
    assert [s for s, _ in await rows()] == ["cancelled", "cancelled"]


async def test_an_idempotency_key_books_once(client: httpx.AsyncClient, app: FastAPI) -> None:
    item = str((await make_item(client))["id"])
    day = fresh_day()
    first = (await make_slot(client, item, day + timedelta(hours=9)))["id"]
    second = (await make_slot(client, item, day + timedelta(hours=11)))["id"]
    order = await seed_order(app, item)
    keyed = {**order.applicant_auth, "Idempotency-Key": "book-1"}
    path = f"/v1/orders/{order.order_id}/appointment"
    booked = await client.post(path, json={"slot_id": first}, headers=keyed)
    replayed = await client.post(path, json={"slot_id": first}, headers=keyed)
    assert booked.status_code == replayed.status_code == 201
    assert replayed.json() == booked.json() and replayed.headers.get("idempotent-replayed") == "true"
    assert await remaining(client, item, first) == 4
    assert is_problem(await client.post(path, json={"slot_id": second}, headers=keyed), 409)
    assert await remaining(client, item, second) == 5
