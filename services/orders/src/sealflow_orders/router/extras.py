"""Platform extras: service-need suggestions, the caller's common services, an enterprise's premises."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import Response

from sealflow_orders.router.common import Admin, Enterprise
from sealflow_orders.schemas.extras import (
    FavoritesIn,
    FavoritesOut,
    PremisesIn,
    PremisesOut,
    SuggestionIn,
    SuggestionOut,
)
from sealflow_orders.service import extras as service
from sealkit.auth import CurrentUser
from sealkit.db import DbConn
from sealkit.idempotency import idempotent
from sealkit.pagination import Page, clamp_limit

router = APIRouter(prefix="/v1", tags=["extras"])


@router.post(
    "/catalog/suggestions",
    status_code=201,
    response_model=SuggestionOut,
    summary="Ask for a service not yet offered",
)
async def suggest(body: SuggestionIn, request: Request, conn: DbConn, user: Enterprise) -> Response:
    return await idempotent(conn, request, user, body, lambda: service.suggest(conn, user, body))


@router.get(
    "/catalog/suggestions",
    response_model=Page[SuggestionOut],
    summary="What enterprises asked for, newest first",
)
async def suggestions(
    conn: DbConn, _: Admin, cursor: str | None = None, limit: int = 50
) -> Page[SuggestionOut]:
    return await service.suggestions(conn, cursor=cursor, limit=clamp_limit(limit))


@router.put("/catalog/favorites", response_model=FavoritesOut, summary="Set the caller's common services")
async def set_favorites(body: FavoritesIn, conn: DbConn, user: CurrentUser) -> FavoritesOut:
    return await service.set_favorites(conn, user, body)


@router.get(
    "/catalog/favorites",
    response_model=FavoritesOut,
    summary="The caller's common services (else the popular ones)",
)
async def favorites(conn: DbConn, user: CurrentUser) -> FavoritesOut:
    return await service.favorites(conn, user)


@router.put(
    "/enterprises/{enterprise_id}/premises",
    response_model=PremisesOut,
    summary="Bind the rooms the enterprise occupies",
)
async def set_premises(enterprise_id: UUID, body: PremisesIn, conn: DbConn, user: CurrentUser) -> PremisesOut:
    return await service.set_premises(conn, user, enterprise_id, body)


@router.get(
    "/enterprises/{enterprise_id}/premises",
    response_model=PremisesOut,
    summary="The rooms the enterprise occupies",
)
async def premises(enterprise_id: UUID, conn: DbConn, user: CurrentUser) -> PremisesOut:
    return await service.premises(conn, user, enterprise_id)
