"""Uploaded files: what they are (sniffed), whose they are, and their bytes (behind `storage`)."""

from __future__ import annotations

import sqlalchemy as sa

from sealflow_orders.models.base import metadata
from sealkit.types import JSONType, UTCDateTime

files = sa.Table(
    "files",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("owner_id", sa.String(200), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("declared_type", sa.String(200)),
    sa.Column("content_type", sa.String(200), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("inspection", JSONType),  # what the audit needs of the content (domain.audit.inspect)
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_files_owner", "owner_id", "created_at"),
)

# The database store's bytes, one row per file, so every replica reads what any replica wrote.
file_blobs = sa.Table(
    "file_blobs",
    metadata,
    sa.Column("file_id", sa.Uuid, sa.ForeignKey("files.id"), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
