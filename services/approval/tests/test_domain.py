"""The outcome rules, checked against an independent oracle for any groups and any order of decisions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealflow_approval.domain import (
    Combine,
    Decision,
    GroupMode,
    Outcome,
    Tally,
    group_outcome,
    request_outcome,
    validate_group,
)

from .request_model import GroupModel, RequestModel, pending_tasks


@dataclass(frozen=True)
class GroupSpec:
    mode: GroupMode
    size: int
    min_approvals: int | None


def oracle_group(spec: GroupSpec, approved: int, rejected: int) -> Outcome:
    """The rule as docs/api.md words it, from the counts of decided tasks only."""
    undecided = spec.size - approved - rejected
    if spec.mode == "all":
        if rejected:
            return "rejected"
        return "approved" if approved == spec.size else "pending"
    if spec.mode == "any":
        if approved:
            return "approved"
        return "rejected" if rejected == spec.size else "pending"
    assert spec.min_approvals is not None
    if approved >= spec.min_approvals:
        return "approved"
    return "rejected" if approved + undecided < spec.min_approvals else "pending"


def oracle_request(combine: Combine, outcomes: list[Outcome]) -> Outcome:
    if combine == "all":
        if "rejected" in outcomes:
            return "rejected"
        return "approved" if all(o == "approved" for o in outcomes) else "pending"
    if "approved" in outcomes:
        return "approved"
    return "rejected" if all(o == "rejected" for o in outcomes) else "pending"


@st.composite
def group_specs(draw: st.DrawFn) -> GroupSpec:
    mode: GroupMode = draw(st.sampled_from(["all", "any", "quorum"]))
    size = draw(st.integers(1, 5))
    n = draw(st.integers(1, size)) if mode == "quorum" else None
    return GroupSpec(mode, size, n)


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[Combine, list[GroupSpec], list[tuple[int, int, Decision]]]:
    combine: Combine = draw(st.sampled_from(["all", "any"]))
    specs = draw(st.lists(group_specs(), min_size=1, max_size=5))
    slots = [(gi, ti) for gi, spec in enumerate(specs) for ti in range(spec.size)]
    order = draw(st.permutations(slots))
    # some tasks are decided again later: those repeats must always be refused
    repeats = draw(st.lists(st.sampled_from(slots), max_size=4))
    decisions: list[Decision] = ["approve", "reject"]
    steps = [(gi, ti, draw(st.sampled_from(decisions))) for gi, ti in [*order, *repeats]]
    return combine, specs, steps


def model_of(combine: Combine, specs: list[GroupSpec]) -> RequestModel:
    return RequestModel(
        combine,
        [GroupModel(s.mode, ["pending"] * s.size, s.min_approvals) for s in specs],
    )


@settings(max_examples=400)
@given(scenarios())
def test_outcome_matches_the_oracle_at_every_step(
    scenario: tuple[Combine, list[GroupSpec], list[tuple[int, int, Decision]]],
) -> None:
    combine, specs, steps = scenario
    model = model_of(combine, specs)
    approved = [0] * len(specs)
    rejected = [0] * len(specs)
    decided: dict[tuple[int, int], str] = {}
    settled_at: int | None = None

    for step, (gi, ti, decision) in enumerate(steps):
        group_before = oracle_group(specs[gi], approved[gi], rejected[gi])
        request_before = oracle_request(
            combine, [oracle_group(s, approved[i], rejected[i]) for i, s in enumerate(specs)]
        )
        should_accept = request_before == "pending" and group_before == "pending" and (gi, ti) not in decided
        accepted = model.decide(gi, ti, decision)
        assert accepted == should_accept, (step, gi, ti, decision)
        if not accepted:
            continue
        decided[gi, ti] = "approved" if decision == "approve" else "rejected"
        approved[gi] += decision == "approve"
        rejected[gi] += decision == "reject"

        outcomes = [oracle_group(s, approved[i], rejected[i]) for i, s in enumerate(specs)]
        expected = oracle_request(combine, outcomes)
        assert model.status == expected
        if expected != "pending" and settled_at is None:
            settled_at = step
        for i, group in enumerate(model.groups):
            if outcomes[i] != "pending":
                assert group.status == outcomes[i]
            else:
                assert group.status == ("pending" if expected == "pending" else "cancelled")
            for t, status in enumerate(group.tasks):
                if (i, t) in decided:
                    assert status == decided[i, t]
                elif outcomes[i] != "pending" or expected != "pending":
                    assert status == "cancelled"  # the cascade of a decided group or request
                else:
                    assert status == "pending"

    # the first decision the oracle calls settling is the one where the model settled
    if settled_at is not None:
        accepted_history = model.history
        first_final = next(i for i, s in enumerate(accepted_history) if s != "pending")
        assert all(s == accepted_history[first_final] for s in accepted_history[first_final:])
        assert list(pending_tasks(model)) == []
        assert all(g.status != "pending" for g in model.groups)
    else:
        # every task was decided at least once and nothing settled: impossible, the rules always settle
        pytest.fail(f"a request with every task decided stayed pending: {combine} {specs}")


@settings(max_examples=300)
@given(scenarios())
def test_a_decided_request_never_changes(
    scenario: tuple[Combine, list[GroupSpec], list[tuple[int, int, Decision]]],
) -> None:
    combine, specs, steps = scenario
    model = model_of(combine, specs)
    final = None
    for gi, ti, decision in steps:
        before = [list(g.tasks) for g in model.groups], [g.status for g in model.groups]
        accepted = model.decide(gi, ti, decision)
        if final is not None:
            assert not accepted
            assert model.status == final
            assert ([list(g.tasks) for g in model.groups], [g.status for g in model.groups]) == before
        elif model.status != "pending":
            final = model.status
    assert final is not None


@settings(max_examples=200)
@given(
    st.sampled_from(["all", "any"]),
    st.lists(group_specs(), min_size=1, max_size=5),
    st.sampled_from(["approved", "rejected", "withdrawn"]),
)
def test_finishing_a_request_cancels_everything_still_pending(
    combine: Combine, specs: list[GroupSpec], status: str
) -> None:
    model = model_of(combine, specs)
    model.finish(status)  # type: ignore[arg-type]  # sampled from the Literal's values
    assert model.status == status
    assert all(g.status == "cancelled" for g in model.groups)
    assert all(t == "cancelled" for g in model.groups for t in g.tasks)
    assert not model.decide(0, 0, "approve")


@given(group_specs(), st.data())
def test_group_outcome_agrees_with_the_oracle_on_every_tally(spec: GroupSpec, data: st.DataObject) -> None:
    approved = data.draw(st.integers(0, spec.size))
    rejected = data.draw(st.integers(0, spec.size - approved))
    got = group_outcome(spec.mode, Tally(spec.size, approved, rejected), spec.min_approvals)
    assert got == oracle_group(spec, approved, rejected)


# --- table-driven examples of each rule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "size", "n", "decisions", "expected"),
    [
        ("all", 3, None, ["approve", "approve"], "pending"),
        ("all", 3, None, ["approve", "approve", "approve"], "approved"),
        ("all", 3, None, ["reject"], "rejected"),
        ("all", 3, None, ["approve", "reject"], "rejected"),
        ("any", 3, None, ["approve"], "approved"),
        ("any", 3, None, ["reject", "reject"], "pending"),
        ("any", 3, None, ["reject", "reject", "approve"], "approved"),
        ("any", 3, None, ["reject", "reject", "reject"], "rejected"),
        ("quorum", 3, 2, ["approve"], "pending"),
        ("quorum", 3, 2, ["approve", "approve"], "approved"),
        ("quorum", 3, 2, ["reject", "approve"], "pending"),
        # 2 of 3 can no longer be reached after two rejections, though one task is still pending
        ("quorum", 3, 2, ["reject", "reject"], "rejected"),
        ("quorum", 4, 3, ["reject"], "pending"),
        ("quorum", 4, 3, ["reject", "reject"], "rejected"),
        ("quorum", 5, 1, ["reject"] * 4, "pending"),
        ("quorum", 5, 1, ["reject"] * 5, "rejected"),
        ("quorum", 5, 5, ["reject"], "rejected"),
    ],
)
def test_group_rule_examples(
    mode: GroupMode, size: int, n: int | None, decisions: list[Decision], expected: Outcome
) -> None:
    tally = Tally(size)
    for decision in decisions:
        tally = tally.add(decision)
    assert group_outcome(mode, tally, n) == expected


@pytest.mark.parametrize(
    ("combine", "groups", "expected"),
    [
        ("all", ("approved", "approved"), "approved"),
        ("all", ("approved", "pending"), "pending"),
        ("all", ("pending", "rejected"), "rejected"),
        ("any", ("pending", "approved"), "approved"),
        ("any", ("rejected", "pending"), "pending"),
        ("any", ("rejected", "rejected"), "rejected"),
    ],
)
def test_request_rule_examples(combine: Combine, groups: tuple[str, str], expected: Outcome) -> None:
    tally = Tally(len(groups), groups.count("approved"), groups.count("rejected"))
    assert request_outcome(combine, tally) == expected


def test_a_decided_group_cancels_its_pending_tasks_but_leaves_other_groups_alone() -> None:
    model = RequestModel("all", [GroupModel("any", ["pending"] * 3), GroupModel("all", ["pending"] * 2)])
    assert model.decide(0, 1, "approve")
    assert model.groups[0].status == "approved"
    assert model.groups[0].tasks == ["cancelled", "approved", "cancelled"]
    assert model.groups[1].tasks == ["pending", "pending"]
    assert model.status == "pending"
    assert not model.decide(0, 0, "approve")  # cancelled: refused
    assert model.decide(1, 0, "reject")
    assert (model.status, model.groups[1].tasks) == ("rejected", ["rejected", "cancelled"])


@pytest.mark.parametrize(
    ("mode", "approvers", "n", "problem"),
    [
        ("all", [], None, "at least one approver"),
        ("any", ["a", "b", "a"], None, "at most once"),
        ("quorum", ["a", "b"], None, "needs min_approvals"),
        ("quorum", ["a", "b"], 0, "between 1 and"),
        ("quorum", ["a", "b"], 3, "between 1 and"),
        ("all", ["a", "b"], 1, "only to quorum"),
        ("any", ["a"], 1, "only to quorum"),
    ],
)
def test_validate_group_refuses(mode: GroupMode, approvers: list[str], n: int | None, problem: str) -> None:
    message = validate_group(mode, approvers, n)
    assert message is not None
    assert problem in message


@pytest.mark.parametrize(
    ("mode", "approvers", "n"),
    [("all", ["a"], None), ("any", ["a", "b"], None), ("quorum", ["a", "b"], 1), ("quorum", ["a", "b"], 2)],
)
def test_validate_group_accepts(mode: GroupMode, approvers: list[str], n: int | None) -> None:
    assert validate_group(mode, approvers, n) is None
