"""Business orders, their progress, their numbers and the calls they make to peers and providers."""

from __future__ import annotations

import sqlalchemy as sa

from sealflow_orders.models.base import metadata
from sealkit.sql import partial_index
from sealkit.types import JSONType, UTCDateTime

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("items.id"), nullable=False),
    sa.Column("item_version", sa.Integer, nullable=False),
    sa.Column("item_name", sa.String(200), nullable=False),
    sa.Column("category_id", sa.Uuid, nullable=False),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id"), nullable=False, unique=True),
    sa.Column("enterprise_id", sa.Uuid, sa.ForeignKey("enterprises.id"), nullable=False),
    sa.Column("enterprise_name", sa.String(200), nullable=False),
    sa.Column("applicant_id", sa.String(200), nullable=False),
    sa.Column("applicant_name", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("provider_kind", sa.String(16), nullable=False),
    sa.Column("approval_request_id", sa.Uuid, unique=True),
    sa.Column("approver_ids", JSONType, nullable=False),  # who may approve it: never its handlers
    sa.Column("ticket_id", sa.Uuid, unique=True),
    sa.Column("handler_id", sa.String(200)),
    sa.Column("handler_name", sa.String(200)),
    sa.Column("result", sa.Text),
    sa.Column("rating", sa.Integer),
    sa.Column("rating_comment", sa.Text),
    sa.Column("completed_at", UTCDateTime),
    sa.Column("search_text", sa.Text, nullable=False),  # casefolded number, item, applicant, enterprise
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # one index per filter, each ending in the list order (created_at DESC, id DESC) so a page is a range
    sa.Index("ix_orders_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_orders_enterprise", "enterprise_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_orders_status", "status", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_orders_item", "item_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_orders_category", "category_id", sa.text("created_at DESC"), sa.text("id DESC")),
    # `q` is a substring match (LIKE '%…%'): trigrams let PostgreSQL answer it from an index (pg_trgm)
    sa.Index(
        "ix_orders_search",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ),
)

order_progress = sa.Table(
    "order_progress",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(24), nullable=False),  # the order's status after this entry
    sa.Column("note", sa.Text),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("internal", sa.Boolean, nullable=False, server_default=sa.false()),  # staff only
    sa.Column("channel", sa.String(32)),  # the channel the entry happened on, where it matters
    sa.Index("ix_order_progress_order", "order_id", "at"),
)

# Order numbers on SQLite: a counter per day, taken with one upsert (PostgreSQL uses the sequence
# order_number_seq, made by the migration, so concurrent orders never wait on one row).
order_counters = sa.Table(
    "order_counters",
    metadata,
    sa.Column("day", sa.String(8), primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)

# Calls orders makes that must happen once the order is committed and until they succeed: opening the
# approval request (service token, Idempotency-Key) and forwarding to a third party (signed with the
# provider's secret). The kit's outbox signs with the suite's event secret, so these have their own rows.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # approval | provider
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the exact bytes that are signed and sent
    sa.Column("status", sa.String(16), nullable=False),  # pending | delivered | dead
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    partial_index("ix_deliveries_due", "next_attempt_at", where="status = 'pending'"),
    partial_index("ix_deliveries_dead", "created_at", where="status = 'dead'"),
)
