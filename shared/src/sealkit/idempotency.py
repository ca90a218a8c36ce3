"""`Idempotency-Key` on creating POSTs: replay the stored response, refuse a reused key with another body.

The key is reserved by an insert in the request's own transaction, so a concurrent request with the
same key waits on the unique index until the first commits (then replays it) or rolls back (then runs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from sealkit.auth import Principal
from sealkit.jsonutil import json_response
from sealkit.problems import Conflict, Unprocessable
from sealkit.sql import insert_ignoring_conflicts
from sealkit.tables import idempotency_keys as keys
from sealkit.types import utcnow

MAX_KEY_LENGTH = 200


def has_key(request: Request) -> bool:
    """Whether the call carries an Idempotency-Key (then the key must commit with the work, in one
    transaction, so a hot single-statement path does not apply)."""
    return "idempotency-key" in request.headers


def fingerprint(payload: BaseModel | bytes | None) -> str:
    raw = payload if isinstance(payload, bytes) else (payload.model_dump_json().encode() if payload else b"")
    return hashlib.sha256(raw).hexdigest()


async def idempotent(
    conn: AsyncConnection,
    request: Request,
    user: Principal,
    payload: BaseModel | None,
    produce: Callable[[], Awaitable[Any]],
    *,
    status_code: int = 201,
) -> Response:
    """Run `produce` once per (caller, route, Idempotency-Key); without the header just run it."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return Response(_encode(await produce()), status_code=status_code, media_type="application/json")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} characters", slug="idempotency-key")
    scope = f"{request.method} {request.url.path}"
    digest = fingerprint(payload)
    reserved = await conn.execute(
        insert_ignoring_conflicts(
            conn,
            keys,
            {
                "principal": user.sub,
                "scope": scope,
                "key": key,
                "fingerprint": digest,
                "created_at": utcnow(),
            },
        ).returning(keys.c.key)
    )
    if reserved.first() is None:
        row = (
            await conn.execute(
                sa.select(keys.c.fingerprint, keys.c.status_code, keys.c.response_body).where(
                    keys.c.principal == user.sub, keys.c.scope == scope, keys.c.key == key
                )
            )
        ).one()
        if row.fingerprint != digest:
            raise Conflict(
                "this Idempotency-Key was already used with a different body", slug="idempotency-key-reused"
            )
        return Response(
            row.response_body or "",
            status_code=row.status_code or status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    body = _encode(await produce())
    await conn.execute(
        sa.update(keys)
        .where(keys.c.principal == user.sub, keys.c.scope == scope, keys.c.key == key)
        .values(status_code=status_code, response_body=body.decode())
    )
    return Response(body, status_code=status_code, media_type="application/json")


def _encode(result: Any) -> bytes:
    return bytes(json_response(result).body)
