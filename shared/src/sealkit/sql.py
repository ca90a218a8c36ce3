"""Small SQL helpers that hide the PostgreSQL/SQLite differences the services meet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from sealkit.db import HotConnection, driver_connection
from sealkit.jsonutil import dumps

# A result row of any shape (SQLAlchemy 2.1 types rows by their column tuple).
AnyRow = Row[*tuple[Any, ...]]
Rows = Sequence[AnyRow]
AnySelect = sa.Select[*tuple[Any, ...]]


async def insert(conn: AsyncConnection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) in one executemany; nothing at all when there are none."""
    if rows:
        await conn.execute(sa.insert(table), list(rows))


def partial_index(name: str, *columns: Any, where: str, unique: bool = False) -> sa.Index:
    """An index over the rows where `where` holds, on PostgreSQL and on SQLite alike (both need it said
    once per dialect, and an index that is partial on one only would serve the other differently)."""
    condition = sa.text(where)
    return sa.Index(name, *columns, unique=unique, postgresql_where=condition, sqlite_where=condition)


def insert_ignoring_conflicts(conn: AsyncConnection, table: sa.Table, values: dict[str, Any]) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the connection's dialect (statement, not yet executed)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(**values).on_conflict_do_nothing()


def constant(value: str | int) -> sa.ColumnElement[Any]:
    """A constant written into the SQL text instead of sent as a bind parameter. For hot statements built
    once: their parameters are then only what changes per call, and asyncpg encodes every parameter on
    every call (a statement of 70 parameters, most of them constants, cost ≈ 60 µs more CPU per call)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"constant() takes a str or an int, not {type(value).__name__}")
    if isinstance(value, int):
        return sa.literal_column(str(value), sa.Integer)
    return sa.literal_column("'" + value.replace("'", "''") + "'", sa.Text)


S = TypeVar("S", bound=sa.Select[Any])


def for_update(stmt: S, *, skip_locked: bool = False, of: Any = None) -> S:
    """Row locks; SQLite ignores them (it serialises writers with BEGIN IMMEDIATE instead)."""
    return stmt.with_for_update(skip_locked=skip_locked, of=of)


Batch = tuple[sa.Table, Sequence[dict[str, Any]]]
# the asyncpg dialect: `$n` parameters, and the type names our casts need
_PG = pg_asyncpg.dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves this constructor untyped
_insert_sql_cache: dict[tuple[tuple[str, tuple[str, ...]], ...], str] = {}


async def insert_rows(conn: AsyncConnection, batches: Sequence[Batch]) -> None:
    """Insert rows into several tables in one round trip on PostgreSQL, inside `conn`'s transaction;
    plain inserts elsewhere (SQLite). See `insert_rows_at_once`."""
    batches = [(table, rows) for table, rows in batches if rows]
    if not batches:
        return
    driver = await driver_connection(conn)
    if driver is None:
        for table, rows in batches:
            await conn.execute(sa.insert(table), list(rows))
        return
    await _insert_unnest(driver, batches)


async def insert_rows_at_once(driver: HotConnection, batches: Sequence[Batch]) -> None:
    """Insert rows into several tables as ONE autocommit statement on a `Database.statement()` connection.

    The statement is a CTE per table that inserts `unnest` of one array per column (a multi-table create
    costs one round trip instead of one per table). Foreign keys are checked at the end of the
    statement, so parents and children can go together. Each batch's rows must all have the same keys.
    """
    batches = [(table, rows) for table, rows in batches if rows]
    if batches:
        await _insert_unnest(driver, batches)


async def _insert_unnest(driver: HotConnection, batches: Sequence[Batch]) -> None:
    shape = tuple((table.name, tuple(rows[0])) for table, rows in batches)
    sql = _insert_sql_cache.get(shape)
    if sql is None:
        sql = _insert_sql_cache.setdefault(shape, _unnest_insert_sql(batches))
    args: list[Any] = []
    for table, rows in batches:
        for name in rows[0]:
            column = table.c[name]
            values = [row[name] for row in rows]
            if _is_json(column):
                values = [None if v is None else _json_text(v) for v in values]
            args.append(values)
    await driver.execute(sql, *args)


def _is_json(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.JSON) or isinstance(getattr(column.type, "impl", None), sa.JSON)


def _json_text(value: Any) -> str:
    return dumps(value).decode()


def _unnest_insert_sql(batches: Sequence[Batch]) -> str:
    dialect = _PG
    parts: list[str] = []
    n = 0
    for i, (table, rows) in enumerate(batches):
        names = list(rows[0])
        arrays, selects = [], []
        for j, name in enumerate(names):
            n += 1
            column = table.c[name]
            if _is_json(column):
                arrays.append(f"${n}::text[]")
                selects.append(f"c{j}::jsonb")
            else:
                arrays.append(f"${n}::{column.type.compile(dialect=dialect).lower()}[]")
                selects.append(f"c{j}")
        aliases = ", ".join(f"c{j}" for j in range(len(names)))
        columns = ", ".join(f'"{name}"' for name in names)
        # names come from our own table metadata; values travel as parameters
        insert = f'INSERT INTO "{table.name}" ({columns}) SELECT {", ".join(selects)} '
        parts.append(f"i{i} AS ({insert}FROM unnest({', '.join(arrays)}) AS u({aliases}))")
    return "WITH " + ", ".join(parts) + " SELECT 1"


_driver_sql: dict[int, tuple[Any, str, tuple[str, ...], dict[str, Any]]] = {}


async def fetch_on_driver(driver: HotConnection, stmt: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a Core statement on an asyncpg connection (a `Database.statement()`); rows as dicts.

    The statement is compiled once (keep the statement object itself cached, as the hot paths do).
    Values go to asyncpg as they are: aware datetimes, UUIDs, lists; JSON columns come back decoded by
    the hot pool's codecs. Column types' bind and result processors do not run.
    """
    rows = await driver.fetch(*driver_sql(stmt, params))
    return [dict(row) for row in rows]


def driver_sql(stmt: Any, params: dict[str, Any]) -> tuple[Any, ...]:
    """(SQL text, *positional arguments): exactly what `fetch_on_driver` sends to asyncpg for `stmt`, so
    a test can EXPLAIN the statement a hot path runs rather than a look-alike."""
    cached = _driver_sql.get(id(stmt))
    if cached is None or cached[0] is not stmt:
        compiled = stmt.compile(dialect=_PG)
        cached = (stmt, compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))
        _driver_sql[id(stmt)] = cached
    _, sql, names, defaults = cached
    return (sql, *(params[n] if n in params else defaults[n] for n in names))
