"""Appointment slots, the appointments booked in them, their per-day number counters and reminder timers."""

from __future__ import annotations

import sqlalchemy as sa

from sealflow_orders.models.base import metadata
from sealkit.types import JSONType, UTCDateTime

slots = sa.Table(
    "slots",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("items.id"), nullable=False),
    sa.Column("start", UTCDateTime, nullable=False),
    sa.Column("end", UTCDateTime, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("booked", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # the database itself refuses an overbooked slot, whatever a writer does
    sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_slots_booked_within_capacity"),
    sa.Index("ix_slots_item_start", "item_id", "start"),
)

# One counter per day in the service's zone, taken with one upsert: numbers never repeat within a day.
appointment_days = sa.Table(
    "appointment_days",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD
    sa.Column("last", sa.Integer, nullable=False),
)

appointments = sa.Table(
    "appointments",
    metadata,
    sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), primary_key=True),  # one per order
    sa.Column("slot_id", sa.Uuid, sa.ForeignKey("slots.id"), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("number", sa.String(16), nullable=False),
    sa.Column("booked_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("day", "number", name="uq_appointments_day_number"),
    sa.Index("ix_appointments_slot", "slot_id"),
)

# Reminders are rows: a due time, picked by a timer loop with SKIP LOCKED on any replica, sent once.
reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # appointment | returned
    sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id")),
    sa.Column("application_id", sa.Uuid, sa.ForeignKey("applications.id")),
    # what the reminder is about, so a changed booking or a resubmission makes it obsolete
    sa.Column("subject", JSONType, nullable=False),
    sa.Column("recipient_id", sa.String(200), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | sent | cancelled
    sa.Column("sent_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_reminders_due", "due_at", postgresql_where=sa.text("status = 'pending'")),
    sa.Index("ix_reminders_order", "order_id"),
)

# What the applicant sees of a reminder (the event goes to subscribers through the outbox).
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("recipient_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("data", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_notifications_recipient", "recipient_id", sa.text("created_at DESC"), sa.text("id DESC")),
)
