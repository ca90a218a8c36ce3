"""NUL bytes never reach the database: one app-wide check of headers, query, path and JSON body.

PostgreSQL cannot store U+0000 in text or jsonb, so a NUL in any string a client sends would fail
at the INSERT or in a filter (a 500 after the request did its work). Checking every string of every
operation here, rather than in each schema, covers new endpoints and the event intake without anyone
remembering to; the answer is the usual 422 naming the parameter or the body path.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from sealkit.jsonutil import loads

MESSAGE = "contains a NUL byte"
_ESCAPED_NUL = b"\\u0000"  # how JSON spells U+0000; a raw 0x00 byte is not valid JSON at all


def nul_path(value: Any) -> list[str | int] | None:
    """Where the first NUL is in a parsed JSON value (a key or a string), or None."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in str(key):
                    return [*path, str(key)]
                stack.append((child, [*path, str(key)]))
        elif isinstance(item, list):
            stack.extend((child, [*path, i]) for i, child in enumerate(item))
    return None


def _is_json(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media in ("", "application/json") or media.endswith("+json")


def _refuse(loc: list[str | int]) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": tuple(loc), "msg": MESSAGE, "input": None}])


async def refuse_nul_bytes(request: Request) -> None:
    """An app-level dependency: 422 for a NUL in a header, a query or path parameter, or the JSON body."""
    for raw_name, raw_value in request.scope.get("headers", ()):  # e.g. Idempotency-Key is stored
        if b"\x00" in raw_value:
            raise _refuse(["header", raw_name.decode("latin-1")])
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise _refuse(["query", name.replace("\x00", "")])
    if "\x00" in request.scope.get("path", ""):
        names = [k for k, v in request.path_params.items() if "\x00" in str(v)]
        raise _refuse(["path", *names[:1]])
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS") or not _is_json(request):
        return  # an upload (multipart) streams past: reading it here would buffer it whole
    body = await request.body()  # Starlette caches it: this is the same bytes FastAPI parsed
    if _ESCAPED_NUL not in body:  # the cheap scan that lets almost every request through
        return
    try:
        parsed = loads(body)
    except ValueError:
        return  # not JSON: the endpoint's own parsing answers for it
    path = nul_path(parsed)
    if path is not None:
        raise _refuse(["body", *path])
