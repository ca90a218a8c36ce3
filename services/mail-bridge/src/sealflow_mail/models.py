"""Mail-bridge tables (SQLAlchemy Core, like approval's; see docs/performance.md)."""

from __future__ import annotations

import sqlalchemy as sa

from sealkit.sql import partial_index
from sealkit.types import JSONType, UTCDateTime

metadata = sa.MetaData()

# One context per mail that carries a reply token: the task mail and each reminder.
contexts = sa.Table(
    "mail_contexts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("task_id", sa.Uuid, nullable=False),
    sa.Column("request_id", sa.Uuid, nullable=False),
    sa.Column("purpose", sa.String(32), nullable=False),  # "task" or "reminder:<n>"
    sa.Column("approver_id", sa.String(200), nullable=False),
    sa.Column("approver_email", sa.String(320), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),  # sha256 of the token; the token is never stored
    sa.Column("sent_at", UTCDateTime),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),
    sa.Column("used_by", sa.Uuid),  # the inbound mail that used it
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("token_hash", name="uq_mail_contexts_token"),
    # one mail per task and purpose, however often the event is delivered
    sa.UniqueConstraint("task_id", "purpose", name="uq_mail_contexts_task_purpose"),
)

# The outgoing queue and log: rendered at send time, retried with backoff, leased with SKIP LOCKED.
outbound = sa.Table(
    "mail_outbound",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # task, reminder, confirmation, settled, help
    sa.Column("to_address", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(400), nullable=False),
    sa.Column("task_id", sa.Uuid),
    sa.Column("context_id", sa.Uuid),
    sa.Column("inbound_id", sa.Uuid),
    sa.Column("payload", JSONType, nullable=False),  # what the template needs, no secrets
    sa.Column("secret", sa.String(64)),  # the reply token until the mail is sent, then cleared
    sa.Column("in_reply_to", sa.String(998)),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("raw", sa.Text),  # local mode only: the message as the local sink keeps it
    partial_index(
        "ix_mail_outbound_due",
        "next_attempt_at",
        where="status = 'pending'",
    ),
    sa.Index("ix_mail_outbound_created", "created_at", "id"),
    sa.Index("ix_mail_outbound_task", "task_id"),
)

# Every mail received, with what became of it. A row with no outcome yet is a decision whose
# submission to approval is still due (leased through next_attempt_at, like the outbound queue).
inbound = sa.Table(
    "mail_inbound",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # imap, smtp
    sa.Column("message_id", sa.String(998)),
    sa.Column("from_address", sa.String(320)),
    sa.Column("subject", sa.String(400)),
    sa.Column("context_id", sa.Uuid),
    sa.Column("task_id", sa.Uuid),
    sa.Column("outcome", sa.String(16)),
    sa.Column("detail", sa.Text),
    sa.Column("decision", sa.String(8)),
    sa.Column("comment", sa.Text),
    sa.Column("language", sa.String(8)),  # the replier's: "zh", "en", or NULL (both), for the confirmation
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("processed_at", UTCDateTime),
    sa.Index("ix_mail_inbound_received", "received_at", "id"),
    partial_index(
        "ix_mail_inbound_due",
        "next_attempt_at",
        where="outcome IS NULL",
    ),
)

# Message-IDs already seen: the same Message-ID twice is applied once (and answered once).
seen_messages = sa.Table(
    "mail_seen_messages",
    metadata,
    sa.Column("message_key", sa.String(64), primary_key=True),  # sha256 of the Message-ID (or of the mail)
    sa.Column("inbound_id", sa.Uuid, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
)

# IMAP high-water mark: the last UID processed per mailbox and UIDVALIDITY, so a restart resumes there.
imap_state = sa.Table(
    "mail_imap_state",
    metadata,
    sa.Column("mailbox", sa.String(400), primary_key=True),
    sa.Column("uidvalidity", sa.BigInteger, primary_key=True),
    sa.Column("last_uid", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# When the last help mail went to an address (per approver), or a settled notice for a task: at most
# one per interval, so a confused or looping correspondent cannot make us send mail after mail.
notice_limits = sa.Table(
    "mail_notice_limits",
    metadata,
    sa.Column("address", sa.String(320), primary_key=True),
    sa.Column("kind", sa.String(64), primary_key=True),  # "help", or "settled:<task id>"
    sa.Column("last_sent_at", UTCDateTime, nullable=False),
)
