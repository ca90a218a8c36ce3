"""Application use cases: submit, resubmit (the applicant, or staff on their behalf) and read, each
audited at once; an accepted submission becomes an order in the same transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders import access
from sealflow_orders.domain import audit as rules
from sealflow_orders.domain.messages import reason
from sealflow_orders.repository import applications as repo
from sealflow_orders.repository import catalog as catalog_repo
from sealflow_orders.repository import enterprises as enterprises_repo
from sealflow_orders.repository import files as files_repo
from sealflow_orders.schemas.applications import ApplicationIn, ApplicationOut, ProblemOut, ResubmitIn
from sealflow_orders.service import reminders
from sealflow_orders.service.enterprises import is_member
from sealflow_orders.service.orders import Context, open_order
from sealflow_orders.storage import STORE
from sealkit.auth import Principal
from sealkit.ids import new_id
from sealkit.problems import Conflict, Forbidden, NotFound, Unprocessable
from sealkit.sql import AnyRow
from sealkit.types import utcnow

CHECKED_CONTENT = ("application/pdf", "image/")


def problems_out(stored: list[dict[str, Any]], lang: str) -> list[ProblemOut]:
    return [
        ProblemOut(field=p["field"], code=p["code"], reason=reason(p["code"], p.get("params") or {}, lang))
        for p in stored
    ]


async def application_out(conn: AsyncConnection, row: AnyRow, lang: str) -> ApplicationOut:
    history = [
        {**h._mapping, "by": h.actor_id, "problems": problems_out(h.problems, lang)}
        for h in await repo.history(conn, row.id)
    ]
    return ApplicationOut.model_validate(
        {**row._mapping, "problems": problems_out(row.problems, lang), "history": history}
    )


async def _applying_enterprise(conn: AsyncConnection, user: Principal, wanted: UUID | None) -> AnyRow:
    if wanted is not None:
        candidates = [wanted]
    elif user.enterprise_id is not None:
        try:
            candidates = [UUID(user.enterprise_id)]
        except ValueError:
            candidates = []
    else:
        candidates = await enterprises_repo.enterprises_of(conn, user.sub)
    if len(candidates) > 1:
        raise Unprocessable("you belong to several enterprises: say which applies in enterprise_id")
    row = await enterprises_repo.get_enterprise(conn, candidates[0]) if candidates else None
    member = row is not None and await is_member(conn, user, row.id)
    if row is None or not access.may_apply(user, member=member, enterprise_status=row.status):
        raise Forbidden("only members of a verified enterprise may apply", slug="not-verified-member")
    return row


async def _active_item(conn: AsyncConnection, item_id: UUID) -> AnyRow:
    item = await catalog_repo.get_item(conn, item_id)
    if item is None:
        raise NotFound("item not found")
    if not item.active:
        raise Unprocessable("this item is no longer offered", slug="item-inactive")
    return item


async def _facts(
    conn: AsyncConnection, materials: Mapping[str, UUID], owners: set[str]
) -> dict[str, rules.Submitted | None]:
    """What each submitted file is, as its upload found it: no bytes are read, no parser runs."""
    rows = await files_repo.get_files(conn, materials.values())
    facts: dict[str, rules.Submitted | None] = {}
    for key, file_id in materials.items():
        row = rows.get(file_id)
        if row is None or row.owner_id not in owners:
            facts[key] = None
            continue
        inspection = row.inspection
        if inspection is None and row.content_type.startswith(CHECKED_CONTENT):
            # a file stored before uploads were inspected: look at it now
            data = await STORE.get(conn, file_id) or b""
            inspection = await asyncio.to_thread(rules.inspect, row.content_type, data)
        facts[key] = rules.Submitted(content_type=row.content_type, size=row.size, inspection=inspection)
    return facts


async def _audit(
    conn: AsyncConnection, item: AnyRow, form: dict[str, Any], materials: Mapping[str, UUID], owners: set[str]
) -> list[dict[str, Any]]:
    facts = await _facts(conn, materials, owners)
    standards = [rules.Standard.from_json(m) for m in item.materials]
    found = rules.audit(
        schema=item.form_schema, form=form, standards=standards, materials=dict(materials), files=facts
    )
    return [p.to_json() for p in found]


async def _record(
    conn: AsyncConnection,
    application_id: UUID,
    user: Principal,
    problems: list[dict[str, Any]],
    *,
    on_behalf: bool,
) -> None:
    await repo.add_event(
        conn,
        {
            "id": new_id(),
            "application_id": application_id,
            "at": utcnow(),
            "actor_id": user.sub,
            "on_behalf": on_behalf,
            "action": "returned" if problems else "accepted",
            "problems": problems,
        },
    )


async def submit(
    conn: AsyncConnection, ctx: Context, *, user: Principal, body: ApplicationIn, lang: str
) -> ApplicationOut:
    enterprise = await _applying_enterprise(conn, user, body.enterprise_id)
    item = await _active_item(conn, body.item_id)
    problems = await _audit(conn, item, body.form, body.materials, {user.sub})
    now = utcnow()
    application_id = new_id()
    values = {
        "id": application_id,
        "item_id": item.id,
        "item_version": item.version,
        "enterprise_id": enterprise.id,
        "applicant_id": user.sub,
        "applicant_name": user.name or user.sub,
        "channel": body.channel,
        "status": "returned" if problems else "accepted",
        "form": body.form,
        "materials": {k: str(v) for k, v in body.materials.items()},
        "problems": problems,
        "order_id": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    await repo.insert_application(conn, values)
    await _record(conn, application_id, user, problems, on_behalf=False)
    if not problems:
        order_id = await open_order(conn, ctx, application=values, item=item, enterprise=enterprise)
        await repo.set_order(conn, application_id, order_id)
    row = await repo.get_application(conn, application_id)
    assert row is not None
    if problems:
        await reminders.schedule_returned(conn, application=row, returned_at=now)
    out = await application_out(conn, row, lang)
    # last: every submission for the item updates this one row, so its lock is held only until the commit
    await catalog_repo.count_application(conn, item.id)
    return out


async def resubmit(
    conn: AsyncConnection, ctx: Context, *, user: Principal, application_id: UUID, body: ResubmitIn, lang: str
) -> ApplicationOut:
    """Audit again; the materials that passed last time stay attached unless replaced. Staff may
    supplement on the applicant's behalf (recorded as such), with files of their own."""
    row = await repo.get_application(conn, application_id)
    on_behalf = row is not None and row.applicant_id != user.sub and access.reviews(user)
    if row is None or (row.applicant_id != user.sub and not on_behalf):
        raise NotFound("application not found")
    if body.item_id is not None and body.item_id != row.item_id:
        raise Unprocessable("item_id: a resubmission is for the same item")
    if row.status != "returned":
        raise Conflict(f"only a returned application can be resubmitted; this one is {row.status}")
    item = await _active_item(conn, row.item_id)
    previous = [rules.Problem.from_json(p) for p in row.problems]
    kept = rules.passed_materials(row.materials, previous)
    materials = {**{k: uuid.UUID(v) for k, v in kept.items()}, **body.materials}
    owners = {row.applicant_id, user.sub}
    problems = await _audit(conn, item, body.form, materials, owners)
    now = utcnow()
    values = {
        "item_version": item.version,
        "form": body.form,
        "materials": {k: str(v) for k, v in materials.items()},
        "problems": problems,
        "status": "returned" if problems else "accepted",
        "channel": body.channel or row.channel,
        "updated_at": now,
    }
    if not await repo.update_if_unchanged(conn, application_id, row.version, values):
        raise Conflict(
            "the application was resubmitted at the same time; reload it", slug="concurrent-resubmit"
        )
    await _record(conn, application_id, user, problems, on_behalf=on_behalf)
    if not problems:
        enterprise = await enterprises_repo.get_enterprise(conn, row.enterprise_id)
        assert enterprise is not None
        application = {**row._mapping, **values, "id": application_id}
        order_id = await open_order(conn, ctx, application=application, item=item, enterprise=enterprise)
        await repo.set_order(conn, application_id, order_id)
    updated = await repo.get_application(conn, application_id)
    assert updated is not None
    if problems:
        await reminders.schedule_returned(conn, application=updated, returned_at=now)
    return await application_out(conn, updated, lang)


async def get(conn: AsyncConnection, *, user: Principal, application_id: UUID, lang: str) -> ApplicationOut:
    row = await repo.get_application(conn, application_id)
    visible = row is not None and (
        row.applicant_id == user.sub
        or access.oversees(user)
        or await is_member(conn, user, row.enterprise_id)
    )
    if row is None or not visible:
        raise NotFound("application not found")
    return await application_out(conn, row, lang)
