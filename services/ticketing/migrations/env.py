"""Alembic env for the ticketing service: the shared runner against ticketing's own database."""

from sealflow_ticketing.models import metadata
from sealkit.migrations import run_env

run_env("ticketing", metadata)
