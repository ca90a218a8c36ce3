"""Approval HTTP API for the organisation: definitions (admin-written, versioned) and the directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from sealflow_approval import access
from sealflow_approval.schemas import DefinitionCreate, DefinitionOut, DefinitionWrite, RoleMembers, RoleOut
from sealflow_approval.service import definitions as service
from sealkit.auth import CurrentUser, current_user
from sealkit.db import DbConn
from sealkit.problems import Forbidden

router = APIRouter(prefix="/v1", tags=["approval definitions"], dependencies=[Depends(current_user)])
Key = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
RoleName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


@router.post(
    "/approval-definitions",
    status_code=201,
    response_model=DefinitionOut,
    summary="Write a definition (admin)",
)
async def create_definition(body: DefinitionCreate, conn: DbConn, user: CurrentUser) -> DefinitionOut:
    return await service.create_definition(conn, user=user, body=body)


@router.put(
    "/approval-definitions/{key}",
    response_model=DefinitionOut,
    summary="Write a definition's next version (admin); requests keep the version they started with",
)
async def new_definition_version(
    key: Key, body: DefinitionWrite, conn: DbConn, user: CurrentUser
) -> DefinitionOut:
    return await service.new_definition_version(conn, user=user, key=key, body=body)


@router.get(
    "/approval-definitions",
    response_model=list[DefinitionOut],
    summary="Every definition, its newest version",
)
async def list_definitions(conn: DbConn) -> list[DefinitionOut]:
    return await service.list_definitions(conn)


@router.get("/approval-definitions/{key}", response_model=DefinitionOut, summary="One definition")
async def get_definition(
    key: Key,
    conn: DbConn,
    version: Annotated[int | None, Query(ge=1, description="default: the newest")] = None,
) -> DefinitionOut:
    return await service.get_definition(conn, key=key, version=version)


@router.put("/directory/roles/{role}", response_model=RoleOut, summary="Set a role's members (admin)")
async def put_role(role: RoleName, body: RoleMembers, conn: DbConn, user: CurrentUser) -> RoleOut:
    return await service.put_role(conn, user=user, role=role, body=body)


@router.get("/directory/roles", response_model=list[RoleOut], summary="The roles and their members")
async def list_roles(conn: DbConn, user: CurrentUser) -> list[RoleOut]:
    if not access.oversees(user):
        raise Forbidden("reading the directory needs the admin or monitor role")
    return await service.list_roles(conn)
