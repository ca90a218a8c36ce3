"""Orders made straight in the tables, for the processes and appointments tests: a verified enterprise
with one member, an accepted application and its order. (The whole apply-and-audit path has its own
tests; here the order only has to exist.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_orders.models import applications, enterprise_members, enterprises, files, items, orders
from sealkit.ids import new_id
from sealkit.testing import auth, unique
from sealkit.types import UTCDateTime, utcnow


@dataclass(frozen=True)
class Seeded:
    order_id: UUID
    enterprise_id: UUID
    applicant: str
    colleague: str  # another member of the same enterprise

    @property
    def applicant_auth(self) -> dict[str, str]:
        return auth(self.applicant, "enterprise")

    @property
    def colleague_auth(self) -> dict[str, str]:
        return auth(self.colleague, "enterprise")


def _filled(table: sa.Table, **values: Any) -> dict[str, Any]:
    """`values` plus a plain value for every other required column, so the seed keeps up with columns
    the core adds (their meaning is not what these tests are about)."""
    now = utcnow()
    for column in table.c:
        if (
            column.name in values
            or column.nullable
            or column.server_default is not None
            or column.primary_key
        ):
            continue
        kind = column.type
        if isinstance(kind, sa.Boolean):
            values[column.name] = False
        elif isinstance(kind, sa.Integer | sa.Numeric):
            values[column.name] = 0
        elif isinstance(kind, sa.String | sa.Text):
            values[column.name] = ""
        elif isinstance(kind, UTCDateTime):
            values[column.name] = now
        else:
            values[column.name] = {}
    return values


def _credit_code() -> str:
    return new_id().hex[:18].upper()


async def seed_order(
    app: FastAPI,
    item_id: str,
    *,
    channel: str = "web",
    status: str = "dispatched",
    created_at: datetime | None = None,
) -> Seeded:
    now = utcnow()
    at = created_at or now
    applicant, colleague = unique("ent-user"), unique("ent-colleague")
    file_id, enterprise_id, application_id, order_id = new_id(), new_id(), new_id(), new_id()
    async with app.state.db.transaction() as conn:
        item = (
            await conn.execute(
                sa.select(items.c.name, items.c.category_id, items.c.version).where(
                    items.c.id == UUID(item_id)
                )
            )
        ).one()
        rows: list[tuple[sa.Table, dict[str, Any]]] = [
            (files, {"id": file_id, "owner_id": applicant, "filename": "licence.pdf",
                     "content_type": "application/pdf", "size": 1, "sha256": "0" * 64, "created_at": now}),
            (enterprises, {"id": enterprise_id, "name": unique("Acme"), "credit_code": _credit_code(),
                           "certificate_file_id": file_id, "status": "verified", "created_by": applicant}),
            (enterprise_members, {"enterprise_id": enterprise_id, "user_id": applicant}),
            (enterprise_members, {"enterprise_id": enterprise_id, "user_id": colleague}),
            (applications, {"id": application_id, "item_id": UUID(item_id), "item_version": item.version,
                            "enterprise_id": enterprise_id, "applicant_id": applicant, "channel": channel,
                            "status": "accepted", "form": {}, "materials": {}, "problems": [],
                            "order_id": order_id, "version": 1, "created_at": at, "updated_at": at}),
            (orders, {"id": order_id, "number": unique("SF"), "item_id": UUID(item_id),
                      "item_version": item.version, "item_name": item.name, "category_id": item.category_id,
                      "application_id": application_id, "enterprise_id": enterprise_id,
                      "enterprise_name": "Acme", "applicant_id": applicant, "applicant_name": applicant,
                      "channel": channel, "status": status, "provider_kind": "internal", "approver_ids": [],
                      "created_at": at, "updated_at": at}),
        ]  # fmt: skip
        for table, values in rows:
            await conn.execute(sa.insert(table).values(**_filled(table, **values)))
    return Seeded(order_id, enterprise_id, applicant, colleague)
