"""A real order (applied for through the API) run across channels and given an appointment: the
channel it starts on is its application's, a hand-off moves the order itself, and its progress shows
each step with channel, actor and time."""

from __future__ import annotations

from datetime import timedelta

import httpx

from .helpers import STAFF, apply, get_order, make_item, verified_member
from .process_helpers import PAIRS, PHONE, WEB, put_channel, put_mapping
from .slot_helpers import book, fresh_day, make_slot


async def test_an_order_from_the_phone_continues_on_the_web_and_books_an_appointment(
    client: httpx.AsyncClient,
) -> None:
    item = str((await make_item(client, materials=[]))["id"])
    await put_channel(client, item, "web", WEB)
    await put_channel(client, item, "phone", PHONE)
    await put_mapping(client, item, "web", "phone", PAIRS)
    user, headers, _ = await verified_member(client)
    applied = await apply(client, headers, item, channel="phone")
    assert applied.status_code == 201 and applied.json()["status"] == "accepted", applied.text
    order_id = applied.json()["order_id"]

    process = await client.get(f"/v1/orders/{order_id}/process", headers=headers)
    assert process.json()["channel"] == "phone" and process.json()["next_node"] == "caller"
    done = await client.post(
        f"/v1/orders/{order_id}/nodes/caller/complete", json={"channel": "phone"}, headers=headers
    )
    assert done.status_code == 200, done.text
    moved = await client.post(f"/v1/orders/{order_id}/handoff", json={"to_channel": "web"}, headers=headers)
    assert moved.json()["completed"] == ["identity"] and moved.json()["next_node"] == "form"

    order = await get_order(client, order_id, headers)
    assert order["channel"] == "web"
    steps = [(p["channel"], p["by"]) for p in order["progress"] if p.get("channel")]
    assert steps == [("phone", user), ("web", user)]

    slot = (await make_slot(client, item, fresh_day() + timedelta(hours=10)))["id"]
    booked = await book(client, order_id, slot, headers)
    assert booked.status_code == 201 and booked.json()["number"] == "A-001"
    assert (await client.get(f"/v1/orders/{order_id}/appointment", headers=STAFF)).json() == booked.json()
