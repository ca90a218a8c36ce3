"""The cross-channel rules: hand-off (hypothesis invariants and a brute-force oracle), completion, mappings."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealflow_orders.domain.channels import (
    InvalidConfig,
    Mapping,
    NodeRefusal,
    Pair,
    Position,
    build_mapping,
    check_nodes,
    complete_node,
    hand_off,
    position,
    stale_pairs,
)

# One alphabet for both channels: node keys of two channels may coincide, and the rule must keep the
# two channels' namespaces apart.
KEYS = "abcdefgh"


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[str], set[str], list[str], set[str], list[Pair]]:
    source = draw(st.lists(st.sampled_from(KEYS), unique=True, min_size=1, max_size=8))
    target = draw(st.lists(st.sampled_from(KEYS), unique=True, min_size=1, max_size=8))
    pairs = draw(st.lists(st.tuples(st.sampled_from(source), st.sampled_from(target)), max_size=24))
    source_completed = draw(st.sets(st.sampled_from(source)))
    earlier = draw(st.sets(st.sampled_from(target)))
    return source, source_completed, target, earlier, pairs


def run(
    source: Sequence[str], done: set[str], target: Sequence[str], earlier: set[str], pairs: Sequence[Pair]
) -> Position:
    return hand_off(
        source_nodes=source,
        source_completed=done,
        target_nodes=target,
        target_earlier_completed=earlier,
        pairs=pairs,
    )


@settings(max_examples=250)
@given(scenarios())
def test_completed_and_remaining_split_the_target_in_its_order(
    s: tuple[list[str], set[str], list[str], set[str], list[Pair]],
) -> None:
    source, done, target, earlier, pairs = s
    result = run(source, done, target, earlier, pairs)
    assert sorted(result.completed + result.remaining) == sorted(target)
    assert not set(result.completed) & set(result.remaining)
    assert list(result.completed) == [n for n in target if n in result.completed]
    assert list(result.remaining) == [n for n in target if n in result.remaining]
    assert result.next_node == (result.remaining[0] if result.remaining else None)


@settings(max_examples=250)
@given(scenarios())
def test_a_node_completed_on_the_target_itself_is_never_lost(
    s: tuple[list[str], set[str], list[str], set[str], list[Pair]],
) -> None:
    source, done, target, earlier, pairs = s
    assert earlier <= set(run(source, done, target, earlier, pairs).completed)


@settings(max_examples=250)
@given(scenarios())
def test_a_target_node_without_partner_is_never_completed_by_a_hand_off(
    s: tuple[list[str], set[str], list[str], set[str], list[Pair]],
) -> None:
    source, _, target, earlier, pairs = s
    mapped = {t for _, t in pairs}
    result = run(source, set(source), target, earlier, pairs)
    for node in target:
        if node not in mapped and node not in earlier:
            assert node in result.remaining


@settings(max_examples=250)
@given(scenarios())
def test_completing_every_source_node_completes_every_mapped_target_node(
    s: tuple[list[str], set[str], list[str], set[str], list[Pair]],
) -> None:
    source, _, target, _, pairs = s
    result = run(source, set(source), target, set(), pairs)
    assert set(result.completed) == {t for _, t in pairs}


@settings(max_examples=250)
@given(scenarios())
def test_a_round_trip_with_no_progress_on_the_other_channel_loses_nothing(
    s: tuple[list[str], set[str], list[str], set[str], list[Pair]],
) -> None:
    a_nodes, a_done, b_nodes, b_earlier, pairs = s
    on_b = run(a_nodes, a_done, b_nodes, b_earlier, pairs)
    back = run(b_nodes, set(on_b.completed), a_nodes, a_done, [(t, f) for f, t in pairs])
    assert a_done <= set(back.completed)


@settings(max_examples=200)
@given(scenarios(), st.data())
def test_more_progress_on_the_source_never_completes_less_on_the_target(
    s: tuple[list[str], set[str], list[str], set[str], list[Pair]], data: st.DataObject
) -> None:
    source, done, target, earlier, pairs = s
    more = done | data.draw(st.sets(st.sampled_from(source)))
    assert set(run(source, done, target, earlier, pairs).completed) <= set(
        run(source, more, target, earlier, pairs).completed
    )


@settings(max_examples=200)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_order_and_repetition_of_pairs_do_not_matter(
    s: tuple[list[str], set[str], list[str], set[str], list[Pair]], rnd: random.Random
) -> None:
    source, done, target, earlier, pairs = s
    shuffled = pairs + pairs[: len(pairs) // 2]
    rnd.shuffle(shuffled)
    assert run(source, done, target, earlier, pairs) == run(source, done, target, earlier, shuffled)


# --- brute force: every case with up to three nodes per channel ----------------------------------


def subsets(items: Sequence[str]) -> Iterator[set[str]]:
    for r in range(len(items) + 1):
        for combo in itertools.combinations(items, r):
            yield set(combo)


def pair_subsets(items: Sequence[Pair]) -> Iterator[list[Pair]]:
    for mask in range(1 << len(items)):
        yield [p for i, p in enumerate(items) if mask >> i & 1]


def oracle(
    source: Sequence[str], done: set[str], target: Sequence[str], earlier: set[str], pairs: Sequence[Pair]
) -> tuple[list[str], list[str], str | None]:
    """The contract's sentence, read literally, one target node at a time."""

    def completed(t: str) -> bool:
        partners = [s for s in source if (s, t) in pairs]
        return t in earlier or (len(partners) >= 1 and all(s in done for s in partners))

    completed_nodes = [t for t in target if completed(t)]
    remaining = [t for t in target if not completed(t)]
    return completed_nodes, remaining, remaining[0] if remaining else None


