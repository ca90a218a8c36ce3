"""Stage progression as pure functions (domain.stages): the plan for a form, which stage opens next, who
approves once roles resolve, and what each stage shows."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sealflow_approval.domain.conditions import evaluate
from sealflow_approval.domain.stages import (
    LEFT_OUT_BY_CONDITION,
    included_groups,
    next_stage,
    plan_stages,
    resolve_approvers,
    resolve_group,
    stage_status,
)

conditions = st.one_of(
    st.none(),
    st.builds(lambda v: {"field": "amount", "op": ">=", "value": v}, st.integers(0, 20)),
    st.builds(lambda v: {"not": {"field": "amount", "op": "<", "value": v}}, st.integers(0, 20)),
)
groups = st.builds(
    lambda n, when: {"name": f"g{n}", "mode": "all", "approvers": [{"user": f"u{n}"}], "when": when},
    st.integers(0, 5),
    conditions,
)
definitions = st.lists(
    st.builds(
        lambda i, gs: {"name": f"s{i}", "combine": "all", "groups": gs},
        st.integers(0, 9),
        st.lists(groups, min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=5,
)
forms = st.builds(lambda a: {"amount": a}, st.integers(0, 20))


@given(definitions, forms)
def test_a_group_is_left_out_exactly_when_its_condition_is_false(
    stages: list[dict[str, Any]], form: dict[str, Any]
) -> None:
    plan = plan_stages(stages, form)
    for planned, defined in zip(plan, stages, strict=True):
        for g, d in zip(planned["groups"], defined["groups"], strict=True):
            assert (g["left_out"] is None) is evaluate(d["when"], form)
            assert g["left_out"] in (None, LEFT_OUT_BY_CONDITION)


@given(definitions, forms)
def test_walking_the_stages_visits_every_stage_with_a_group_left_once_in_order(
    stages: list[dict[str, Any]], form: dict[str, Any]
) -> None:
    plan = plan_stages(stages, form)
    visited, at = [], next_stage(plan, -1)
    while at is not None:
        visited.append(at)
        at = next_stage(plan, at)
    assert visited == [i for i, s in enumerate(plan) if included_groups(s)]


@given(definitions, forms, st.sampled_from(["pending", "approved", "rejected", "withdrawn"]))
def test_each_stage_shows_one_status_and_skipped_ones_stay_skipped(
    stages: list[dict[str, Any]], form: dict[str, Any], request_status: str
) -> None:
    plan = plan_stages(stages, form)
    current = next_stage(plan, -1)
    if current is None:
        return
    shown = [stage_status(i, plan, current, request_status) for i in range(len(plan))]
    for i, status in enumerate(shown):
        if not included_groups(plan[i]):
            assert status == "skipped"
        elif i < current:
            assert status == "approved"
        elif i > current:
            assert status == ("waiting" if request_status == "pending" else "cancelled")
    expected = {
        "pending": "pending",
        "approved": "approved",
        "rejected": "rejected",
        "withdrawn": "cancelled",
    }
    assert shown[current] == expected[request_status]


people = st.sampled_from(["ann", "bob", "cat", "dan", "eve"])


@given(
    st.lists(
        st.one_of(
            st.builds(lambda u: {"user": u}, people),
            st.builds(lambda r: {"role": r}, st.sampled_from(["fin", "ops", "none"])),
        )
    ),
    st.dictionaries(st.sampled_from(["fin", "ops"]), st.lists(people.map(lambda p: {"id": p}), max_size=4)),
    people,
)
def test_resolving_names_each_person_once_in_order_and_never_the_applicant(
    refs: list[dict[str, Any]], roles: dict[str, list[dict[str, Any]]], applicant: str
) -> None:
    approvers, applicant_seen = resolve_approvers(refs, roles, applicant)
    ids = [a["id"] for a in approvers]
    named: list[str] = []
    for ref in refs:
        named += [ref["user"]] if "user" in ref else [m["id"] for m in roles.get(ref["role"], [])]
    assert ids == list(dict.fromkeys(p for p in named if p != applicant))
    assert applicant_seen is (applicant in named)


def test_a_group_left_empty_or_short_of_its_quorum_says_so() -> None:
    roles = {"fin": [{"id": "ann"}, {"id": "bob"}]}
    alone = resolve_group(
        {"name": "fin", "mode": "all", "approvers": [{"role": "fin"}]}, {"fin": [{"id": "ann"}]}, "ann"
    )
    assert alone.problem == "group 'fin' has no approver left once the applicant is left out"
    short = resolve_group(
        {"name": "q", "mode": "quorum", "min_approvals": 2, "approvers": [{"role": "fin"}]}, roles, "ann"
    )
    assert short.problem == "group 'q' needs 2 approvals but has only 1 approver(s)"
    fine = resolve_group(
        {"name": "q", "mode": "quorum", "min_approvals": 2, "approvers": [{"role": "fin"}]}, roles, "cat"
    )
    assert fine.problem is None and [a["id"] for a in fine.approvers] == ["ann", "bob"]
