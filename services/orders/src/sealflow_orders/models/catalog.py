"""Catalogue tables: categories, items (the current version) and every version an order may point at."""

from __future__ import annotations

import sqlalchemy as sa

from sealflow_orders.models.base import metadata
from sealkit.sql import partial_index
from sealkit.types import JSONType, UTCDateTime

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("category_id", sa.Uuid, sa.ForeignKey("categories.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("handling", JSONType, nullable=False),
    sa.Column("form_schema", JSONType, nullable=False),
    sa.Column("materials", JSONType, nullable=False),
    sa.Column("provider", JSONType, nullable=False),  # without the secret
    sa.Column("provider_kind", sa.String(16), nullable=False),
    sa.Column("provider_secret", sa.Text),  # write-only in the API; signs what a third party is sent
    sa.Column("approval", JSONType),
    sa.Column("reminders", JSONType, nullable=False),  # [{"when", "after_hours"|"before_hours"}]
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("applications", sa.Integer, nullable=False, server_default="0"),  # for `popular`
    # casefolded name and description: the keyword search matches on it (Chinese text as it is)
    sa.Column("search_text", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    partial_index("ix_items_active_category", "category_id", "name", where="active"),
    partial_index("ix_items_popular", sa.text("applications DESC"), "id", where="active"),
    partial_index("ix_items_provider", "provider_kind", "name", where="active"),
    sa.Index(
        "ix_items_search",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ),
)

item_versions = sa.Table(
    "item_versions",
    metadata,
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("snapshot", JSONType, nullable=False),  # the public item as it was (no secret)
    sa.Column("created_at", UTCDateTime, nullable=False),
)