def test_the_rule_matches_the_oracle_on_every_small_case() -> None:
    checked = 0
    for n, m in itertools.product(range(4), repeat=2):
        source = ["a", "b", "c"][:n]
        target = ["c", "a", "b"][:m]  # same keys, another order: namespaces and ordering both matter
        all_pairs = list(itertools.product(source, target))
        for pairs in pair_subsets(all_pairs):
            for done in subsets(source):
                for earlier in subsets(target):
                    got = run(source, done, target, earlier, pairs)
                    assert (list(got.completed), list(got.remaining), got.next_node) == oracle(
                        source, done, target, earlier, pairs
                    ), (source, done, target, earlier, pairs)
                    checked += 1
    assert checked == sum(2 ** (n * m + n + m) for n, m in itertools.product(range(4), repeat=2))


def test_one_to_many_and_many_to_one() -> None:
    web = ["identity", "form", "materials", "sign"]
    phone = ["caller", "details", "confirm"]
    pairs = [("identity", "caller"), ("form", "details"), ("materials", "details"), ("sign", "confirm")]
    # N:1 — `details` needs both `form` and `materials`
    assert run(web, {"identity", "form"}, phone, set(), pairs) == Position(
        ("caller",), ("details", "confirm")
    )
    assert run(web, {"identity", "form", "materials"}, phone, set(), pairs).next_node == "confirm"
    # 1:N back — `details` completes both of its web partners
    back = run(phone, {"caller", "details"}, web, set(), [(t, f) for f, t in pairs])
    assert back == Position(("identity", "form", "materials"), ("sign",))


def test_pairs_naming_a_node_the_source_lacks_are_no_partners() -> None:
    assert run(["a"], {"z"}, ["x"], set(), [("z", "x")]).completed == ()
    assert run(["a"], {"a"}, ["x"], set(), [("a", "x"), ("z", "x")]).completed == ("x",)


def test_earlier_completed_nodes_the_target_no_longer_has_are_dropped() -> None:
    assert run(["a"], set(), ["x"], {"gone"}, []) == Position((), ("x",))


# --- completion on one channel -------------------------------------------------------------------


def test_only_the_next_node_can_be_completed() -> None:
    nodes = ["a", "b", "c"]
    assert complete_node(nodes, set(), "a") == Position(("a",), ("b", "c"))
    with pytest.raises(NodeRefusal) as refused:
        complete_node(nodes, {"a"}, "c")
    assert refused.value.next_node == "b"
    assert "'b'" in str(refused.value)


def test_the_next_node_can_lie_between_completed_ones_after_a_hand_off() -> None:
    assert complete_node(["a", "b", "c"], {"b"}, "a") == Position(("a", "b"), ("c",))


def test_nothing_can_be_completed_when_all_is_done() -> None:
    with pytest.raises(NodeRefusal) as refused:
        complete_node(["a"], {"a"}, "a")
    assert refused.value.next_node is None


