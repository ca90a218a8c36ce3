"""approval definitions, the directory, requests in stages

Revision ID: 3d5e1f0a9b21
Revises: ef5310ec4007
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sealkit.types

revision: str = "3d5e1f0a9b21"
down_revision: str | None = "ef5310ec4007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "approval_definitions",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("form_schema", _json(), nullable=False),
        sa.Column("stages", _json(), nullable=False),
        sa.Column("cc", _json(), nullable=False),
        sa.Column("created_at", sealkit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", "version"),
    )
    op.create_table(
        "directory_roles",
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("members", _json(), nullable=False),
        sa.Column("updated_at", sealkit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("role"),
    )
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("definition_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("definition_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stages", _json(), nullable=True))
        batch_op.add_column(sa.Column("current_stage", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cc", _json(), nullable=True))
    with op.batch_alter_table("approval_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stage_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("approval_groups", schema=None) as batch_op:
        batch_op.drop_column("stage_name")
        batch_op.drop_column("stage")
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        for column in ("cc", "current_stage", "stages", "definition_version", "definition_key"):
            batch_op.drop_column(column)
    op.drop_table("directory_roles")
    op.drop_table("approval_definitions")
