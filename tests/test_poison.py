"""Poison values in every string, JSON, integer and datetime field of every operation of every service.

The cases are generated from each service's OpenAPI document, so a new endpoint or field is covered
without anyone listing it: a NUL byte, an integer past 64 bits, NaN, JSON nested 300 deep, a naive or
out-of-range datetime, and a body past the size limit. Each must be refused before anything is written:
a 422 problem+json naming the poisoned field (413 for the oversized body), never a 5xx, never accepted.
The rest of each request is a plausible baseline built from the schema, so the field under test is the
reason for the answer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from sealkit.problems import MEDIA_TYPE

from .live_services import EVERY_ROLE_TOKEN, FACTORIES, LiveServices, document

SKIPPED_PATHS = {"/healthz", "/readyz", "/metrics"}
MAX_BODY_BYTES = 1_048_576  # the kit's default SEALFLOW_MAX_BODY_BYTES
DEEP = 300


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


# kind -> (what goes into a string/date-time/integer/JSON-object field)
STRING_POISON = {"nul": "before\x00after"}
DATETIME_POISON = {"naive-datetime": "2031-01-01T09:00:00", "datetime-range": "9999-12-31T23:59:59-14:00"}
INT_POISON = {"bigint": 2**70}
JSON_POISON: dict[str, Any] = {
    "json-nul": {"note": "a\x00b"},
    "json-bigint": {"n": 2**70},
    "json-nan": {"n": float("nan")},
    "json-depth": _nested(DEEP),
}


@dataclass
class Case:
    service: str
    method: str
    path: str  # the template
    where: str  # "body", "query" or "path"
    loc: list[str | int]  # the field's path as a 422 names it (without the leading where)
    kind: str
    value: Any
    path_values: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None

    @property
    def id(self) -> str:
        field_name = ".".join(str(p) for p in self.loc) or "(body)"
        return f"{self.service}:{self.method.upper()} {self.path}:{self.where}.{field_name}:{self.kind}"


class Schemas:
    """Baseline values from a document's schemas, and the poisonable fields inside them."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.components: dict[str, Any] = doc.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.resolve(s) for s in schema[key] if s.get("type") != "null"]
                return options[0] if options else {}
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.resolve(schema["allOf"][0])
        return schema

    def baseline(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            return {
                name: self.baseline(props[name], depth + 1)
                for name in schema.get("required", [])
                if name in props and depth < 8
            }
        if kind == "array":
            count = max(1, schema.get("minItems", 1))
            return [self.baseline(schema.get("items", {}), depth + 1) for _ in range(count)]
        if kind == "integer":
            return max(1, int(schema.get("minimum", 1)))
        if kind == "number":
            return max(1.0, float(schema.get("minimum", 1)))
        if kind == "boolean":
            return False
        if kind == "string":
            return self.string(schema)
        return None

    @staticmethod
    def string(schema: dict[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2031-01-01T09:00:00Z"
        if fmt == "date":
            return "2031-01-01"
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt in ("uri", "url"):
            return "https://example.org/hook"
        if "@" in schema.get("pattern", "") or fmt == "email":
            return "someone@example.org"
        return "x" * max(1, int(schema.get("minLength", 1)))

    def fields(
        self, schema: dict[str, Any], loc: list[str | int], depth: int = 0
    ) -> Iterator[tuple[list[str | int], str, Any]]:
        """(loc, kind, poison) for every poisonable field inside `schema`, down to a few levels."""
        schema = self.resolve(schema)
        if depth > 4:
            return
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            if not props and schema.get("additionalProperties", True) is not False:
                yield from ((loc, k, v) for k, v in JSON_POISON.items())
            for name, sub in props.items():
                yield from self.fields(sub, [*loc, name], depth + 1)
        elif kind == "array":
            yield from self.fields(schema.get("items", {}), [*loc, 0], depth + 1)
        elif kind == "integer":
            yield from ((loc, k, v) for k, v in INT_POISON.items())
        elif kind == "string" and "enum" not in schema:
            if schema.get("format") == "date-time":
                yield from ((loc, k, v) for k, v in DATETIME_POISON.items())
            elif schema.get("format") not in ("uuid", "binary"):
                yield from ((loc, k, v) for k, v in STRING_POISON.items())


def _set(body: Any, loc: list[str | int], value: Any) -> Any:
    if not loc:
        return value
    head, rest = loc[0], loc[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) else []
        items = items or [None]
        items[0] = _set(items[0], rest, value)
        return items
    container = dict(body) if isinstance(body, dict) else {}
    container[head] = _set(container.get(head), rest, value)
    return container


def cases_of(service: str) -> Iterator[Case]:
    doc = document(service)
    schemas = Schemas(doc)
    for path, operations in doc["paths"].items():
        if path in SKIPPED_PATHS:
            continue
        for method, op in operations.items():
            params = op.get("parameters", [])
            path_values = {
                p["name"]: str(schemas.baseline(p.get("schema", {}))) for p in params if p["in"] == "path"
            }
            query = {
                p["name"]: schemas.baseline(p.get("schema", {}))
                for p in params
                if p["in"] == "query" and p.get("required")
            }
            content = op.get("requestBody", {}).get("content", {})
            body_schema = content.get("application/json", {}).get("schema")
            body = schemas.baseline(body_schema) if body_schema else None
            base = {"service": service, "method": method, "path": path}
            for p in params:
                if p["in"] not in ("path", "query"):
                    continue
                for _, kind, poison in schemas.fields(p.get("schema", {}), []):
                    if kind in JSON_POISON:
                        continue
                    where = {"path": dict(path_values), "query": dict(query)}[p["in"]]
                    where[p["name"]] = poison
                    yield Case(
                        **base,
                        where=p["in"],
                        loc=[p["name"]],
                        kind=kind,
                        value=poison,
                        query=where if p["in"] == "query" else query,
                        body=body,
                        path_values=where if p["in"] == "path" else path_values,
                    )
            if body_schema:
                for loc, kind, poison in schemas.fields(body_schema, []):
                    poisoned = _set(body, loc, poison)
                    yield Case(**base, where="body", loc=loc, kind=kind, value=poison,
                               path_values=path_values, query=query, body=poisoned)  # fmt: skip
            if content or method in ("post", "put", "patch"):
                oversized = {"pad": "x" * (MAX_BODY_BYTES + 1)}
                yield Case(**base, where="body", loc=[], kind="oversized", value=None,
                           path_values=path_values, query=query, body=oversized)  # fmt: skip


def _params() -> list[Any]:
    out = []
    for service in FACTORIES:
        for case in cases_of(service):
            out.append(pytest.param(case, id=case.id))
    return out


def _send(base_url: str, case: Case) -> httpx.Response:
    path = case.path
    for name, value in case.path_values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    # NaN and huge integers are not JSON the standard way, so the body is written as a hostile client would
    content = json.dumps(case.body, allow_nan=True).encode() if case.body is not None else None
    headers = {"Authorization": f"Bearer {EVERY_ROLE_TOKEN}"}
    if content is not None:
        headers["Content-Type"] = "application/json"
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return client.request(case.method.upper(), path, params=case.query, content=content, headers=headers)


# A huge integer need not be refused: `limit` is clamped, for one. It must never reach a column as a 5xx.
REFUSAL_OPTIONAL = {"bigint"}


@pytest.mark.parametrize("case", _params())
def test_poison_is_refused_with_a_problem_naming_the_field(case: Case, live_services: LiveServices) -> None:
    response = _send(live_services.url(case.service), case)
    said = f"{case.id}: {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, said
    if case.kind in REFUSAL_OPTIONAL and response.status_code < 400:
        return
    assert response.headers.get("content-type") == MEDIA_TYPE, said
    if case.kind == "oversized":
        assert response.status_code == 413, said
        return
    if case.kind in REFUSAL_OPTIONAL:
        assert 400 <= response.status_code < 500, said
        return
    assert response.status_code == 422, said
    wanted = [case.where, *case.loc]
    locs = [e["loc"] for e in response.json().get("errors", [])]
    assert any(loc[: len(wanted)] == wanted for loc in locs), f"{case.id}: 422 names {locs}, not {wanted}"
