"""Cross-channel process use cases: versioned configuration per item, and running an order through it.

Every writer of an order's position locks the order's row first, then reads, decides with the pure
rules (`domain.channels`) and writes; so a completion and a hand-off, or two hand-offs, on one order
run one after the other and the later one is judged on the state the earlier one left (the loser of a
race gets 409 because its node is no longer next or its channel is no longer current).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders import access
from sealflow_orders.domain.channels import (
    InvalidConfig,
    Mapping,
    NodeRefusal,
    Position,
    build_mapping,
    check_nodes,
    complete_node,
    hand_off,
    position,
    stale_pairs,
)
from sealflow_orders.repository import catalog as catalog_repo
from sealflow_orders.repository import orders as orders_repo
from sealflow_orders.repository import processes as repo
from sealflow_orders.schemas.processes import (
    ChannelNodesIn,
    MappingIn,
    MappingOut,
    NodeOut,
    NodeState,
    ProcessConfigOut,
    ProcessOut,
)
from sealflow_orders.service.order_refs import ensure_open, visible_order
from sealkit.auth import Principal
from sealkit.problems import Conflict, Forbidden, NotFound, Unprocessable
from sealkit.sql import AnyRow
from sealkit.types import utcnow

# --- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Config:
    """One version of an item's process: each channel's nodes ({"key", "name"}) and the mappings."""

    version: int
    channels: dict[str, list[dict[str, str]]]
    mappings: list[Mapping]

    def keys(self, channel: str) -> list[str] | None:
        nodes = self.channels.get(channel)
        return None if nodes is None else [n["key"] for n in nodes]

    def mapping(self, a: str, b: str) -> Mapping | None:
        first, second = sorted((a, b))
        return next((m for m in self.mappings if (m.first, m.second) == (first, second)), None)

    @classmethod
    def of(cls, row: AnyRow | None) -> Config:
        if row is None:
            return cls(0, {}, [])
        mappings = [
            Mapping(m["first"], m["second"], tuple((a, b) for a, b in m["pairs"])) for m in row.mappings
        ]
        return cls(row.version, dict(row.channels), mappings)

    def columns(self) -> dict[str, Any]:
        return {
            "channels": self.channels,
            "mappings": [
                {"first": m.first, "second": m.second, "pairs": [list(p) for p in m.pairs]}
                for m in self.mappings
            ],
        }


def config_out(item_id: UUID, config: Config) -> ProcessConfigOut:
    return ProcessConfigOut(
        item_id=item_id,
        version=config.version,
        channels={c: [NodeOut(**n) for n in nodes] for c, nodes in config.channels.items()},
        mappings=[
            MappingOut(from_channel=m.first, to_channel=m.second, pairs=list(m.pairs))
            for m in config.mappings
        ],
    )


def _invalid(error: InvalidConfig) -> Unprocessable:
    errors = [{"loc": ["body", *p.loc], "msg": p.msg} for p in error.problems]
    return Unprocessable(str(error), slug="invalid-process", extra={"errors": errors})


async def _current(conn: AsyncConnection, item_id: UUID) -> Config:
    # the item's row lock serialises configuration writers, so no change is lost between two admins
    if await catalog_repo.get_item(conn, item_id, lock=True) is None:
        raise NotFound("item not found")
    return Config.of(await repo.latest_version(conn, item_id))


async def _save(conn: AsyncConnection, item_id: UUID, config: Config, user: Principal) -> ProcessConfigOut:
    await repo.insert_version(
        conn,
        {
            "item_id": item_id,
            "version": config.version,
            **config.columns(),
            "created_by": user.sub,
            "created_at": utcnow(),
        },
    )
    return config_out(item_id, config)


async def put_channel(
    conn: AsyncConnection, item_id: UUID, channel: str, body: ChannelNodesIn, user: Principal
) -> ProcessConfigOut:
    """A channel's ordered nodes, as a new version; refused while a mapping still names a removed node."""
    current = await _current(conn, item_id)
    nodes = [{"key": n.key, "name": n.name} for n in body.nodes]
    try:
        check_nodes([n["key"] for n in nodes])
    except InvalidConfig as error:
        raise _invalid(error) from None
    if current.channels.get(channel) == nodes:
        return config_out(item_id, current)  # nothing changed: no new version
    channels = {**current.channels, channel: nodes}
    by_channel = {c: [n["key"] for n in ns] for c, ns in channels.items()}
    stale = [
        (m, pair)
        for m in current.mappings
        if channel in (m.first, m.second)
        for pair in stale_pairs(m, by_channel)
    ]
    if stale:
        listed = ", ".join(f"{m.first}:{a}↔{m.second}:{b}" for m, (a, b) in stale)
        raise Conflict(
            f"mapped nodes would disappear ({listed}); change the mapping first", slug="mapped-node-removed"
        )
    return await _save(conn, item_id, Config(current.version + 1, channels, current.mappings), user)


