"""The tables in models/ and the Alembic history agree (what `alembic check` would say)."""

from __future__ import annotations

from sealflow_orders.models import metadata
from sealkit.testing import OwnDatabase, assert_no_drift


async def test_models_match_the_migrations(own_database: OwnDatabase) -> None:
    await assert_no_drift(own_database, "orders", metadata)
