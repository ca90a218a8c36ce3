"""Cross-channel process endpoints: configuration per item (admin), an order's position, completion,
hand-off and its preview (the order's applicant or staff)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query

from sealflow_orders.router.common import Admin
from sealflow_orders.schemas.processes import (
    CHANNEL_PATTERN,
    NODE_KEY_PATTERN,
    ChannelNodesIn,
    CompleteIn,
    HandoffIn,
    MappingIn,
    ProcessConfigOut,
    ProcessOut,
)
from sealflow_orders.service import processes as service
from sealkit.auth import CurrentUser
from sealkit.db import DbConn

router = APIRouter(prefix="/v1", tags=["processes"])

ChannelPath = Annotated[str, Path(pattern=CHANNEL_PATTERN)]
NodePath = Annotated[str, Path(pattern=NODE_KEY_PATTERN)]


@router.put(
    "/catalog/items/{item_id}/processes/{channel}",
    response_model=ProcessConfigOut,
    summary="A channel's ordered nodes (a new process version)",
)
async def put_channel(
    item_id: UUID, channel: ChannelPath, body: ChannelNodesIn, conn: DbConn, user: Admin
) -> ProcessConfigOut:
    return await service.put_channel(conn, item_id, channel, body, user)


@router.put(
    "/catalog/items/{item_id}/process-mappings",
    response_model=ProcessConfigOut,
    summary="Which nodes of two channels correspond (serves both directions; a new process version)",
)
async def put_mapping(item_id: UUID, body: MappingIn, conn: DbConn, user: Admin) -> ProcessConfigOut:
    return await service.put_mapping(conn, item_id, body, user)


@router.get(
    "/catalog/items/{item_id}/processes",
    response_model=ProcessConfigOut,
    summary="An item's process configuration: the current version, or `version`",
)
async def get_config(
    item_id: UUID, conn: DbConn, _: CurrentUser, version: Annotated[int | None, Query(ge=1)] = None
) -> ProcessConfigOut:
    return await service.get_config(conn, item_id, version)


@router.get("/orders/{order_id}/process", response_model=ProcessOut, summary="Where the order stands")
async def get_process(order_id: UUID, conn: DbConn, user: CurrentUser) -> ProcessOut:
    return await service.get_process(conn, user, order_id)


@router.post(
    "/orders/{order_id}/nodes/{node_key}/complete",
    response_model=ProcessOut,
    summary="Complete the next node of the order's current channel",
)
async def complete_node(
    order_id: UUID, node_key: NodePath, body: CompleteIn, conn: DbConn, user: CurrentUser
) -> ProcessOut:
    return await service.complete(conn, user, order_id, node_key, body.channel)


@router.post("/orders/{order_id}/handoff", response_model=ProcessOut, summary="Continue on another channel")
async def handoff(order_id: UUID, body: HandoffIn, conn: DbConn, user: CurrentUser) -> ProcessOut:
    return await service.handoff(conn, user, order_id, body.to_channel)


@router.get(
    "/orders/{order_id}/handoff-preview",
    response_model=ProcessOut,
    summary="What a hand-off to `to_channel` would give, changing nothing",
)
async def handoff_preview(
    order_id: UUID,
    conn: DbConn,
    user: CurrentUser,
    to_channel: Annotated[str, Query(pattern=CHANNEL_PATTERN)],
) -> ProcessOut:
    return await service.preview_handoff(conn, user, order_id, to_channel)
