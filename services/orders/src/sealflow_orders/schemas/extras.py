"""Service-need suggestions, favourite items and enterprises' premises."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from sealflow_orders.schemas.catalog import ItemOut
from sealflow_orders.schemas.common import In

Text200 = Annotated[str, Field(min_length=1, max_length=200)]


class SuggestionIn(In):
    category_id: UUID | None = None
    title: Text200
    description: Annotated[str, Field(min_length=1, max_length=5000)]


class SuggestionOut(BaseModel):
    id: UUID
    category_id: UUID | None
    title: str
    description: str
    suggested_by: str
    enterprise_id: str | None
    created_at: datetime


class FavoritesIn(In):
    item_ids: Annotated[list[UUID], Field(max_length=50)]


class FavoritesOut(BaseModel):
    """The caller's common services; `source` says whether they chose them or they are the popular ones."""

    items: list[ItemOut]
    next_cursor: None = None
    source: Literal["favorites", "popular"]


class Room(In):
    building: Annotated[str, Field(min_length=1, max_length=100)]
    unit: Annotated[str, Field(min_length=1, max_length=100)]
    area_m2: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class PremisesIn(In):
    items: Annotated[list[Room], Field(max_length=500)]


class RoomOut(BaseModel):
    building: str
    unit: str
    area_m2: float


class PremisesOut(BaseModel):
    enterprise_id: UUID
    items: list[RoomOut]
    updated_at: datetime | None
