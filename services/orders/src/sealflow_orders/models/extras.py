"""Platform extras: service-need suggestions, each user's favourite items, enterprises' premises."""

from __future__ import annotations

import sqlalchemy as sa

from sealflow_orders.models.base import metadata
from sealkit.types import UTCDateTime

suggestions = sa.Table(
    "suggestions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("category_id", sa.Uuid, sa.ForeignKey("categories.id")),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("suggested_by", sa.String(200), nullable=False),
    sa.Column("enterprise_id", sa.String(64)),  # the token's claim, when it carries one
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_suggestions_created", sa.text("created_at DESC"), sa.text("id DESC")),
)

favorites = sa.Table(
    "favorites",
    metadata,
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # the order the user gave
)

premises = sa.Table(
    "premises",
    metadata,
    sa.Column("enterprise_id", sa.Uuid, sa.ForeignKey("enterprises.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("building", sa.String(100), nullable=False),
    sa.Column("unit", sa.String(100), nullable=False),
    sa.Column("area_m2", sa.Numeric(12, 2), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # a room is occupied by one enterprise at a time
    sa.UniqueConstraint("building", "unit", name="uq_premises_room"),
)
