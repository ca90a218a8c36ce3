"""Ticketing tables (SQLAlchemy Core: every query here is a Core statement, see docs/performance.md)."""

from __future__ import annotations

import sqlalchemy as sa

from sealkit.sql import partial_index
from sealkit.types import JSONType, UTCDateTime

metadata = sa.MetaData()

OPEN_STATUSES = ("callback_pending", "queued", "assigned")
# The partial indexes' predicates, written the same way in the queries they serve: with the values inline
# (not bound), the planner can use those indexes in generic plans too (asyncpg prepares every statement).
IS_QUEUED = sa.text("tickets.status = 'queued'")
IS_OPEN_NOT_OVERDUE = sa.text(
    "NOT tickets.overdue AND tickets.status IN ('callback_pending', 'queued', 'assigned')"
)

ticket_types = sa.Table(
    "ticket_types",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("sla_minutes", sa.Integer, nullable=False),
    sa.Column("default_priority", sa.Integer, nullable=False),
    sa.Column("callback_url", sa.Text),
    sa.Column("calendar", JSONType),  # BusinessCalendar.to_json(); null: every minute counts
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("type_key", sa.String(64), sa.ForeignKey("ticket_types.key"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("data", JSONType, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("requester_id", sa.String(200), nullable=False),
    sa.Column("requester_email", sa.String(320)),
    sa.Column("notify_url", sa.Text),
    sa.Column("reference", sa.String(200)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("overdue", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("assignee", sa.String(200)),
    sa.Column("assigned_at", UTCDateTime),
    sa.Column("locked_until", UTCDateTime),
    sa.Column("handoffs", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reopens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("resolved_by", sa.String(200)),
    sa.Column("result", sa.Text),
    sa.Column("late", sa.Boolean),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("rating", sa.Integer),
    sa.Column("feedback_comment", sa.Text),
    sa.Column("callback", JSONType),  # the callback's outcome, as reported to the requester
    # The pool: the claim walks this index in claim order and stops at the first row it can lock.
    partial_index(
        "ix_tickets_pool",
        sa.text("priority DESC"),
        "due_at",
        "created_at",
        where="status = 'queued'",
    ),
    partial_index(
        "ix_tickets_pool_type",
        "type_key",
        sa.text("priority DESC"),
        "due_at",
        "created_at",
        where="status = 'queued'",
    ),
    partial_index(
        "ix_tickets_due",
        "due_at",
        where="NOT overdue AND status IN ('callback_pending', 'queued', 'assigned')",
    ),
    partial_index(
        "ix_tickets_locks",
        "locked_until",
        where="locked_until IS NOT NULL",
    ),
    sa.Index("ix_tickets_assignee", "assignee", "status"),
    sa.Index("ix_tickets_requester", "requester_id", "created_at"),
    sa.Index("ix_tickets_created", "created_at", "id"),
    sa.Index("ix_tickets_type_status", "type_key", "status"),
)

# The timeline; rows of action 'resolved' and 'feedback' also carry the facts the KPIs add up.
ticket_events = sa.Table(
    "ticket_events",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("ticket_id", sa.Uuid, sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.String(200), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", JSONType),
    sa.Column("agent_id", sa.String(200)),  # the agent the KPI row counts for
    sa.Column("type_key", sa.String(64)),
    sa.Column("handling_seconds", sa.Float),
    sa.Column("late", sa.Boolean),
    sa.Column("rating", sa.Integer),
    sa.Index("ix_ticket_events_ticket", "ticket_id", "at"),
    partial_index(
        "ix_ticket_events_kpi",
        "action",
        "agent_id",
        where="action IN ('resolved', 'feedback')",
    ),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("agent_id", sa.String(200), primary_key=True),
    sa.Column("available", sa.Boolean, nullable=False),
    sa.Column("types", JSONType),  # list of type keys; null: every type
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("last_assigned_at", UTCDateTime),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
