"""RFC 9457 problem+json: typed domain errors and the one set of handlers that renders every error."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from sealkit.db import is_connection_lost
from sealkit.jsonutil import dumps

log = logging.getLogger("sealkit.problems")
PROBLEM_BASE = "https://sealflow.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class DomainError(Exception):
    """An error a client can act on; subclasses fix the status and a stable type slug."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, slug: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if slug:
            self.slug = slug
        self.extra = extra or {}


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(DomainError):
    status, slug, title = 422, "unprocessable", "Unprocessable content"


class PayloadTooLarge(DomainError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


def problem_response(
    status: int, slug: str, title: str, detail: str, extra: dict[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    if extra:
        body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(dumps(body), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _loc(loc: tuple[Any, ...] | list[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _domain(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_response(exc.status, exc.slug, exc.title, exc.detail, exc.extra)


async def _validation(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": _loc(e.get("loc", ())), "msg": str(e.get("msg", "invalid"))} for e in exc.errors()]
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    detail = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}" if errors else "invalid request"
    return problem_response(422, "validation", "Invalid request", detail, {"errors": errors})


_TITLES = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 413: "Payload too large"}


# FastAPI's 400 for a body it could not decode (e.g. not UTF-8); a JSON syntax error is already a 422
_UNPARSABLE_BODY = "There was an error parsing the body"


async def _http(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
        # invalid input like any other: the documented 422 with the field, as for a JSON syntax error
        msg = "the body is not valid UTF-8 JSON"
        errors = [{"loc": ["body"], "msg": msg}]
        return problem_response(422, "validation", "Invalid request", f"body: {msg}", {"errors": errors})
    title = _TITLES.get(exc.status_code, "HTTP error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    response = problem_response(exc.status_code, title.lower().replace(" ", "-"), title, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


RETRY_AFTER_SECONDS = 2


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    if not is_connection_lost(exc):  # e.g. an IntegrityError: a DBAPIError, but a bug, not an outage
        return await _unexpected(request, exc)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    response = problem_response(
        503, "database-unavailable", "Service unavailable", "the database is not answering; try again shortly"
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        500, "internal", "Internal server error", "an unexpected error occurred; it was logged"
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    # every way a lost or hanging database shows itself; the handler tells them from real bugs
    for unavailable in (
        sa_exc.DBAPIError, sa_exc.TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
        asyncpg.exceptions.OperatorInterventionError, TimeoutError, OSError,
    ):  # fmt: skip
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
