"""Every service's OpenAPI document tells the truth about its errors and names its operations well."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from fastapi import APIRouter, FastAPI

from sealflow_approval.main import create_app as approval_app
from sealflow_mail.main import create_app as mail_app
from sealflow_orders.main import create_app as orders_app
from sealflow_ticketing.main import create_app as ticketing_app
from sealkit.app import create_service_app
from sealkit.openapi import NO_DATABASE_PATHS, WRITING_METHODS
from sealkit.problems import MEDIA_TYPE
from sealkit.settings import ServiceSettings
from sealkit.testing import asgi_client

FACTORIES: dict[str, Callable[[], FastAPI]] = {
    "approval": approval_app,
    "ticketing": ticketing_app,
    "orders": orders_app,
    "mail-bridge": mail_app,
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def document(service: str) -> dict[str, Any]:
    doc: dict[str, Any] = FACTORIES[service]().openapi()
    return doc


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


@pytest.fixture(params=list(FACTORIES), scope="module")
def doc(request: pytest.FixtureRequest) -> dict[str, Any]:
    return document(request.param)


def test_every_error_response_is_documented_as_problem_json(doc: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert "ValidationError" not in doc["components"]["schemas"]
    for path, method, op in operations(doc):
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {MEDIA_TYPE: {"schema": PROBLEM_REF}}, (method, path, status)


def test_the_statuses_each_operation_can_answer_are_documented(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        documented = set(op["responses"])
        where = f"{method.upper()} {path}"
        if path not in NO_DATABASE_PATHS:
            assert "503" in documented, where
        if op.get("security"):
            assert {"401", "403"} <= documented, where
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            assert "404" in documented, where
        if op.get("parameters") or "requestBody" in op:
            assert "422" in documented, where
        if method in WRITING_METHODS:
            assert {"409", "413", "422"} <= documented, where
    # the signed endpoint refuses a bad signature with 401
    assert "401" in doc["paths"]["/v1/events"]["post"]["responses"]


def test_the_problem_schema_carries_field_errors(doc: dict[str, Any]) -> None:
    validation_problem = {
        "type": "https://sealflow.dev/problems/validation",
        "title": "Invalid request",
        "status": 422,
        "detail": "body.title: Field required",
        "errors": [{"loc": ["body", "title"], "msg": "Field required"}, {"loc": ["body", 0], "msg": "x"}],
    }
    problem = _schema(doc, "Problem")
    jsonschema.validate(validation_problem, problem)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**validation_problem, "errors": [{"loc": "title"}]}, problem)


def test_operation_ids_are_the_route_function_names_and_unique(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        # readable: no path or method folded in, as FastAPI's default would (`decide_v1_tasks__task_id_…`)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", operation_id), operation_id
        assert "_v1_" not in operation_id, operation_id


def test_schemas_are_named_and_referenced() -> None:
    """Bodies and responses are named component schemas (a generated client gets classes, not dicts)."""
    for service in FACTORIES:
        doc = document(service)
        for path, method, op in operations(doc):
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                # an optional body is `anyOf: [{$ref}, {type: null}]`
                refs = [body["schema"], *body["schema"].get("anyOf", [])]
                assert any("$ref" in r for r in refs), (service, method, path)


def test_two_routes_with_one_function_name_are_refused() -> None:
    first, second = APIRouter(), APIRouter()

    @first.get("/a")
    async def read() -> dict[str, str]:
        return {}

    @second.get("/b", name="read")
    async def read_b() -> dict[str, str]:
        return {}

    app = create_service_app(
        service="x", title="x", description="x", settings=ServiceSettings(), routers=[first, second]
    )
    with pytest.raises(ValueError, match="operationId 'read'"), pytest.warns(UserWarning, match="Duplicate"):
        app.openapi()


def test_a_route_keeps_its_own_description_of_an_error() -> None:
    doc = document("approval")
    conflict = doc["paths"]["/v1/tasks/{task_id}/decision"]["post"]["responses"]["409"]
    assert conflict["description"] != "Error"
    assert "pending" in conflict["description"]


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return {**doc["components"]["schemas"][name], "components": doc["components"]}


def test_cross_field_rules_are_in_the_approval_document() -> None:
    doc = document("approval")
    approver = _schema(doc, "ApproverIn")
    jsonschema.validate({"id": "bob", "email": "bob@example.org", "email_approval": True}, approver)
    jsonschema.validate({"id": "bob", "email_approval": False}, approver)
    with pytest.raises(jsonschema.ValidationError, match="email"):
        jsonschema.validate({"id": "bob", "email_approval": True}, approver)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "bob", "email": None, "email_approval": True}, approver)

    request = _schema(doc, "RequestCreate")
    group = {"name": "g", "mode": "all", "approvers": [{"id": "bob"}]}
    jsonschema.validate({"title": "t", "groups": [group]}, request)
    jsonschema.validate({"title": "t", "groups": [group], "on_deadline": None}, request)
    with pytest.raises(jsonschema.ValidationError, match="deadline_at"):
        jsonschema.validate({"title": "t", "groups": [group], "on_deadline": "approve"}, request)
    assert "future" in request["properties"]["deadline_at"]["description"]


def _two_method_app() -> FastAPI:
    router = APIRouter()

    @router.get("/v1/things")
    async def list_things() -> list[str]:
        return []

    @router.post("/v1/things")
    async def create_thing(body: dict[str, int]) -> dict[str, int]:
        return body

    return create_service_app(
        service="x", title="x", description="x", settings=ServiceSettings(), routers=[router]
    )


async def test_a_405_names_every_method_of_the_resource() -> None:
    """The router names only the first matching route's methods; the document lists them all."""
    async with asgi_client(_two_method_app()) as client:
        response = await client.patch("/v1/things")
    assert response.status_code == 405
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["allow"] == "GET, POST"


async def test_a_body_that_is_not_utf8_is_a_422_problem() -> None:
    async with asgi_client(_two_method_app()) as client:
        response = await client.post(
            "/v1/things", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.json()["errors"] == [{"loc": ["body"], "msg": "the body is not valid UTF-8 JSON"}]


def test_a_creating_post_links_to_the_created_item() -> None:
    """Links let a client or a stateful fuzzer chain creation to the item's operations."""
    doc = document("approval")
    links = doc["paths"]["/v1/approval-requests"]["post"]["responses"]["201"]["links"]
    assert links["get_request"] == {
        "operationId": "get_request",
        "parameters": {"request_id": "$response.body#/id"},
    }
    assert {"get_timeline", "withdraw"} <= set(links)
    # an operation needing a parameter the creation cannot supply is not linked
    assert "add_approver" not in links
    for service in FACTORIES:
        service_doc = document(service)
        ids = {op["operationId"] for _, _, op in operations(service_doc)}
        for _, _, op in operations(service_doc):
            for link in op["responses"].get("201", {}).get("links", {}).values():
                assert link["operationId"] in ids, (service, link)
