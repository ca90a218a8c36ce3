"""Alembic for every service: a shared env runner and `python -m sealkit.migrations <service dir>`."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from sealkit.db import ensure_database, service_database_url
from sealkit.tables import metadata as common_metadata

URL_ATTRIBUTE = "sealflow_url"


def run_env(service: str, metadata: sa.MetaData) -> None:
    """Body of a service's migrations/env.py: online, async, against the service's own database."""
    config = context.config
    url = config.attributes.get(URL_ATTRIBUTE) or service_database_url(
        os.environ.get("SEALFLOW_DATABASE_URL"), service, os.environ.get("SEALFLOW_SQLITE_DIR", "var")
    )
    targets = [metadata, common_metadata]

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection, target_metadata=targets, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        await ensure_database(url)
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # replicas' init containers may migrate at once; one runs, the others wait and find nothing to do
                await conn.execute(
                    sa.text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": f"migrate:{service}"}
                )
                await conn.commit()
            await conn.run_sync(migrate)
            await conn.commit()
        await engine.dispose()

    asyncio.run(main())


def upgrade(service_dir: str | Path, url: str | None = None, revision: str = "head") -> None:
    """Apply a service's migrations (its `alembic.ini` and `migrations/`); `url` overrides the env."""
    service_dir = Path(service_dir)
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    if url:
        config.attributes[URL_ATTRIBUTE] = url
    command.upgrade(config, revision)


if __name__ == "__main__":
    for directory in sys.argv[1:] or ["."]:
        upgrade(directory)
