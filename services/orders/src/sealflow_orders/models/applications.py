"""Applications (a submission and its audit) and their history: who returned or accepted, when, why."""

from __future__ import annotations

import sqlalchemy as sa

from sealflow_orders.models.base import metadata
from sealkit.types import JSONType, UTCDateTime

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("items.id"), nullable=False),
    sa.Column("item_version", sa.Integer, nullable=False),
    sa.Column("enterprise_id", sa.Uuid, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("applicant_id", sa.String(200), nullable=False),
    sa.Column("applicant_name", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # returned | accepted
    sa.Column("form", JSONType, nullable=False),
    sa.Column("materials", JSONType, nullable=False),  # {key: file id}
    sa.Column("problems", JSONType, nullable=False),  # [{field, code, params}] of the last audit
    sa.Column("order_id", sa.Uuid),
    sa.Column("version", sa.Integer, nullable=False),  # bumped by each resubmission (one wins a race)
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_applications_enterprise", "enterprise_id", "created_at"),
)

application_events = sa.Table(
    "application_events",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.String(200), nullable=False),
    sa.Column("on_behalf", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("action", sa.String(16), nullable=False),  # returned | accepted
    sa.Column("problems", JSONType, nullable=False),  # why it was returned (empty when accepted)
    sa.Index("ix_application_events_app", "application_id", "at"),
)
