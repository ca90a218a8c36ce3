"""Platform extras: service-need suggestions, each user's common services, enterprises' premises."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders import access
from sealflow_orders.repository import catalog as catalog_repo
from sealflow_orders.repository import enterprises as enterprise_repo
from sealflow_orders.repository import extras as repo
from sealflow_orders.schemas.extras import (
    FavoritesIn,
    FavoritesOut,
    PremisesIn,
    PremisesOut,
    RoomOut,
    SuggestionIn,
    SuggestionOut,
)
from sealflow_orders.service.catalog import item_out, popular
from sealflow_orders.service.enterprises import is_member
from sealkit.auth import Principal
from sealkit.ids import new_id
from sealkit.pagination import Page, decode_cursor, encode_cursor
from sealkit.problems import Conflict, Forbidden, NotFound, Unprocessable
from sealkit.types import utcnow

POPULAR_FALLBACK = 10


async def suggest(conn: AsyncConnection, user: Principal, body: SuggestionIn) -> SuggestionOut:
    if body.category_id is not None and await catalog_repo.get_category(conn, body.category_id) is None:
        raise Unprocessable("category_id: there is no such category", slug="unknown-category")
    row = await repo.insert_suggestion(
        conn,
        {
            "id": new_id(),
            **body.model_dump(),
            "suggested_by": user.sub,
            "enterprise_id": user.enterprise_id,
            "created_at": utcnow(),
        },
    )
    return SuggestionOut.model_validate(row, from_attributes=True)


async def suggestions(conn: AsyncConnection, *, cursor: str | None, limit: int) -> Page[SuggestionOut]:
    rows = await repo.list_suggestions(conn, after=decode_cursor(cursor) if cursor else None, limit=limit + 1)
    page = [SuggestionOut.model_validate(r, from_attributes=True) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items=page, next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if more else None)


async def set_favorites(conn: AsyncConnection, user: Principal, body: FavoritesIn) -> FavoritesOut:
    """Replace the caller's list (the order given, repeats kept once); every item must be active."""
    wanted = list(dict.fromkeys(body.item_ids))
    known = await repo.active_item_ids(conn, wanted) if wanted else set()
    missing = [i for i in wanted if i not in known]
    if missing:
        errors = [
            {"loc": ["body", "item_ids", body.item_ids.index(i)], "msg": f"no active item {i}"}
            for i in missing
        ]
        raise Unprocessable(f"no active item {missing[0]}", slug="unknown-item", extra={"errors": errors})
    await repo.serialise_on(conn, f"favorites:{user.sub}")  # two PUTs at once: one list wins whole
    await repo.replace_favorites(conn, user.sub, wanted)
    return await favorites(conn, user)


async def favorites(conn: AsyncConnection, user: Principal) -> FavoritesOut:
    """The caller's own list; the popular items when they have set none (or cleared it with [])."""
    rows = await repo.favorite_items(conn, user.sub)
    if rows or await repo.has_favorites(conn, user.sub):  # chosen items that were all withdrawn: still theirs
        return FavoritesOut(items=[item_out(r) for r in rows], source="favorites")
    return FavoritesOut(items=await popular(conn, POPULAR_FALLBACK), source="popular")


async def _member_enterprise(
    conn: AsyncConnection, user: Principal, enterprise_id: UUID, *, write: bool
) -> None:
    row = await enterprise_repo.get_enterprise(conn, enterprise_id, lock=write)
    member = row is not None and await is_member(conn, user, enterprise_id)
    if row is None or not access.may_read_enterprise(user, member=member):
        raise NotFound("enterprise not found")
    if write and not member:
        raise Forbidden("only the enterprise's members bind its premises")


def _premises_out(enterprise_id: UUID, rows: list[RoomOut], updated_at: object) -> PremisesOut:
    return PremisesOut.model_validate(
        {"enterprise_id": enterprise_id, "items": rows, "updated_at": updated_at}
    )


async def set_premises(
    conn: AsyncConnection, user: Principal, enterprise_id: UUID, body: PremisesIn
) -> PremisesOut:
    """Bind the enterprise to the rooms it occupies (the whole list); a room held by another is 409."""
    await _member_enterprise(conn, user, enterprise_id, write=True)
    rooms = [(r.building, r.unit) for r in body.items]
    repeated = [i for i, room in enumerate(rooms) if room in rooms[:i]]
    if repeated:
        errors = [
            {"loc": ["body", "items", i, "unit"], "msg": f"room {'/'.join(rooms[i])} is listed twice"}
            for i in repeated
        ]
        raise Unprocessable(
            f"room {'/'.join(rooms[repeated[0]])} is listed twice",
            slug="duplicate-room",
            extra={"errors": errors},
        )
    held = await repo.rooms_held_by_others(conn, enterprise_id, rooms)
    if held:
        raise Conflict(f"room {held[0][0]}/{held[0][1]} is bound to another enterprise", slug="room-taken")
    now = utcnow()
    values = [
        {"enterprise_id": enterprise_id, "position": n, "building": r.building, "unit": r.unit,
         "area_m2": r.area_m2, "updated_by": user.sub, "updated_at": now}
        for n, r in enumerate(body.items)
    ]  # fmt: skip
    try:
        await repo.replace_premises(conn, enterprise_id, values)
    except sa_exc.IntegrityError:
        # another enterprise bound the same room in the moment between the check and the insert
        raise Conflict("a room is bound to another enterprise", slug="room-taken") from None
    return _premises_out(
        enterprise_id,
        [RoomOut(building=r.building, unit=r.unit, area_m2=float(r.area_m2)) for r in body.items],
        now,
    )


async def premises(conn: AsyncConnection, user: Principal, enterprise_id: UUID) -> PremisesOut:
    await _member_enterprise(conn, user, enterprise_id, write=False)
    rows = await repo.premises_of(conn, enterprise_id)
    rooms = [RoomOut(building=r.building, unit=r.unit, area_m2=float(r.area_m2)) for r in rows]
    return _premises_out(enterprise_id, rooms, max((r.updated_at for r in rows), default=None))
