"""Definitions (one row per version, never changed) and the directory's roles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval.models import definitions, directory_roles
from sealkit.problems import Conflict
from sealkit.sql import AnyRow, Rows, insert_ignoring_conflicts


async def add_definition_version(conn: AsyncConnection, row: dict[str, Any]) -> None:
    """Insert one version; two writers of the same version: the second gets 409 (the key's primary key)."""
    try:
        async with conn.begin_nested():
            await conn.execute(sa.insert(definitions), [row])
    except IntegrityError as exc:
        raise Conflict(
            f"definition {row['key']!r} version {row['version']} was just written by someone else",
            slug="definition-version-taken",
        ) from exc


async def latest_definition(conn: AsyncConnection, key: str) -> AnyRow | None:
    stmt = (
        sa.select(definitions).where(definitions.c.key == key).order_by(definitions.c.version.desc()).limit(1)
    )
    return (await conn.execute(stmt)).first()


async def definition_version(conn: AsyncConnection, key: str, version: int) -> AnyRow | None:
    stmt = sa.select(definitions).where(definitions.c.key == key, definitions.c.version == version)
    return (await conn.execute(stmt)).first()


async def latest_definitions(conn: AsyncConnection) -> Rows:
    """The newest version of every definition, by key."""
    newest = (
        sa.select(definitions.c.key, sa.func.max(definitions.c.version).label("version"))
        .group_by(definitions.c.key)
        .subquery()
    )
    stmt = (
        sa.select(definitions)
        .join(newest, sa.and_(newest.c.key == definitions.c.key, newest.c.version == definitions.c.version))
        .order_by(definitions.c.key)
    )
    return (await conn.execute(stmt)).all()


async def put_role(
    conn: AsyncConnection, role: str, members: list[dict[str, Any]], *, at: datetime, by: str
) -> AnyRow:
    """Create or replace a role's members (the last writer wins: the directory is the admins' list)."""
    values = {"role": role, "members": members, "updated_at": at, "updated_by": by}
    inserted = (await conn.execute(insert_ignoring_conflicts(conn, directory_roles, values).returning(
        *directory_roles.c))).first()  # fmt: skip
    if inserted is not None:
        return inserted
    stmt = sa.update(directory_roles).where(directory_roles.c.role == role).values(**values)
    updated = (await conn.execute(stmt.returning(*directory_roles.c))).first()
    assert updated is not None  # the row exists: the insert above met it
    return updated


async def list_roles(conn: AsyncConnection) -> Rows:
    return (await conn.execute(sa.select(directory_roles).order_by(directory_roles.c.role))).all()


async def role_members(conn: AsyncConnection, roles: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The members of each named role (a role nobody wrote has none)."""
    names = sorted(set(roles))
    if not names:
        return {}
    rows = await conn.execute(
        sa.select(directory_roles.c.role, directory_roles.c.members).where(directory_roles.c.role.in_(names))
    )
    return {r.role: list(r.members) for r in rows}
