"""Cross-channel processes: each item's versioned configuration and each order's position in it."""

from __future__ import annotations

import sqlalchemy as sa

from sealflow_orders.models.base import metadata
from sealkit.types import JSONType, UTCDateTime

# Every change to an item's channels or mappings is a new version holding the whole configuration, so
# an order pinned to a version never sees nodes or pairs change under it (as BPMN engines version).
process_versions = sa.Table(
    "process_versions",
    metadata,
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("items.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("channels", JSONType, nullable=False),  # {channel: [{"key", "name"}]} in each channel's order
    sa.Column(
        "mappings", JSONType, nullable=False
    ),  # [{"first", "second", "pairs": [[first_node, second_node]]}]
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# An order's position: written at its first completion or hand-off (until then it is at the start of
# its channel in the version that was current when it was created).
order_processes = sa.Table(
    "order_processes",
    metadata,
    sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("item_id", sa.Uuid, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),  # the channel the order is on now
    sa.Column("completed", JSONType, nullable=False),  # {channel: [node keys completed there]}
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(["item_id", "version"], ["process_versions.item_id", "process_versions.version"]),
)
