"""Catalogue use cases: categories, items and their versions, search and popular items."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders.domain.catalog import url_problem
from sealflow_orders.repository import catalog as repo
from sealflow_orders.schemas.catalog import CategoryIn, CategoryOut, ItemIn, ItemOut, ThirdPartyProvider
from sealkit.ids import new_id
from sealkit.pagination import Page, page_of
from sealkit.problems import Conflict, NotFound, Unprocessable
from sealkit.sql import AnyRow
from sealkit.types import utcnow


async def create_category(conn: AsyncConnection, body: CategoryIn) -> CategoryOut:
    now = utcnow()
    row = await repo.insert_category(
        conn, {"id": new_id(), **body.model_dump(), "created_at": now, "updated_at": now}
    )
    if row is None:
        raise Conflict(f"a category named {body.name!r} already exists", slug="category-exists")
    return CategoryOut.model_validate(row, from_attributes=True)


async def update_category(conn: AsyncConnection, category_id: UUID, body: CategoryIn) -> CategoryOut:
    same_name = await repo.category_named(conn, body.name)
    if same_name is not None and same_name.id != category_id:
        raise Conflict(f"a category named {body.name!r} already exists", slug="category-exists")
    row = await repo.update_category(conn, category_id, {**body.model_dump(), "updated_at": utcnow()})
    if row is None:
        raise NotFound("category not found")
    return CategoryOut.model_validate(row, from_attributes=True)


async def list_categories(conn: AsyncConnection) -> list[CategoryOut]:
    return [CategoryOut.model_validate(r, from_attributes=True) for r in await repo.list_categories(conn)]


def item_out(row: AnyRow) -> ItemOut:
    return ItemOut.model_validate(row, from_attributes=True)


def _columns(body: ItemIn, *, allow_private: bool) -> dict[str, Any]:
    provider = body.provider
    secret = None
    public_provider = provider.model_dump(mode="json")
    if isinstance(provider, ThirdPartyProvider):
        problem = url_problem(str(provider.url), allow_private=allow_private)
        if problem:
            raise Unprocessable(f"provider.url: {problem}", slug="unsafe-url")
        secret = public_provider.pop("secret")
    values = body.model_dump(mode="json", exclude={"provider", "category_id"})
    return {
        **values,
        "category_id": body.category_id,
        "provider": public_provider,
        "provider_kind": provider.kind,
        "provider_secret": secret,
        "search_text": f"{body.name}\n{body.description}".casefold(),
    }


def _snapshot(item: ItemOut) -> dict[str, Any]:
    return item.model_dump(mode="json")


async def create_item(conn: AsyncConnection, body: ItemIn, *, allow_private: bool) -> ItemOut:
    if await repo.get_category(conn, body.category_id) is None:
        raise Unprocessable("category_id: there is no such category", slug="unknown-category")
    now = utcnow()
    values = {
        "id": new_id(),
        **_columns(body, allow_private=allow_private),
        "version": 1,
        "applications": 0,
        "created_at": now,
        "updated_at": now,
    }
    item = ItemOut.model_validate(values)
    await repo.insert_item(conn, values, _snapshot(item))
    return item


async def update_item(conn: AsyncConnection, item_id: UUID, body: ItemIn, *, allow_private: bool) -> ItemOut:
    """A new version; orders made from an earlier one keep pointing at theirs (item_versions)."""
    current = await repo.get_item(conn, item_id, lock=True)
    if current is None:
        raise NotFound("item not found")
    if await repo.get_category(conn, body.category_id) is None:
        raise Unprocessable("category_id: there is no such category", slug="unknown-category")
    now = utcnow()
    values = {
        **_columns(body, allow_private=allow_private),
        "version": current.version + 1,
        "updated_at": now,
    }
    await repo.update_item(conn, item_id, values)
    item = ItemOut.model_validate({**current._mapping, **values})
    await repo.insert_version(conn, item_id, item.version, _snapshot(item), now)
    return item


async def get_item(conn: AsyncConnection, item_id: UUID) -> ItemOut:
    row = await repo.get_item(conn, item_id)
    if row is None:
        raise NotFound("item not found")
    return item_out(row)


async def get_item_version(conn: AsyncConnection, item_id: UUID, version: int) -> ItemOut:
    snapshot = await repo.get_version(conn, item_id, version)
    if snapshot is None:
        raise NotFound("item version not found")
    return ItemOut.model_validate(snapshot)


async def list_items(
    conn: AsyncConnection,
    *,
    category_id: UUID | None,
    q: str | None,
    provider_kind: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ItemOut]:
    rows = await repo.list_items(
        conn,
        category_id=category_id,
        q=q.strip() if q else None,
        provider_kind=provider_kind,
        cursor=cursor,
        limit=limit,
    )
    return page_of(rows, limit, item_out, lambda i: (i.created_at, i.id))


async def popular(conn: AsyncConnection, limit: int) -> list[ItemOut]:
    return [item_out(r) for r in await repo.popular_items(conn, limit)]
