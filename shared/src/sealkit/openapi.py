"""The OpenAPI document as the service answers: every error as problem+json, stable operation ids.

FastAPI documents 422 as `application/json` HTTPValidationError and nothing else; the kit's handlers
(problems.py) answer every error as RFC 9457 `application/problem+json`. `install_openapi` rewrites the
generated document once, for every service, so generated clients and fuzzers see what is really sent:

- 422 with the `Problem` schema (`errors: [{loc, msg}]`), HTTPValidationError and ValidationError gone;
- 401 and 403 on every operation behind the bearer scheme, 401 on the signed ones (`/v1/events`);
- 404 on operations with path parameters, 409 on every writing method (state and Idempotency-Key
  conflicts), 413 wherever a body is read, 503 wherever the database is reached;
- a status a route documents itself (`responses={409: {"description": ...}}`) keeps its description and
  gets the problem+json content.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from sealkit.problems import MEDIA_TYPE, problem_response

WRITING_METHODS = frozenset({"post", "put", "patch", "delete"})
# the kit's health router: these two never reach the database, so they answer neither 503 nor an error
NO_DATABASE_PATHS = frozenset({"/healthz", "/metrics"})
# operations that authenticate by signature rather than bearer token (the kit's events endpoint)
SIGNED_PATHS = frozenset({"/v1/events"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; every error the service answers has this shape.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "a stable URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": 'on 422: each invalid field (`loc` is its path, e.g. ["body", "title"])',
            "items": {"$ref": "#/components/schemas/ProblemFieldError"},
        },
    },
    "additionalProperties": True,
}
FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ProblemFieldError",
    "type": "object",
    "required": ["loc", "msg"],
    "properties": {
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
    },
}
DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, expired or invalid credentials",
    403: "The caller's roles do not allow this",
    404: "Not found (or not visible to the caller)",
    409: "Conflict with the current state, or an Idempotency-Key reused with another body",
    413: "The request body is larger than the service accepts",
    422: "Invalid request: each invalid field in `errors`",
    503: "The database is not answering; retry later",
}


def operation_id(route: APIRoute) -> str:
    """The route function's name: readable and stable (FastAPI's default appends the path and method)."""
    return route.name


def _problem(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or DESCRIPTIONS.get(status, "Error"),
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses this operation can answer with, from what the document already knows of it."""
    statuses = {int(s) for s in operation.get("responses", {}) if s.isdigit() and int(s) >= 400}
    if path in NO_DATABASE_PATHS:
        return statuses
    statuses.add(503)
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation or method in WRITING_METHODS:
        statuses.add(422)
    if operation.get("security"):
        statuses |= {401, 403}
    if path in SIGNED_PATHS:
        statuses.add(401)
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if method in WRITING_METHODS:
        statuses |= {409, 413}
    return statuses


def truthful_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a FastAPI-generated document in place so its error responses match the kit's handlers."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for name, ours in (("Problem", PROBLEM_SCHEMA), ("ProblemFieldError", FIELD_ERROR_SCHEMA)):
        if schemas.get(name, ours) != ours:
            raise ValueError(f"a service model is named {name!r}, the kit's error schema: rename it")
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemFieldError"] = FIELD_ERROR_SCHEMA
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for status in sorted(_statuses(path, method, operation)):
                declared = responses.get(str(status), {})
                # FastAPI's own 422 says "Validation Error"; ours says what the body carries
                own = declared.get("description") if status != 422 else None
                responses[str(status)] = _problem(status, own)
            operation["responses"] = dict(sorted(responses.items()))
    add_links(document)
    return document


def _has_id(document: dict[str, Any], response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"].get(schema["$ref"].rsplit("/", 1)[-1], {})
    return "id" in schema.get("properties", {})


def add_links(document: dict[str, Any]) -> None:
    """OpenAPI links from each creating POST (a 201 with an `id`) to the operations on the created item
    (`POST /v1/tickets` → `GET /v1/tickets/{ticket_id}`, `…/{ticket_id}/timeline`), so generated clients and stateful fuzzers can
    chain calls: the new id fills the item's path parameter, the collection's own ones carry over."""
    paths: dict[str, Any] = document.get("paths", {})
    for collection, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None or not _has_id(document, created):
            continue
        for item_path, item_operations in paths.items():
            match = re.fullmatch(re.escape(collection) + r"/\{(\w+)\}(/[^{}]*)?", item_path)
            if match is None:  # the item or its sub-resources, with no parameter the POST cannot supply
                continue
            carried = {name: f"$request.path.{name}" for name in re.findall(r"\{(\w+)\}", collection)}
            links = created.setdefault("links", {})
            for item_operation in item_operations.values():
                target = item_operation["operationId"]
                links[target] = {
                    "operationId": target,
                    "parameters": {**carried, match.group(1): "$response.body#/id"},
                }


def allowed_methods(document: dict[str, Any], path: str) -> list[str]:
    """The methods the document lists for the path template `path` matches."""
    for template, operations in document.get("paths", {}).items():
        if compile_path(template)[0].match(path):
            return sorted(method.upper() for method in operations)
    return []


def install_openapi(app: FastAPI) -> None:
    """Serve the rewritten document (built once, on first request, like FastAPI's own), and make a 405
    name in `Allow` every method of the resource: the router names only those of the first route that
    matched the path, so `POST /v1/tickets` sent as PATCH said `Allow: POST` although GET works too."""

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = problem_response(405, "method-not-allowed", "Method not allowed", "Method Not Allowed")
        allowed = allowed_methods(app.openapi(), request.url.path)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        elif exc.headers:
            response.headers.update(exc.headers)
        return response

    app.add_exception_handler(405, method_not_allowed)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            check_unique_operation_ids(document)
            app.openapi_schema = truthful_openapi(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise it


def check_unique_operation_ids(document: dict[str, Any]) -> None:
    """Two routes with one function name would share an operationId (FastAPI only warns): a generated
    client would lose one of them, so the document is refused."""
    seen: dict[str, str] = {}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            key, where = operation.get("operationId", ""), f"{method.upper()} {path}"
            if key in seen:
                raise ValueError(f"operationId {key!r} is used by {seen[key]} and {where}: rename one")
            seen[key] = where
