"""Catalogue endpoints: reads for any authenticated user, writes for admins."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sealflow_orders.config import OrdersSettings
from sealflow_orders.router.common import Admin
from sealflow_orders.schemas.catalog import CategoryIn, CategoryOut, ItemIn, ItemOut
from sealflow_orders.service import catalog as service
from sealkit.auth import CurrentUser
from sealkit.db import DbConn
from sealkit.idempotency import idempotent
from sealkit.pagination import Page, clamp_limit

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])


def _allow_private(request: Request) -> bool:
    settings: OrdersSettings = request.app.state.settings
    return settings.env != "production"


@router.post("/categories", status_code=201, response_model=CategoryOut, summary="Add a category")
async def create_category(body: CategoryIn, request: Request, conn: DbConn, user: Admin) -> Response:
    return await idempotent(conn, request, user, body, lambda: service.create_category(conn, body))


@router.put("/categories/{category_id}", response_model=CategoryOut, summary="Rename or describe a category")
async def update_category(category_id: UUID, body: CategoryIn, conn: DbConn, _: Admin) -> CategoryOut:
    return await service.update_category(conn, category_id, body)


@router.get("/categories", response_model=Page[CategoryOut], summary="Every category")
async def list_categories(conn: DbConn, _: CurrentUser) -> Page[CategoryOut]:
    return Page(items=await service.list_categories(conn), next_cursor=None)


@router.post("/items", status_code=201, response_model=ItemOut, summary="Add a service item (version 1)")
async def create_item(body: ItemIn, request: Request, conn: DbConn, user: Admin) -> Response:
    allow = _allow_private(request)
    return await idempotent(
        conn, request, user, body, lambda: service.create_item(conn, body, allow_private=allow)
    )


@router.put("/items/{item_id}", response_model=ItemOut, summary="Change an item (a new version)")
async def update_item(item_id: UUID, body: ItemIn, request: Request, conn: DbConn, _: Admin) -> ItemOut:
    return await service.update_item(conn, item_id, body, allow_private=_allow_private(request))


@router.get("/items/{item_id}", response_model=ItemOut, summary="One item, as it is now")
async def get_item(item_id: UUID, conn: DbConn, _: CurrentUser) -> ItemOut:
    return await service.get_item(conn, item_id)


@router.get(
    "/items/{item_id}/versions/{version}",
    response_model=ItemOut,
    summary="An item as it was (orders keep theirs)",
)
async def get_item_version(item_id: UUID, version: int, conn: DbConn, _: CurrentUser) -> ItemOut:
    return await service.get_item_version(conn, item_id, version)


@router.get(
    "/items", response_model=Page[ItemOut], summary="Active items: by category, keyword, provider kind"
)
async def list_items(
    conn: DbConn,
    _: CurrentUser,
    category: UUID | None = None,
    q: Annotated[str | None, Query(max_length=200, description="matches name and description")] = None,
    provider: Literal["internal", "third_party"] | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ItemOut]:
    return await service.list_items(
        conn, category_id=category, q=q, provider_kind=provider, cursor=cursor, limit=clamp_limit(limit)
    )


@router.get("/popular", response_model=Page[ItemOut], summary="The items with the most applications")
async def popular(conn: DbConn, _: CurrentUser, limit: int = 10) -> Page[ItemOut]:
    return Page(items=await service.popular(conn, clamp_limit(limit)), next_cursor=None)
