"""One JSON encoding for the suite: orjson, with UUIDs and datetimes as RFC 3339 strings."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from starlette.responses import JSONResponse, Response


def _default(value: Any) -> Any:
    if isinstance(value, UUID):  # asyncpg hands back its own UUID subclass, which orjson does not know
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


class FastJSONResponse(JSONResponse):
    """The default response class: orjson is several times cheaper than json on hot paths."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def json_response(value: Any, status_code: int = 200) -> Response:
    """A JSON response from a model or plain data, encoded once with orjson (no response_model pass)."""
    from pydantic import BaseModel

    body = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return Response(dumps(body), status_code=status_code, media_type="application/json")
