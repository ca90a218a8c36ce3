"""Definitions (admin-written, versioned) and the directory's roles."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_approval import access
from sealflow_approval.domain.conditions import condition_problems, schema_fields
from sealflow_approval.repository import definitions as repo
from sealflow_approval.schemas import (
    DefinitionCreate,
    DefinitionOut,
    DefinitionStage,
    DefinitionWrite,
    RoleMembers,
    RoleOut,
)
from sealflow_approval.service.common import invalid
from sealkit.auth import Principal
from sealkit.problems import Conflict, Forbidden, NotFound
from sealkit.types import utcnow


def _require_admin(user: Principal, what: str) -> None:
    if not access.is_admin(user):
        raise Forbidden(f"{what} needs the admin role")


def definition_errors(body: DefinitionWrite) -> list[tuple[list[str | int], str]]:
    """Why a definition is refused: a form schema that is no Draft 2020-12 object schema, a condition that
    names a field the schema lacks or compares across types, a quorum its named users cannot reach."""
    errors: list[tuple[list[str | int], str]] = []
    try:
        Draft202012Validator.check_schema(body.form_schema)
    except SchemaError as exc:
        errors.append(
            (["body", "form_schema", *exc.path], f"not a JSON Schema (Draft 2020-12): {exc.message}")
        )
        return errors
    if body.form_schema.get("type") != "object":
        errors.append(
            (["body", "form_schema", "type"], 'a form schema describes an object ("type": "object")')
        )
    fields = schema_fields(body.form_schema)
    for i, stage in enumerate(body.stages):
        for j, group in enumerate(stage.groups):
            loc: list[str | int] = ["body", "stages", i, "groups", j]
            if group.when is not None:
                errors.extend(
                    ([*loc, "when"], problem)
                    for problem in condition_problems(
                        group.when, fields, where=f"stages[{i}].groups[{j}].when"
                    )
                )
            named = {a.user for a in group.approvers if a.user}
            no_roles = all(a.role is None for a in group.approvers)
            if group.min_approvals is not None and no_roles and group.min_approvals > len(named):
                errors.append(
                    ([*loc, "min_approvals"], f"{group.min_approvals} approvals from {len(named)} users")
                )
    return errors


def _definition_row(key: str, version: int, body: DefinitionWrite, user: Principal) -> dict[str, Any]:
    return {
        "key": key,
        "version": version,
        "name": body.name,
        "form_schema": body.form_schema,
        "stages": [_stage(s) for s in body.stages],
        "cc": [c.model_dump(exclude_none=True, exclude_defaults=True) for c in body.cc],
        "created_at": utcnow(),
        "created_by": user.sub,
    }


def _stage(stage: DefinitionStage) -> dict[str, Any]:
    """A stage as stored and shown: its approvers as written (`{"user"}` or `{"role"}`, e-mail if given)."""
    out = stage.model_dump(exclude_none=True)
    for group, written in zip(out["groups"], stage.groups, strict=True):
        group["approvers"] = [
            a.model_dump(exclude_none=True, exclude_defaults=True) for a in written.approvers
        ]
    return out


async def create_definition(
    conn: AsyncConnection, *, user: Principal, body: DefinitionCreate
) -> DefinitionOut:
    _require_admin(user, "writing a definition")
    errors = definition_errors(body)
    if errors:
        raise invalid(errors)
    if await repo.latest_definition(conn, body.key) is not None:
        raise Conflict(
            f"definition {body.key!r} exists: PUT makes its next version", slug="definition-exists"
        )
    row = _definition_row(body.key, 1, body, user)
    await repo.add_definition_version(conn, row)
    return DefinitionOut.model_validate(row)


async def new_definition_version(
    conn: AsyncConnection, *, user: Principal, key: str, body: DefinitionWrite
) -> DefinitionOut:
    _require_admin(user, "writing a definition")
    latest = await repo.latest_definition(conn, key)
    if latest is None:
        raise NotFound("approval definition not found")
    errors = definition_errors(body)
    if errors:
        raise invalid(errors)
    row = _definition_row(key, latest.version + 1, body, user)
    await repo.add_definition_version(conn, row)
    return DefinitionOut.model_validate(row)


async def list_definitions(conn: AsyncConnection) -> list[DefinitionOut]:
    return [DefinitionOut.model_validate(dict(r._mapping)) for r in await repo.latest_definitions(conn)]


async def get_definition(conn: AsyncConnection, *, key: str, version: int | None) -> DefinitionOut:
    row = (
        await repo.latest_definition(conn, key)
        if version is None
        else await repo.definition_version(conn, key, version)
    )
    if row is None:
        raise NotFound("approval definition not found")
    return DefinitionOut.model_validate(dict(row._mapping))


async def put_role(conn: AsyncConnection, *, user: Principal, role: str, body: RoleMembers) -> RoleOut:
    _require_admin(user, "changing the directory")
    members = [m.model_dump() for m in body.members]
    row = await repo.put_role(conn, role, members, at=utcnow(), by=user.sub)
    return RoleOut.model_validate(dict(row._mapping))


async def list_roles(conn: AsyncConnection) -> list[RoleOut]:
    return [RoleOut.model_validate(dict(r._mapping)) for r in await repo.list_roles(conn)]