async def put_mapping(
    conn: AsyncConnection, item_id: UUID, body: MappingIn, user: Principal
) -> ProcessConfigOut:
    """The pairs between two channels, as a new version; the mapping serves both directions."""
    current = await _current(conn, item_id)
    try:
        mapping = build_mapping(
            from_channel=body.from_channel,
            to_channel=body.to_channel,
            pairs=body.pairs,
            from_nodes=current.keys(body.from_channel),
            to_nodes=current.keys(body.to_channel),
        )
    except InvalidConfig as error:
        raise _invalid(error) from None
    if current.mapping(mapping.first, mapping.second) == mapping:
        return config_out(item_id, current)
    others = [m for m in current.mappings if (m.first, m.second) != (mapping.first, mapping.second)]
    return await _save(conn, item_id, Config(current.version + 1, current.channels, [*others, mapping]), user)


async def get_config(conn: AsyncConnection, item_id: UUID, version: int | None) -> ProcessConfigOut:
    if await catalog_repo.get_item(conn, item_id) is None:
        raise NotFound("item not found")
    if version is None:
        return config_out(item_id, Config.of(await repo.latest_version(conn, item_id)))
    row = await repo.get_version(conn, item_id, version)
    if row is None:
        raise NotFound(f"the item has no process version {version}")
    return config_out(item_id, Config.of(row))


# --- running an order ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Running:
    """An order, the process version it keeps, the channel it is on and what is done on each channel."""

    order: AnyRow
    config: Config
    channel: str
    completed: dict[str, list[str]]
    saved: bool

    def on(self, channel: str) -> Sequence[str]:
        keys = self.config.keys(channel)
        if keys is None:
            raise Conflict(f"this order's process has no channel {channel!r}", slug="no-such-channel")
        return keys


def _ensure_actor(user: Principal, order: AnyRow) -> None:
    if not access.may_move_process(user, applicant_id=order.applicant_id):
        raise Forbidden("only the order's applicant or staff move its process")
    ensure_open(order, "its process no longer moves")


# A version never changes once written, so each process keeps the ones it has read: a running order's
# step then costs no read and no parse of its configuration.
_VERSIONS: OrderedDict[tuple[UUID, int], Config] = OrderedDict()
_VERSIONS_KEPT = 512


async def _version(conn: AsyncConnection, item_id: UUID, version: int) -> Config:
    key = (item_id, version)
    config = _VERSIONS.get(key)
    if config is None:
        config = Config.of(await repo.get_version(conn, item_id, version))
        _VERSIONS[key] = config
        if len(_VERSIONS) > _VERSIONS_KEPT:
            _VERSIONS.popitem(last=False)
    else:
        _VERSIONS.move_to_end(key)
    return config


async def _running(conn: AsyncConnection, order: AnyRow) -> Running:
    saved = await repo.get_position(conn, order.id)
    if saved is not None:
        config = await _version(conn, order.item_id, saved.version)
        return Running(order, config, saved.channel, {c: list(k) for c, k in saved.completed.items()}, True)
    row = await repo.version_for_order(conn, order.item_id, order.created_at)
    if row is None:
        raise NotFound("this order's item has no process", slug="no-process")
    return Running(order, Config.of(row), order.channel, {}, False)


def _out(run: Running, channel: str, place: Position) -> ProcessOut:
    done = set(place.completed)
    nodes = run.config.channels[channel]
    return ProcessOut(
        order_id=run.order.id,
        version=run.config.version,
        channel=channel,
        completed=list(place.completed),
        remaining=list(place.remaining),
        next_node=place.next_node,
        nodes=[NodeState(key=n["key"], name=n["name"], completed=n["key"] in done) for n in nodes],
    )


