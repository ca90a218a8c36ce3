"""Enterprises under review or verified, and who belongs to them."""

from __future__ import annotations

import sqlalchemy as sa

from sealflow_orders.models.base import metadata
from sealkit.types import UTCDateTime

enterprises = sa.Table(
    "enterprises",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
    sa.Column("certificate_file_id", sa.Uuid, sa.ForeignKey("files.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | verified | rejected
    sa.Column("reason", sa.Text),
    sa.Column("reviewed_by", sa.String(200)),
    sa.Column("reviewed_at", UTCDateTime),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_enterprises_status", "status", "created_at", "id"),
)

enterprise_members = sa.Table(
    "enterprise_members",
    metadata,
    sa.Column("enterprise_id", sa.Uuid, sa.ForeignKey("enterprises.id"), primary_key=True),
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_enterprise_members_user", "user_id"),
)
