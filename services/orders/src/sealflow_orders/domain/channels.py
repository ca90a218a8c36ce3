"""Cross-channel processes as pure rules: a channel's position, node completion, hand-off, mappings.

An item's process has, per channel (`web`, `app`, `phone` …), an ordered list of node keys, and
between two channels a mapping: node pairs, 1:1, 1:N and N:1 allowed, one mapping serving both
directions. A running order is on one channel and remembers, per channel it has been on, the nodes
completed there.

The hand-off rule (the contract's wording): a target node counts as completed when it has at least
one partner in the mapping and every one of its partners in the source channel is completed, and a
node already completed during an earlier stay on the target channel stays completed; `remaining` is
every other target node, in the target's order, and `next_node` its first (None when none).
"""

from __future__ import annotations

from collections import abc
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Position:
    """Where an order stands on one channel; `completed` and `remaining` follow the channel's order."""

    completed: tuple[str, ...]
    remaining: tuple[str, ...]

    @property
    def next_node(self) -> str | None:
        return self.remaining[0] if self.remaining else None


def position(nodes: Sequence[str], completed: Collection[str]) -> Position:
    """Split a channel's nodes into completed and remaining; completed keys it does not have are dropped."""
    done = set(completed)
    return Position(
        completed=tuple(n for n in nodes if n in done),
        remaining=tuple(n for n in nodes if n not in done),
    )


def hand_off(
    *,
    source_nodes: Sequence[str],
    source_completed: Collection[str],
    target_nodes: Sequence[str],
    target_earlier_completed: Collection[str],
    pairs: Iterable[Pair],
) -> Position:
    """The target channel's position after a hand-off; `pairs` are (source node, target node)."""
    # A pair naming a node the source does not have is no partner (a mapping is validated against the
    # nodes of the same version, so this only guards against a caller mixing versions).
    on_source = set(source_nodes)
    partners: dict[str, set[str]] = {}
    for source, target in pairs:
        if source in on_source:
            partners.setdefault(target, set()).add(source)
    done = set(source_completed)
    carried = {t for t, ps in partners.items() if ps <= done}
    return position(target_nodes, carried | set(target_earlier_completed))


class NodeRefusal(Exception):
    """A node that may not be completed now; `next_node` is the one that may (None when all are done)."""

    def __init__(self, node: str, next_node: str | None) -> None:
        self.node = node
        self.next_node = next_node
        if next_node is None:
            detail = f"every node is already completed; {node!r} cannot be completed again"
        else:
            detail = f"node {node!r} is not next on this channel: the next node is {next_node!r}"
        super().__init__(detail)


def complete_node(nodes: Sequence[str], completed: Collection[str], node: str) -> Position:
    """The position after completing `node`, which must be the channel's next node."""
    current = position(nodes, completed)
    if node != current.next_node:
        raise NodeRefusal(node, current.next_node)
    return position(nodes, {*current.completed, node})


# --- configuration ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One reason a configuration is refused; `loc` is the path into the request body."""

    loc: tuple[str | int, ...]
    msg: str


class InvalidConfig(Exception):
    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.msg for p in problems))


def check_nodes(keys: Sequence[str]) -> None:
    """A channel's node keys: at least one, each once."""
    problems: list[ConfigProblem] = []
    if not keys:
        problems.append(ConfigProblem(("nodes",), "a channel needs at least one node"))
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            problems.append(ConfigProblem(("nodes", i, "key"), f"node key {key!r} appears more than once"))
        seen.add(key)
    if problems:
        raise InvalidConfig(problems)


@dataclass(frozen=True, slots=True)
class Mapping:
    """A mapping in canonical form: channels in sorted order, pairs oriented `first` → `second`."""

    first: str
    second: str
    pairs: tuple[Pair, ...]

    def oriented(self, source: str, target: str) -> tuple[Pair, ...]:
        """The pairs as (source node, target node); a mapping serves both directions."""
        if (source, target) == (self.first, self.second):
            return self.pairs
        if (source, target) == (self.second, self.first):
            return tuple((b, a) for a, b in self.pairs)
        raise ValueError(f"mapping {self.first}↔{self.second} does not join {source} and {target}")


def build_mapping(
    *,
    from_channel: str,
    to_channel: str,
    pairs: Sequence[Sequence[str]],
    from_nodes: Sequence[str] | None,
    to_nodes: Sequence[str] | None,
) -> Mapping:
    """Validate a mapping against both channels' nodes (None: channel not configured) and canonicalise it.

    Unknown node keys and unconfigured channels are refused; a pair given twice is kept once, in the
    order first given.
    """
    problems: list[ConfigProblem] = []
    if from_channel == to_channel:
        problems.append(ConfigProblem(("to_channel",), "a mapping joins two different channels"))
    for field, channel, nodes in (
        ("from_channel", from_channel, from_nodes),
        ("to_channel", to_channel, to_nodes),
    ):
        if nodes is None:
            problems.append(ConfigProblem((field,), f"channel {channel!r} has no process for this item"))
    if not pairs:
        problems.append(ConfigProblem(("pairs",), "a mapping needs at least one pair"))
    folded: list[Pair] = []
    for i, pair in enumerate(pairs):
        if len(pair) != 2:
            problems.append(ConfigProblem(("pairs", i), "a pair is [from_node, to_node]"))
            continue
        for side, key, nodes, channel in (
            (0, pair[0], from_nodes, from_channel),
            (1, pair[1], to_nodes, to_channel),
        ):
            if nodes is not None and key not in nodes:
                problems.append(
                    ConfigProblem(("pairs", i, side), f"unknown node {key!r} on channel {channel!r}")
                )
        oriented = (pair[0], pair[1])
        if oriented not in folded:
            folded.append(oriented)
    if problems:
        raise InvalidConfig(problems)
    if from_channel < to_channel:
        return Mapping(from_channel, to_channel, tuple(folded))
    return Mapping(to_channel, from_channel, tuple((b, a) for a, b in folded))


def stale_pairs(mapping: Mapping, nodes_by_channel: abc.Mapping[str, Sequence[str]]) -> list[Pair]:
    """Pairs (in canonical orientation) naming a node one of the channels no longer has."""
    first = nodes_by_channel.get(mapping.first, ())
    second = nodes_by_channel.get(mapping.second, ())
    return [(a, b) for a, b in mapping.pairs if a not in first or b not in second]
