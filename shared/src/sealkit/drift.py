"""Drift between a service's models.py and its Alembic history: what `alembic check` reports, plus the
index details autogenerate does not compare. A service's test runs it on a freshly migrated database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from sealkit.tables import metadata as kit_metadata


async def schema_drift(url: str, metadata: sa.MetaData) -> list[Any]:
    """What `alembic check` would report for a database migrated to head: the differences autogenerate
    finds between it and the tables a service declares (`metadata`, plus the kit's own), compared the
    way its env.py compares them (column types included). Empty when models and migrations agree."""

    def compare(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        # alembic takes a list of MetaData here as in env.py's target_metadata, though typed for one
        diffs: list[Any] = compare_metadata(context, [metadata, kit_metadata])  # type: ignore[arg-type]
        return diffs

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(compare)
            diffs += await _index_drift(conn, [metadata, kit_metadata])
            await conn.rollback()
            return diffs
    finally:
        await engine.dispose()


_PROBE = "sealflow_drift_probe"
_INDEXES = sa.text(
    "SELECT schemaname, indexname, indexdef FROM pg_indexes"
    " WHERE schemaname IN ('public', :probe) AND tablename <> 'alembic_version'"
)


async def _index_drift(conn: AsyncConnection, metadatas: list[sa.MetaData]) -> list[Any]:
    """Autogenerate does not compare a partial index's WHERE, nor an expression column such as
    `priority DESC`: build the declared tables in a scratch schema (rolled back afterwards) and compare
    PostgreSQL's own definition of every index, each side as PostgreSQL normalises it."""
    await conn.execute(sa.text(f"CREATE SCHEMA {_PROBE}"))
    probe = await conn.execution_options(schema_translate_map={None: _PROBE})
    for metadata in metadatas:
        await probe.run_sync(metadata.create_all)
    found: dict[str, dict[str, str]] = {"public": {}, _PROBE: {}}
    for schema, name, definition in (await conn.execute(_INDEXES, {"probe": _PROBE})).all():
        found[schema][name] = definition.replace(f" ON {_PROBE}.", " ON public.")
    migrated, declared = found["public"], found[_PROBE]
    return [
        ("index", name, migrated.get(name), declared.get(name))
        for name in sorted(migrated.keys() | declared.keys())
        if migrated.get(name) != declared.get(name)
    ]
