"""Alembic env for the mail bridge: the shared runner against the mail bridge's own database."""

from sealflow_mail.models import metadata
from sealkit.migrations import run_env

run_env("mail-bridge", metadata)
