"""Alembic env for the approval service: the shared runner against approval's own database."""

from sealflow_approval.models import metadata
from sealkit.migrations import run_env

run_env("approval", metadata)
