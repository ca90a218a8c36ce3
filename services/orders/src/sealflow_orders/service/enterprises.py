"""Enterprise use cases: registration, the admin review and membership checks."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders import access
from sealflow_orders.domain.enterprises import review_problem
from sealflow_orders.repository import enterprises as repo
from sealflow_orders.repository import files as files_repo
from sealflow_orders.schemas.enterprises import EnterpriseIn, EnterpriseOut, ReviewIn
from sealkit.auth import Principal
from sealkit.ids import new_id
from sealkit.pagination import Page, page_of
from sealkit.problems import Conflict, NotFound, Unprocessable
from sealkit.sql import AnyRow
from sealkit.types import utcnow


def enterprise_out(row: AnyRow, members: list[str]) -> EnterpriseOut:
    return EnterpriseOut.model_validate({**row._mapping, "members": members})


async def is_member(conn: AsyncConnection, user: Principal, enterprise_id: UUID) -> bool:
    """A member by registration or because the token's `enterprise_id` names the enterprise."""
    if access.claims_enterprise(user, enterprise_id):
        return True
    return await repo.is_registered_member(conn, enterprise_id, user.sub)


async def register(conn: AsyncConnection, *, user: Principal, body: EnterpriseIn) -> EnterpriseOut:
    certificate = await files_repo.get_file(conn, body.certificate_file_id)
    if certificate is None or certificate.owner_id != user.sub:
        raise Unprocessable("certificate_file_id: upload the certificate first; it must be your file")
    now = utcnow()
    values = {
        "id": new_id(),
        **body.model_dump(),
        "status": "pending",
        "reason": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "created_by": user.sub,
        "created_at": now,
        "updated_at": now,
    }
    if not await repo.insert_enterprise(conn, values):
        raise Conflict(f"the credit code {body.credit_code} is already registered", slug="credit-code-taken")
    await repo.add_member(conn, values["id"], user.sub, now)
    row = await repo.get_enterprise(conn, values["id"])
    assert row is not None
    return enterprise_out(row, [user.sub])


async def review(
    conn: AsyncConnection, *, user: Principal, enterprise_id: UUID, body: ReviewIn
) -> EnterpriseOut:
    row = await repo.get_enterprise(conn, enterprise_id, lock=True)
    if row is None:
        raise NotFound("enterprise not found")
    problem = review_problem(status=row.status, decision=body.decision, reason=body.reason)
    if problem == "a rejection needs a reason":
        raise Unprocessable(problem, slug="reason-required")
    if problem:
        raise Conflict(problem, slug="already-reviewed")
    now = utcnow()
    status = "verified" if body.decision == "verify" else "rejected"
    await repo.update_enterprise(
        conn,
        enterprise_id,
        {
            "status": status,
            "reason": body.reason,
            "reviewed_by": user.sub,
            "reviewed_at": now,
            "updated_at": now,
        },
    )
    updated = await repo.get_enterprise(conn, enterprise_id)
    assert updated is not None
    return enterprise_out(updated, await repo.member_ids(conn, enterprise_id))


async def get(conn: AsyncConnection, *, user: Principal, enterprise_id: UUID) -> EnterpriseOut:
    row = await repo.get_enterprise(conn, enterprise_id)
    member = row is not None and await is_member(conn, user, enterprise_id)
    if row is None or not access.may_read_enterprise(user, member=member):
        raise NotFound("enterprise not found")
    return enterprise_out(row, await repo.member_ids(conn, enterprise_id))


async def list_all(
    conn: AsyncConnection, *, status: str | None, cursor: str | None, limit: int
) -> Page[EnterpriseOut]:
    rows = await repo.list_enterprises(conn, status=status, cursor=cursor, limit=limit)
    members = {r.id: await repo.member_ids(conn, r.id) for r in rows[:limit]}
    return page_of(rows, limit, lambda r: enterprise_out(r, members[r.id]), lambda e: (e.created_at, e.id))
