"""Tables every service has in its own database: the outbox, the event inbox and idempotency keys."""

from __future__ import annotations

import sqlalchemy as sa

from sealkit.sql import partial_index
from sealkit.types import UTCDateTime

metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("destination", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the exact bytes that are signed and sent
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    partial_index(
        "ix_outbox_due",
        "next_attempt_at",
        where="status = 'pending'",
    ),
    sa.Index("ix_outbox_status", "status"),
)

inbox_events = sa.Table(
    "inbox_events",
    metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("principal", sa.String(200), primary_key=True),
    sa.Column("scope", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("response_body", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
