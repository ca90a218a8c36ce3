"""Which database errors mean "unavailable, retry" (503) and which are bugs (500)."""

from __future__ import annotations

import errno

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from sealkit.db import is_connection_lost


def _wrapped(
    orig: Exception, cls: type[sa_exc.DBAPIError] = sa_exc.DBAPIError, *, connection_invalidated: bool = False
) -> sa_exc.DBAPIError:
    return cls("SELECT 1", {}, orig, connection_invalidated=connection_invalidated)


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        TimeoutError(),
        ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 1)"),
        _wrapped(Exception("gone"), connection_invalidated=True),
        _wrapped(Exception("x"), sa_exc.OperationalError),
        _wrapped(Exception("x"), sa_exc.InterfaceError),
        _wrapped(asyncpg.ConnectionDoesNotExistError("closed")),
        sa_exc.TimeoutError("QueuePool limit reached"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_lost_connections_are_unavailable(exc: Exception) -> None:
    assert is_connection_lost(exc)


@pytest.mark.parametrize(
    "exc",
    [
        _wrapped(asyncpg.UniqueViolationError("duplicate key"), sa_exc.IntegrityError),
        _wrapped(asyncpg.DataError("invalid input"), sa_exc.DataError),
        asyncpg.UniqueViolationError("duplicate key"),
        FileNotFoundError(errno.ENOENT, "no such file"),
        ValueError("a bug"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_bugs_are_not_outages(exc: Exception) -> None:
    assert not is_connection_lost(exc)


def test_a_cause_chain_is_followed() -> None:
    outer = RuntimeError("while committing")
    outer.__cause__ = asyncpg.ConnectionDoesNotExistError("closed")
    assert is_connection_lost(outer)
