"""Alembic env for the orders service: the shared runner against orders' own database."""

from sealflow_orders.models import metadata
from sealkit.migrations import run_env

run_env("orders", metadata)
