"""The hot-path idiom of the routers, written once.

A hot path (a decision, a claim, a result, a creation) runs on PostgreSQL as ONE autocommit statement on a
`Database.statement()` connection: one round trip, no BEGIN/COMMIT. When that statement cannot answer (on
SQLite there is no such connection; a refusal must be explained; a race was lost) the request takes the
ordinary transaction. A call with an Idempotency-Key always takes the transaction: the key's reservation
must commit with the work (`sealkit.idempotency`).

    return await at_once_or_in_transaction(
        request,
        at_once=lambda pg: service.decide_at_once(pg, outbox, user=user, task_id=task_id, body=body),
        in_transaction=lambda conn: service.decide(conn, outbox, user=user, task_id=task_id, body=body),
        idempotent_for=user, payload=body,
    )
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from sealkit.auth import Principal
from sealkit.db import HotConnection, get_database
from sealkit.idempotency import has_key, idempotent
from sealkit.jsonutil import json_response

T = TypeVar("T")


async def at_once_or_in_transaction(
    request: Request,
    *,
    at_once: Callable[[HotConnection], Awaitable[T | None]],
    in_transaction: Callable[[AsyncConnection], Awaitable[T]],
    idempotent_for: Principal | None = None,
    payload: BaseModel | None = None,
    status_code: int = 200,
) -> Response:
    """`at_once`'s answer when it has one (None: it could not decide), else `in_transaction`'s.

    With `idempotent_for` (the caller), the route honours Idempotency-Key: a call with one goes straight
    to the transaction, which reserves the key, runs once and replays the stored answer to a repeat
    (`payload` is the body the key is bound to). An answer that is a Response is sent as it is (e.g. 204);
    any other is encoded as JSON with `status_code`.
    """
    database = get_database(request)
    if idempotent_for is None or not has_key(request):
        async with database.statement() as pg:
            if pg is not None:
                answer = await at_once(pg)
                if answer is not None:
                    return _respond(answer, status_code)
    async with database.transaction() as conn:
        if idempotent_for is None:
            return _respond(await in_transaction(conn), status_code)
        return await idempotent(
            conn, request, idempotent_for, payload, lambda: in_transaction(conn), status_code=status_code
        )


def _respond(answer: object, status_code: int) -> Response:
    return answer if isinstance(answer, Response) else json_response(answer, status_code=status_code)
