"""Reminders as rows: sent once by the timer round (an event and a notification), cancelled when what
they were about changed, and picked up by the running loop."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_orders.models import applications, items, reminders
from sealflow_orders.service import reminders as service
from sealkit.contracts.orders import ORDER_REMINDER
from sealkit.outbox import Outbox
from sealkit.tables import outbox
from sealkit.types import utcnow

from .helpers import GOOD_FORM, apply, eventually, make_item, verified_member
from .seed import Seeded, seed_order
from .slot_helpers import book, fresh_day, make_slot

HOOK = "http://subscriber.test/v1/events"


async def statuses(app: FastAPI, **where: object) -> list[str]:
    column = {"order_id": reminders.c.order_id, "application_id": reminders.c.application_id}
    async with app.state.db.transaction() as conn:
        found = await conn.scalars(
            sa.select(reminders.c.status)
            .where(*(column[k] == v for k, v in where.items()))
            .order_by(reminders.c.due_at)
        )
        return list(found)


async def test_an_appointment_reminder_goes_out_once_as_event_and_notification(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    item = await make_item(client)
    start = fresh_day() + timedelta(hours=9)
    slot = (await make_slot(client, str(item["id"]), start))["id"]
    order = await seed_order(app, str(item["id"]))
    number = (await book(client, order.order_id, slot, order.applicant_auth)).json()["number"]
    box = Outbox([(ORDER_REMINDER, HOOK)])
    # `now` a day before the start: due for this test's round only, never for a real clock
    now = start - timedelta(hours=23)
    async with app.state.db.transaction() as conn:
        assert await service.send_due(conn, box, now=now, limit=1000) >= 1
    async with app.state.db.transaction() as conn:
        sent_again = await service.send_due(conn, box, now=now, limit=1000)
        events = (
            await conn.scalars(
                sa.select(outbox.c.body).where(
                    outbox.c.event_type == ORDER_REMINDER, outbox.c.body.contains(str(order.order_id))
                )
            )
        ).all()
    assert sent_again == 0
    assert await statuses(app, order_id=order.order_id) == ["sent"]
    assert len(events) == 1
    data = json.loads(events[0])["data"]
    assert data["kind"] == "appointment" and data["recipient_id"] == order.applicant
    assert data["appointment"]["number"] == number and data["item_name"] == item["name"]
    mine = (await client.get("/v1/notifications", headers=order.applicant_auth)).json()["items"]
    assert [n["kind"] for n in mine] == ["reminder.appointment"] and number in mine[0]["text"]
    assert (await client.get("/v1/notifications", headers=order.colleague_auth)).json()["items"] == []
    assert (await client.get("/v1/notifications")).status_code == 401


async def test_item_reminders_set_the_hours(client: httpx.AsyncClient, app: FastAPI) -> None:
    item = str((await make_item(client))["id"])
    async with app.state.db.transaction() as conn:
        rules = [{"when": "appointment", "before_hours": 2}, {"when": "appointment", "before_hours": 48}]
        await conn.execute(sa.update(items).where(items.c.id == UUID(item)).values(reminders=rules))
    start = fresh_day() + timedelta(hours=9)
    order = await seed_order(app, item)
    await book(client, order.order_id, (await make_slot(client, item, start))["id"], order.applicant_auth)
    async with app.state.db.transaction() as conn:
        due = (
            await conn.scalars(sa.select(reminders.c.due_at).where(reminders.c.order_id == order.order_id))
        ).all()
    assert sorted(due) == [start - timedelta(hours=48), start - timedelta(hours=2)]


async def returned(app: FastAPI, order: Seeded) -> Any:
    async with app.state.db.transaction() as conn:
        await conn.execute(
            sa.update(applications)
            .where(applications.c.order_id == order.order_id)
            .values(status="returned", order_id=None)
        )
        return (
            await conn.execute(sa.select(applications).where(applications.c.applicant_id == order.applicant))
        ).one()


async def test_a_returned_application_is_reminded_only_while_it_stays_returned(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    item = str((await make_item(client))["id"])
    async with app.state.db.transaction() as conn:
        rules = [{"when": "returned", "after_hours": 48}]
        await conn.execute(sa.update(items).where(items.c.id == UUID(item)).values(reminders=rules))
    box = Outbox([(ORDER_REMINDER, HOOK)])
    base = fresh_day()
    waiting, resubmitted = await seed_order(app, item), await seed_order(app, item)
    for seeded in (waiting, resubmitted):
        application = await returned(app, seeded)
        async with app.state.db.transaction() as conn:
            await service.schedule_returned(conn, application=application, returned_at=base)
    async with app.state.db.transaction() as conn:  # the applicant resubmitted: a new version
        await conn.execute(
            sa.update(applications)
            .where(applications.c.applicant_id == resubmitted.applicant)
            .values(version=applications.c.version + 1)
        )
    async with app.state.db.transaction() as conn:
        await service.send_due(conn, box, now=base + timedelta(hours=47), limit=1000)  # not yet due
    app_id = {s: (await returned(app, s)).id for s in (waiting, resubmitted)}
    assert await statuses(app, application_id=app_id[waiting]) == ["pending"]
    async with app.state.db.transaction() as conn:
        await service.send_due(conn, box, now=base + timedelta(hours=48), limit=1000)
    assert await statuses(app, application_id=app_id[waiting]) == ["sent"]
    assert await statuses(app, application_id=app_id[resubmitted]) == ["cancelled"]
    kinds = [
        n["kind"]
        for n in (await client.get("/v1/notifications", headers=waiting.applicant_auth)).json()["items"]
    ]
    assert kinds == ["reminder.returned"]


async def test_the_services_own_timer_sends_due_reminders(client: httpx.AsyncClient, app: FastAPI) -> None:
    """The app runs the reminder timer among its workers (no loop started by the test)."""
    item = str((await make_item(client))["id"])
    soon = utcnow() + timedelta(hours=1)  # within the default 24 hours: due at once
    order = await seed_order(app, item)
    await book(client, order.order_id, (await make_slot(client, item, soon))["id"], order.applicant_auth)

    async def sent() -> bool:
        return await statuses(app, order_id=order.order_id) == ["sent"]

    await eventually(sent, "the reminder to be sent")
    mine = (await client.get("/v1/notifications", headers=order.applicant_auth)).json()["items"]
    assert [n["kind"] for n in mine] == ["reminder.appointment"]


async def test_applying_and_resubmitting_schedule_returned_reminders(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Through the API: a returned application is reminded of, a resubmission makes the earlier reminder
    obsolete, and an accepted one is not reminded of at all."""
    item = await make_item(client, materials=[], reminders=[{"when": "returned", "after_hours": 48}])
    _, headers, _ = await verified_member(client)
    returned_once = (await apply(client, headers, item["id"], {"amount": 1})).json()
    assert returned_once["status"] == "returned"
    path = f"/v1/applications/{returned_once['id']}"
    again = await client.put(path, json={"form": {"amount": 2}}, headers=headers)
    assert again.json()["status"] == "returned"
    application_id = UUID(returned_once["id"])
    assert await statuses(app, application_id=application_id) == ["pending", "pending"]
    box = Outbox([(ORDER_REMINDER, HOOK)])
    async with app.state.db.transaction() as conn:
        await service.send_due(conn, box, now=utcnow() + timedelta(hours=49), limit=1000)
    assert sorted(await statuses(app, application_id=application_id)) == ["cancelled", "sent"]

    accepted_later = (await apply(client, headers, item["id"], {"amount": 1})).json()
    await client.put(f"/v1/applications/{accepted_later['id']}", json={"form": GOOD_FORM}, headers=headers)
    async with app.state.db.transaction() as conn:
        await service.send_due(conn, box, now=utcnow() + timedelta(hours=49), limit=1000)
    assert await statuses(app, application_id=UUID(accepted_later["id"])) == ["cancelled"]
