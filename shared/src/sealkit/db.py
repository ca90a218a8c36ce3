"""Async database: one engine per process made in the lifespan, one transaction per request.

`SEALFLOW_DATABASE_URL` names a PostgreSQL server and base database; each service gets its own
database `<base>_<service>` on it (created when missing). Without it, SQLite files under ./var/.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import asyncpg
import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from sealkit.jsonutil import dumps, loads

log = logging.getLogger("sealkit.db")


CONNECT_TIMEOUT_SECONDS = 5.0  # asyncpg's own default is 60 s


@dataclass(frozen=True)
class Timeouts:
    """How long a request waits for the database before it is told 503 (issue 10: a database that hangs
    instead of refusing held every request for the whole outage; asyncpg's own connect default is 60 s).

    `connect`: opening a connection; `command`: one statement (also a COMMIT or ROLLBACK on a dead
    link); `acquire`: waiting for a pooled connection when all are busy.
    """

    connect: float = CONNECT_TIMEOUT_SECONDS
    command: float = 10.0
    acquire: float = 5.0


READY_TIMEOUT_SECONDS = 1.5  # /readyz answers within 2 s whatever the database does
_LOST_ERRNOS = frozenset({errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE,
                          errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT})  # fmt: skip


def is_connection_lost(exc: BaseException) -> bool:
    """Whether `exc` says the database is unreachable or the link to it broke (a 503), rather than a
    statement being wrong (a 500): refused, reset, timed out, closed under us, or shutting down."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # SQLAlchemy and asyncpg wrap each other
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
            return True
        if isinstance(current, asyncpg.PostgresConnectionError | asyncpg.InterfaceError | TimeoutError):
            return True
        if isinstance(
            current, asyncpg.exceptions.CannotConnectNowError | asyncpg.exceptions.AdminShutdownError
        ):
            return True
        if isinstance(current, ConnectionError):
            return True
        # asyncio's create_connection reports a refused connect as a bare OSError ("Connect call failed")
        if isinstance(current, OSError) and (
            current.errno in _LOST_ERRNOS or "Connect call failed" in str(current)
        ):
            return True
        wrapped = current.orig if isinstance(current, sa_exc.StatementError) else None
        current = wrapped or current.__cause__ or current.__context__
    return False


AfterCommit = Callable[[], Awaitable[None] | None]
_HOOKS = "sealkit_after_commit"


def service_database_url(base_url: str | None, service: str, sqlite_dir: str = "var") -> str:
    """The URL of `service`'s own database: `<base>_<service>` on PostgreSQL, or a SQLite file."""
    name = service.replace("-", "_")
    if not base_url:
        return f"sqlite+aiosqlite:///{Path(sqlite_dir) / f'{name}.db'}"
    url = make_url(base_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    if url.drivername.startswith("sqlite"):
        return url.render_as_string(hide_password=False)
    return url.set(database=f"{url.database or 'sealflow'}_{name}").render_as_string(hide_password=False)


async def ensure_database(url: str, *, connect_timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:
    """Create the service's database (PostgreSQL) or its folder (SQLite) when missing."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    async with server_connection(url, connect_timeout=connect_timeout) as conn:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", parsed.database)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{parsed.database}"')
                log.info("created database %s", parsed.database)
            except asyncpg.DuplicateDatabaseError:
                pass  # another replica created it first


@asynccontextmanager
async def server_connection(
    url: str, *, connect_timeout: float = CONNECT_TIMEOUT_SECONDS
) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the maintenance database of `url`'s server, for CREATE and DROP DATABASE."""
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
        timeout=connect_timeout,
    )
    try:
        yield conn
    finally:
        await conn.close()


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 0, timeouts: Timeouts = Timeouts()
) -> AsyncEngine:
    serializer: Callable[[Any], str] = lambda value: dumps(value).decode()  # noqa: E731 - tiny adapter
    if url.startswith("sqlite"):
        engine = create_async_engine(url, json_serializer=serializer, connect_args={"timeout": 30})
        _sqlite_serialises_writers(engine)
        return engine
    return create_async_engine(
        url,
        json_serializer=serializer,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        pool_timeout=timeouts.acquire,
        connect_args={"timeout": timeouts.connect, "command_timeout": timeouts.command},
    )


def _sqlite_serialises_writers(engine: AsyncEngine) -> None:
    """SQLite has no row locks: BEGIN IMMEDIATE makes every transaction take the write lock up front."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class HotConnection(Protocol):
    """A `Database.statement()` connection: a pooled asyncpg connection in autocommit, for ONE
    self-contained statement (the hot paths). A named type, because asyncpg ships no types: spelled
    `AsyncConnection | Any`, a parameter is `Any` and strict mypy stops checking exactly the hot paths."""

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...

    async def fetchrow(self, query: str, *args: Any) -> Any: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...

    async def execute(self, query: str, *args: Any) -> str: ...

    def is_in_transaction(self) -> bool: ...


class Database:
    """An engine plus the one way to run a transaction and hooks that fire after it commits."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self.is_sqlite = url.startswith("sqlite")
        self._pool_size = int(engine_options.get("pool_size", 10))
        self.timeouts: Timeouts = engine_options.get("timeouts", Timeouts())
        self._hot: Any = None  # asyncpg pool for single statements (PostgreSQL), made by open()

    async def open(self) -> None:
        """Make the pool `statement()` draws from (PostgreSQL only); the lifespan calls this."""
        if self.is_sqlite or self._hot is not None:
            return
        dsn = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._hot = await asyncpg.create_pool(
            dsn,
            min_size=0,
            max_size=self._pool_size,
            init=_json_codecs,
            reset=_keep_session,
            timeout=self.timeouts.connect,
            command_timeout=self.timeouts.command,
        )

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[HotConnection | None]:
        """A pooled asyncpg connection in autocommit, for ONE self-contained statement; None on SQLite.

        The hot-path alternative to `transaction()` (docs/performance.md): one round trip instead of a
        checkout, BEGIN, the statement, COMMIT and a release. Use it only for a single statement that
        is correct on its own (PostgreSQL runs it atomically); anything needing two statements, or an
        Idempotency-Key reservation, belongs in `transaction()`.
        """
        if self._hot is None:
            yield None
            return
        async with self._hot.acquire(timeout=self.timeouts.acquire) as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """Commit when the block ends normally, roll back when it raises; then run after-commit hooks."""
        async with self.engine.connect() as conn:
            hooks: list[AfterCommit] = []
            conn.info[_HOOKS] = hooks
            try:
                async with conn.begin():
                    yield conn
            finally:
                # A task cancelled mid-query leaves the connection invalidated; touching `.info` then
                # would reconnect outside SQLAlchemy's greenlet (MissingGreenlet, un-awaited connect).
                if not conn.invalidated:
                    conn.info.pop(_HOOKS, None)
        for hook in hooks:
            result = hook()
            if result is not None:
                await result

    async def ping(self, within: float = READY_TIMEOUT_SECONDS) -> None:
        """`SELECT 1` within `within` seconds (TimeoutError otherwise): what /readyz asks."""
        async with asyncio.timeout(within):
            if self._hot is not None:  # asyncpg's own pool: it cancels cleanly, unlike a greenlet connect
                async with self._hot.acquire() as conn:
                    await conn.fetchval("SELECT 1")
                return
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        if self._hot is not None:
            await self._hot.close()
        await self.engine.dispose()


async def _json_codecs(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, schema="pg_catalog", encoder=lambda v: dumps(v).decode(),
                                  decoder=loads, format="text")  # fmt: skip


async def _keep_session(_: asyncpg.Connection) -> None:
    """Statements on the hot pool change no session state, so skip asyncpg's RESET ALL round trip."""


def after_commit(conn: AsyncConnection, hook: AfterCommit) -> None:
    """Run `hook` once the transaction `conn` is in has committed (dropped on rollback)."""
    hooks: list[AfterCommit] | None = conn.info.get(_HOOKS)
    if hooks is not None and hook not in hooks:
        hooks.append(hook)


async def driver_connection(conn: AsyncConnection) -> HotConnection | None:
    """The asyncpg connection under `conn`, inside `conn`'s transaction; None on SQLite.

    For hot paths only (docs/performance.md): a statement through SQLAlchemy's async engine costs several
    times its raw asyncpg cost. The transaction is the request's own: SQLAlchemy's adapter starts it
    lazily at its first statement, so it is started here if nothing has run yet, and it is committed or
    rolled back with the request as usual.
    """
    if conn.dialect.name != "postgresql":
        return None
    adapted: Any = (await conn.get_raw_connection()).dbapi_connection
    if adapted._transaction is None:  # SQLAlchemy 2.x asyncpg adapter: no BEGIN sent yet
        await adapted._start_transaction()
    driver: HotConnection = adapted._connection
    return driver


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _request_transaction(request: Request) -> AsyncIterator[AsyncConnection]:
    async with get_database(request).transaction() as conn:
        yield conn


# scope="function": the transaction commits before the response is sent, so a 2xx means it is durable.
DbConn = Annotated[AsyncConnection, Depends(_request_transaction, scope="function")]
