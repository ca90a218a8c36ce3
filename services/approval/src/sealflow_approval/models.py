"""Approval tables (SQLAlchemy Core: every query here is a Core statement, see docs/performance.md)."""

from __future__ import annotations

import sqlalchemy as sa

from sealkit.sql import partial_index
from sealkit.types import JSONType, UTCDateTime

metadata = sa.MetaData()

requests = sa.Table(
    "approval_requests",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("form", JSONType, nullable=False),
    sa.Column("applicant_id", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("combine", sa.String(8), nullable=False),
    sa.Column("callback_url", sa.Text),
    sa.Column("deadline_at", UTCDateTime),
    sa.Column("on_deadline", sa.String(8)),
    sa.Column("remind_every_minutes", sa.Integer),
    # counters kept under the request's row lock, so an outcome needs no scan of the groups
    sa.Column("group_count", sa.Integer, nullable=False),
    sa.Column("approved_groups", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected_groups", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime),
    # bumped by every writer as it takes the request's lock (repository.lock_request*, update_request),
    # so a single autocommit statement can tell whether what it read is still current
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    # a request opened from a definition: the version it keeps, its stage plan (domain.stages) and where
    # it stands; the counters and `combine` above are then the current stage's
    sa.Column("definition_key", sa.String(100)),
    sa.Column("definition_version", sa.Integer),
    sa.Column("stages", JSONType),
    sa.Column("current_stage", sa.Integer),
    sa.Column("cc", JSONType),  # the CC recipients resolved at creation: [{"id", "email"}]
    sa.Index("ix_requests_applicant", "applicant_id", "created_at"),
    partial_index(
        "ix_requests_deadline", "deadline_at", where="status = 'pending' AND deadline_at IS NOT NULL"
    ),
)

groups = sa.Table(
    "approval_groups",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("request_id", sa.Uuid, sa.ForeignKey("approval_requests.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("stage", sa.Integer),  # the stage's index in a request opened from a definition
    sa.Column("stage_name", sa.String(200)),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("min_approvals", sa.Integer),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("task_count", sa.Integer, nullable=False),  # live (not cancelled) tasks
    sa.Column("approved_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("decided_at", UTCDateTime),
)

tasks = sa.Table(
    "approval_tasks",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("request_id", sa.Uuid, sa.ForeignKey("approval_requests.id"), nullable=False, index=True),
    sa.Column("group_id", sa.Uuid, sa.ForeignKey("approval_groups.id"), nullable=False),
    sa.Column("approver_id", sa.String(200), nullable=False),
    sa.Column("approver_email", sa.String(320)),
    sa.Column("email_approval", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("comment", sa.Text),
    sa.Column("channel", sa.String(8)),
    sa.Column("delegated_from", sa.Uuid),
    sa.Column("next_remind_at", UTCDateTime),
    sa.Column("reminders_sent", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_tasks_inbox", "approver_id", "status", "created_at"),
    partial_index(
        "uq_tasks_live_approver", "group_id", "approver_id", where="status <> 'cancelled'", unique=True
    ),
    partial_index(
        "ix_tasks_remind", "next_remind_at", where="status = 'pending' AND next_remind_at IS NOT NULL"
    ),
)

audit = sa.Table(
    "approval_audit",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("request_id", sa.Uuid, sa.ForeignKey("approval_requests.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.String(200), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(8)),
    sa.Column("task_id", sa.Uuid),
    sa.Column("detail", JSONType),
    sa.Index("ix_audit_request", "request_id", "at"),
)

# Definitions: written by admins, never changed: a new version is a new row (requests keep theirs).
definitions = sa.Table(
    "approval_definitions",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("form_schema", JSONType, nullable=False),
    sa.Column("stages", JSONType, nullable=False),
    sa.Column("cc", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
)

# The directory: a role's members, resolved when a stage opens.
directory_roles = sa.Table(
    "directory_roles",
    metadata,
    sa.Column("role", sa.String(100), primary_key=True),
    sa.Column("members", JSONType, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)
