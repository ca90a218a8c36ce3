"""Enterprise endpoints: registration (enterprise users), review (admin), reads (members, staff, admin)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import Response

from sealflow_orders.router.common import Admin, Enterprise, Reviewer
from sealflow_orders.schemas.enterprises import EnterpriseIn, EnterpriseOut, ReviewIn
from sealflow_orders.service import enterprises as service
from sealkit.auth import CurrentUser
from sealkit.db import DbConn
from sealkit.idempotency import idempotent
from sealkit.pagination import Page, clamp_limit

router = APIRouter(prefix="/v1/enterprises", tags=["enterprises"])


@router.post(
    "",
    status_code=201,
    response_model=EnterpriseOut,
    summary="Register an enterprise (the caller becomes a member; an admin reviews it)",
)
async def register(body: EnterpriseIn, request: Request, conn: DbConn, user: Enterprise) -> Response:
    return await idempotent(conn, request, user, body, lambda: service.register(conn, user=user, body=body))


@router.post("/{enterprise_id}/review", response_model=EnterpriseOut, summary="Verify or reject (admin)")
async def review(enterprise_id: UUID, body: ReviewIn, conn: DbConn, user: Admin) -> EnterpriseOut:
    return await service.review(conn, user=user, enterprise_id=enterprise_id, body=body)


@router.get(
    "/{enterprise_id}", response_model=EnterpriseOut, summary="One enterprise (members, staff, admin)"
)
async def get_enterprise(enterprise_id: UUID, conn: DbConn, user: CurrentUser) -> EnterpriseOut:
    return await service.get(conn, user=user, enterprise_id=enterprise_id)


@router.get("", response_model=Page[EnterpriseOut], summary="Enterprises, oldest first (the review queue)")
async def list_enterprises(
    conn: DbConn,
    _: Reviewer,
    status: Literal["pending", "verified", "rejected"] | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[EnterpriseOut]:
    return await service.list_all(conn, status=status, cursor=cursor, limit=clamp_limit(limit))