@settings(max_examples=200)
@given(st.lists(st.sampled_from(KEYS), unique=True, min_size=1), st.data())
def test_completing_next_node_repeatedly_walks_the_channel_in_order(
    nodes: list[str], data: st.DataObject
) -> None:
    done = data.draw(st.sets(st.sampled_from(nodes)))
    walked: list[str] = []
    while (nxt := position(nodes, done).next_node) is not None:
        done = set(complete_node(nodes, done, nxt).completed)
        walked.append(nxt)
    assert set(done) == set(nodes)
    assert walked == [n for n in nodes if n in walked]


# --- configuration -------------------------------------------------------------------------------


def test_nodes_need_one_key_each_once() -> None:
    check_nodes(["a", "b"])
    with pytest.raises(InvalidConfig) as refused:
        check_nodes(["a", "b", "a"])
    assert [p.loc for p in refused.value.problems] == [("nodes", 2, "key")]
    with pytest.raises(InvalidConfig):
        check_nodes([])


def mapping(from_channel: str, to_channel: str, pairs: Sequence[Sequence[str]]) -> Mapping:
    nodes = {"web": ["w1", "w2", "w3"], "phone": ["p1", "p2"]}
    return build_mapping(
        from_channel=from_channel,
        to_channel=to_channel,
        pairs=pairs,
        from_nodes=nodes.get(from_channel),
        to_nodes=nodes.get(to_channel),
    )


def test_unknown_node_keys_are_refused_with_their_place() -> None:
    with pytest.raises(InvalidConfig) as refused:
        mapping("web", "phone", [["w1", "p1"], ["w9", "p2"], ["w2", "p7"]])
    assert [p.loc for p in refused.value.problems] == [("pairs", 1, 0), ("pairs", 2, 1)]
    assert "w9" in refused.value.problems[0].msg


def test_a_key_of_the_other_channel_is_unknown_on_this_one() -> None:
    with pytest.raises(InvalidConfig) as refused:
        mapping("web", "phone", [["p1", "w1"]])
    assert [p.loc for p in refused.value.problems] == [("pairs", 0, 0), ("pairs", 0, 1)]


def test_duplicate_pairs_are_folded_keeping_the_first_order() -> None:
    m = mapping("phone", "web", [["p1", "w1"], ["p2", "w3"], ["p1", "w1"], ["p2", "w2"]])
    assert m.oriented("phone", "web") == (("p1", "w1"), ("p2", "w3"), ("p2", "w2"))


def test_a_mapping_serves_both_directions_whichever_way_it_was_given() -> None:
    forward = mapping("web", "phone", [["w1", "p1"], ["w2", "p1"], ["w3", "p2"]])
    backward = mapping("phone", "web", [["p1", "w1"], ["p1", "w2"], ["p2", "w3"]])
    assert forward == backward
    assert forward.oriented("web", "phone") == (("w1", "p1"), ("w2", "p1"), ("w3", "p2"))
    assert forward.oriented("phone", "web") == (("p1", "w1"), ("p1", "w2"), ("p2", "w3"))
    with pytest.raises(ValueError, match="does not join"):
        forward.oriented("web", "app")


@pytest.mark.parametrize(
    ("from_channel", "to_channel", "pairs", "loc"),
    [
        ("web", "web", [["w1", "w2"]], ("to_channel",)),
        ("web", "app", [["w1", "x"]], ("to_channel",)),
        ("web", "phone", [], ("pairs",)),
        ("web", "phone", [["w1"]], ("pairs", 0)),
    ],
)
def test_malformed_mappings_are_refused(
    from_channel: str, to_channel: str, pairs: list[list[str]], loc: tuple[str | int, ...]
) -> None:
    with pytest.raises(InvalidConfig) as refused:
        mapping(from_channel, to_channel, pairs)
    assert loc in [p.loc for p in refused.value.problems]


def test_stale_pairs_name_nodes_a_channel_no_longer_has() -> None:
    m = mapping("web", "phone", [["w1", "p1"], ["w3", "p2"]])
    assert stale_pairs(m, {"web": ["w1", "w2"], "phone": ["p1", "p2"]}) == [("p2", "w3")]
    assert stale_pairs(m, {"web": ["w1", "w2", "w3"], "phone": ["p1", "p2"]}) == []
