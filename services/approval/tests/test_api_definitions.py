"""Definitions (admin-written, versioned) and the directory, through the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sealkit.testing import auth, unique

from .definitions import ADMIN, define, definition, group, put_role, stage
from .helpers import assert_problem


async def test_a_definition_is_written_read_and_versioned(client: httpx.AsyncClient) -> None:
    boss = unique("boss")
    body = definition(
        stage("manager", group("boss", {"user": boss})),
        stage(
            "finance",
            group("cfo", {"role": "finance"}, when={"field": "amount", "op": ">=", "value": 10000}),
            group("any", {"role": "finance"}, {"user": boss}, mode="quorum", min_approvals=1),
        ),
        cc=[{"role": "office"}],
    )
    created = await define(client, body)
    assert created["version"] == 1 and created["key"] == body["key"]
    assert created["stages"][1]["groups"][0]["when"] == {"field": "amount", "op": ">=", "value": 10000}
    assert created["cc"] == [{"role": "office"}]
    assert created["stages"][0]["groups"][0]["approvers"] == [{"user": boss}]

    again = await client.post("/v1/approval-definitions", json=body, headers=ADMIN)
    assert assert_problem(again, 409)["type"].endswith("definition-exists")

    changed = {k: v for k, v in body.items() if k != "key"} | {"name": "Purchase v2"}
    second = await client.put(f"/v1/approval-definitions/{body['key']}", json=changed, headers=ADMIN)
    assert second.status_code == 200, second.text
    assert second.json()["version"] == 2

    newest = await client.get(f"/v1/approval-definitions/{body['key']}", headers=auth(unique("anyone")))
    assert (
        newest.status_code == 200 and newest.json()["version"] == 2 and newest.json()["name"] == "Purchase v2"
    )
    first = await client.get(f"/v1/approval-definitions/{body['key']}?version=1", headers=auth(boss))
    assert first.json()["name"] == "Purchase"
    listed = await client.get("/v1/approval-definitions", headers=auth(boss))
    mine = [d for d in listed.json() if d["key"] == body["key"]]
    assert [d["version"] for d in mine] == [2]


async def test_only_admins_write_definitions_and_unknown_ones_are_404(client: httpx.AsyncClient) -> None:
    body = definition(stage("one", group("g", {"user": unique("bob")})))
    refused = await client.post(
        "/v1/approval-definitions", json=body, headers=auth(unique("eve"), "approver")
    )
    assert_problem(refused, 403)
    put = await client.put(
        "/v1/approval-definitions/nobody-wrote-this",
        json={k: v for k, v in body.items() if k != "key"},
        headers=ADMIN,
    )
    assert_problem(put, 404)
    assert_problem(await client.get("/v1/approval-definitions/nobody-wrote-this", headers=ADMIN), 404)


def _when(condition: Any) -> dict[str, Any]:
    return definition(stage("one", group("g", {"user": "bob"}, when=condition)))


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (_when({"field": "colour", "op": "=", "value": "red"}), ["body", "stages", 0, "groups", 0, "when"]),
        (
            _when({"field": "amount", "op": ">=", "value": "10000"}),
            ["body", "stages", 0, "groups", 0, "when"],
        ),
        (
            _when({"any": [{"field": "dept", "op": "=", "value": 3}]}),
            ["body", "stages", 0, "groups", 0, "when"],
        ),
        (_when({"field": "amount", "op": "like", "value": 1}), ["body", "stages", 0, "groups", 0, "when"]),
        (
            definition(stage("one", group("g", {"user": "bob"}))) | {"form_schema": {"type": "objekt"}},
            ["body", "form_schema", "type"],
        ),
        (
            definition(stage("one", group("g", {"user": "bob"}))) | {"form_schema": {"type": "string"}},
            ["body", "form_schema", "type"],
        ),
        (
            definition(stage("one", group("g", {"user": "bob"}, mode="quorum", min_approvals=2))),
            ["body", "stages", 0, "groups", 0, "min_approvals"],
        ),
    ],
)
async def test_a_definition_is_refused_with_the_place_of_its_error(
    client: httpx.AsyncClient, body: dict[str, Any], loc: list[Any]
) -> None:
    problem = assert_problem(await client.post("/v1/approval-definitions", json=body, headers=ADMIN), 422)
    assert loc in [e["loc"] for e in problem["errors"]], problem


@pytest.mark.parametrize(
    "broken",
    [
        {"approvers": [{"user": "a", "role": "b"}]},
        {"approvers": []},
        {"mode": "quorum"},
        {"mode": "any", "min_approvals": 1},
    ],
)
async def test_a_malformed_group_is_422(client: httpx.AsyncClient, broken: dict[str, Any]) -> None:
    body = definition(stage("one", group("g", {"user": "bob"}) | broken))
    assert_problem(await client.post("/v1/approval-definitions", json=body, headers=ADMIN), 422)


async def test_the_directory_is_admin_written_and_replaced_whole(client: httpx.AsyncClient) -> None:
    role = unique("finance")
    one, two = unique("fin"), unique("fin")
    await put_role(client, role, {"id": one, "email": f"{one}@example.com", "email_approval": True})
    await put_role(client, role, one, two)
    roles = (await client.get("/v1/directory/roles", headers=ADMIN)).json()
    mine = next(r for r in roles if r["role"] == role)
    assert [m["id"] for m in mine["members"]] == [one, two] and mine["updated_by"] == "admin-ada"

    refused = await client.put(
        f"/v1/directory/roles/{role}", json={"members": []}, headers=auth(one, "approver")
    )
    assert_problem(refused, 403)
    assert_problem(await client.get("/v1/directory/roles", headers=auth(one)), 403)
    twice = await client.put(
        f"/v1/directory/roles/{role}", json={"members": [{"id": one}, {"id": one}]}, headers=ADMIN
    )
    assert_problem(twice, 422)
