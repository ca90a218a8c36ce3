"""mail_inbound.language: the replier's language, for the confirmation mail

Revision ID: 0fecabc7b29d
Revises: 265ca2fd50f7
Create Date: 2026-12-01 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0fecabc7b29d"
down_revision: str | None = "265ca2fd50f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("mail_inbound", sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("mail_inbound", "language")