async def get_process(conn: AsyncConnection, user: Principal, order_id: UUID) -> ProcessOut:
    run = await _running(conn, await visible_order(conn, user, order_id, lock=False))
    if run.config.keys(run.channel) is None:
        raise NotFound(f"this order's process has no channel {run.channel!r}", slug="no-process")
    return _out(run, run.channel, position(run.on(run.channel), run.completed.get(run.channel, ())))


async def _save_position(
    conn: AsyncConnection, run: Running, channel: str, completed: dict[str, list[str]]
) -> None:
    now = utcnow()
    await repo.save_position(
        conn,
        {
            "order_id": run.order.id,
            "item_id": run.order.item_id,
            "version": run.config.version,
            "channel": channel,
            "completed": completed,
            "created_at": now,
            "updated_at": now,
        },
        exists=run.saved,
    )


async def complete(
    conn: AsyncConnection, user: Principal, order_id: UUID, node: str, channel: str
) -> ProcessOut:
    """Complete the next node of the order's current channel; anything else is 409 naming the next node."""
    order = await visible_order(conn, user, order_id, lock=True)
    _ensure_actor(user, order)
    run = await _running(conn, order)
    if channel != run.channel:
        raise Conflict(
            f"the order is on channel {run.channel!r}, not {channel!r}; hand it off first",
            slug="not-current-channel",
            extra={"channel": run.channel},
        )
    keys = run.on(channel)
    try:
        place = complete_node(keys, run.completed.get(channel, ()), node)
    except NodeRefusal as refusal:
        raise Conflict(str(refusal), slug="not-next-node", extra={"next_node": refusal.next_node}) from None
    await _save_position(conn, run, channel, {**run.completed, channel: list(place.completed)})
    name = next(n["name"] for n in run.config.channels[channel] if n["key"] == node)
    await orders_repo.add_progress(
        conn,
        order_id=order.id,
        status=order.status,
        note=f"node {node} ({name}) completed on {channel}",
        by=user.sub,
        channel=channel,
        at=utcnow(),
    )
    return _out(run, channel, place)


def _handed(run: Running, to_channel: str) -> Position:
    if to_channel == run.channel:
        raise Conflict(f"the order is already on channel {to_channel!r}", slug="same-channel")
    mapping = run.config.mapping(run.channel, to_channel)
    target = run.config.keys(to_channel)
    if mapping is None or target is None:
        raise Conflict(
            f"there is no mapping between channels {run.channel!r} and {to_channel!r}", slug="no-mapping"
        )
    return hand_off(
        source_nodes=run.on(run.channel),
        source_completed=run.completed.get(run.channel, ()),
        target_nodes=target,
        target_earlier_completed=run.completed.get(to_channel, ()),
        pairs=mapping.oriented(run.channel, to_channel),
    )


async def preview_handoff(
    conn: AsyncConnection, user: Principal, order_id: UUID, to_channel: str
) -> ProcessOut:
    """What a hand-off would give, changing nothing."""
    run = await _running(conn, await visible_order(conn, user, order_id, lock=False))
    return _out(run, to_channel, _handed(run, to_channel))


async def handoff(conn: AsyncConnection, user: Principal, order_id: UUID, to_channel: str) -> ProcessOut:
    """Move the order to another channel, carrying over what the mapping says is already done."""
    order = await visible_order(conn, user, order_id, lock=True)
    _ensure_actor(user, order)
    run = await _running(conn, order)
    place = _handed(run, to_channel)
    now = utcnow()
    await _save_position(conn, run, to_channel, {**run.completed, to_channel: list(place.completed)})
    await repo.move_order_channel(conn, order.id, to_channel, now)
    total = len(place.completed) + len(place.remaining)
    await orders_repo.add_progress(
        conn,
        order_id=order.id,
        status=order.status,
        note=f"handed off from {run.channel} to {to_channel}: {len(place.completed)} of {total} nodes already done",
        by=user.sub,
        channel=to_channel,
        at=now,
    )
    return _out(run, to_channel, place)
