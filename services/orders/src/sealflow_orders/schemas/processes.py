"""Cross-channel process bodies: a channel's nodes, a mapping, and an order's position."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from sealflow_orders.schemas.common import In

# Channels and node keys travel in paths (`/processes/{channel}`, `/nodes/{node_key}/complete`).
CHANNEL_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
NODE_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Channel = Annotated[str, Field(pattern=CHANNEL_PATTERN, examples=["web", "app", "phone"])]
NodeKey = Annotated[str, Field(pattern=NODE_KEY_PATTERN, examples=["identity"])]


class NodeIn(In):
    key: NodeKey
    name: Annotated[str, Field(min_length=1, max_length=200)]


class ChannelNodesIn(In):
    nodes: Annotated[list[NodeIn], Field(min_length=1, max_length=200)]


class MappingIn(In):
    from_channel: Channel
    to_channel: Channel
    pairs: Annotated[list[tuple[NodeKey, NodeKey]], Field(min_length=1, max_length=2000)]


class NodeOut(BaseModel):
    key: str
    name: str


class MappingOut(BaseModel):
    from_channel: str
    to_channel: str
    pairs: list[tuple[str, str]]


class ProcessConfigOut(BaseModel):
    """An item's process configuration in one version (version 0: nothing configured yet)."""

    item_id: UUID
    version: int
    channels: dict[str, list[NodeOut]]
    mappings: list[MappingOut]


class CompleteIn(In):
    channel: Channel


class HandoffIn(In):
    to_channel: Channel


class NodeState(BaseModel):
    key: str
    name: str
    completed: bool


class ProcessOut(BaseModel):
    """An order's position on a channel; `nodes` is every node in order, for a "steps 1–3 done" view."""

    order_id: UUID
    version: int
    channel: str
    completed: list[str]
    remaining: list[str]
    next_node: str | None
    nodes: list[NodeState]
