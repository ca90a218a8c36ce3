"""Keyset pagination: `{"items": [...], "next_cursor": str|null}` with an opaque cursor.

Every list is ordered on a (timestamp, id) pair, newest first unless it runs forward in time. A
repository narrows its select with `newest_first` or `oldest_first` (the rows after the cursor, one more
than a page, so the page knows whether another follows), and the caller turns those rows into a `Page`
with `page_of`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import sqlalchemy as sa
from pydantic import BaseModel

from sealkit.contracts.types import check_datetime
from sealkit.problems import Unprocessable

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S", bound=sa.Select[Any])
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(at: datetime, row_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        # every cursor we issue is aware and in range; a naive or far-off one was made by hand
        return check_datetime(datetime.fromisoformat(at)), UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unprocessable(
            "the cursor is not one this service issued",
            slug="bad-cursor",
            extra={"errors": [{"loc": ["query", "cursor"], "msg": "not a cursor this service issued"}]},
        ) from exc


def clamp_limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def after_cursor(
    stmt: S, at_column: Any, id_column: Any, cursor: str | None, *, descending: bool = True
) -> S:
    """Only the rows that come after `cursor` in the list's order (all of them without a cursor)."""
    if not cursor:
        return stmt
    at, row_id = decode_cursor(cursor)
    if descending:
        return stmt.where(sa.or_(at_column < at, sa.and_(at_column == at, id_column < row_id)))
    return stmt.where(sa.or_(at_column > at, sa.and_(at_column == at, id_column > row_id)))


def newest_first(stmt: S, at_column: Any, id_column: Any, *, cursor: str | None, limit: int) -> S:
    """One page of `stmt` in newest-first order, after `cursor`, plus one row that tells `page_of` whether
    a next page exists. `limit` is the page size as `clamp_limit` gives it."""
    stmt = after_cursor(stmt, at_column, id_column, cursor)
    return stmt.order_by(at_column.desc(), id_column.desc()).limit(limit + 1)


def oldest_first(stmt: S, at_column: Any, id_column: Any, *, cursor: str | None, limit: int) -> S:
    """`newest_first` the other way round: for lists that run forward in time (a queue, a calendar)."""
    stmt = after_cursor(stmt, at_column, id_column, cursor, descending=False)
    return stmt.order_by(at_column, id_column).limit(limit + 1)


def page_of(
    rows: Sequence[R], limit: int, item: Callable[[R], T], position: Callable[[T], tuple[datetime, UUID]]
) -> Page[T]:
    """The page of the rows a `newest_first` or `oldest_first` select returned: the first `limit` of them
    as items, and a cursor to the next page when there was a row beyond them. `position` is an item's
    (timestamp, id)."""
    items = [item(row) for row in rows[:limit]]
    more = len(rows) > limit and bool(items)
    return Page[T](items=items, next_cursor=encode_cursor(*position(items[-1])) if more else None)
