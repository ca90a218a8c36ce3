"""Keyset pagination: `{"items": [...], "next_cursor": str|null}` with an opaque cursor."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel

from sealkit.contracts.types import check_datetime
from sealkit.problems import Unprocessable

T = TypeVar("T")
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
