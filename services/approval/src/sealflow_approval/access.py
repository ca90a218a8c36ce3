"""Who may do what in the approval service: the role tuples and the pure predicates that the router and
the use cases share, so each rule has one home. Rules that need the database (is the caller an approver
of this request?) take the answer as an argument; the use cases ask the repository only when needed.

Seeing a request decides between 404 and 403: whoever cannot see it gets 404 (its existence stays
hidden); whoever can see it but may not do the thing gets 403.
"""

from __future__ import annotations

from sealkit.auth import Principal, Role

OVERSEERS: tuple[Role, ...] = ("admin", "monitor")  # see every request, list everyone's
ADMINS: tuple[Role, ...] = ("admin",)  # add approvers to any group, delegate anyone's task
SERVICES: tuple[Role, ...] = ("service",)  # decide on an approver's behalf (the mail bridge)


def oversees(user: Principal) -> bool:
    return user.has(*OVERSEERS)


def is_admin(user: Principal) -> bool:
    return user.has(*ADMINS)


def acts_for_approvers(user: Principal) -> bool:
    """The service role decides a task on its approver's behalf (decisions by mail)."""
    return user.has(*SERVICES)


def sees_without_asking(user: Principal, applicant_id: str) -> bool:
    """The caller sees the request whoever its approvers are: its applicant, or an overseer. Anyone else
    sees it only as one of its approvers (`repository.is_approver_of`)."""
    return applicant_id == user.sub or oversees(user)


def is_cc(user: Principal, cc: list[dict[str, object]] | None) -> bool:
    """A CC recipient of a request (one opened from a definition) reads it; deciding stays the approvers'."""
    return any(c.get("id") == user.sub for c in cc or [])


def decides_own_task(user: Principal, approver_id: str, on_behalf_of: str | None) -> bool:
    """The task's approver deciding it themselves (naming nobody else)."""
    return approver_id == user.sub and on_behalf_of in (None, user.sub)


def may_delegate(user: Principal, approver_id: str) -> bool:
    return approver_id == user.sub or is_admin(user)


def may_withdraw(user: Principal, applicant_id: str) -> bool:
    return applicant_id == user.sub


# --- separation of duties: nobody approves their own request --------------------------------------

APPLICANT_IS_NO_APPROVER = "the applicant is never an approver of her own request"


def applicant_among_approvers(
    applicant_id: str, approvers_by_group: list[list[str]]
) -> list[list[str | int]]:
    """Where in a new request's body the applicant appears as an approver (each a 422 `loc`)."""
    return [
        ["body", "groups", g, "approvers", a, "id"]
        for g, approvers in enumerate(approvers_by_group)
        for a, approver_id in enumerate(approvers)
        if approver_id == applicant_id
    ]


def why_not_add_approver(
    user: Principal, *, applicant_id: str, new_approver_id: str, approves_in_group: bool
) -> tuple[str, str] | None:
    """(slug, reason) when the caller may not add `new_approver_id` to the group (加签), else None: an
    approver of that group adds someone else, or an admin does; nobody adds themselves, nor the applicant."""
    if new_approver_id == user.sub:
        return "approver-adds-self", "nobody adds themselves as an approver"
    if new_approver_id == applicant_id:
        return "applicant-as-approver", APPLICANT_IS_NO_APPROVER
    if not (approves_in_group or is_admin(user)):
        return (
            "not-an-approver-of-the-group",
            "only an approver of this group (or an admin) may add one to it",
        )
    return None


def why_not_delegate_to(user: Principal, *, applicant_id: str, to_id: str) -> tuple[str, str] | None:
    """(slug, reason) when a task may not go to `to_id`: never to the applicant, and nobody hands someone
    else's task to themselves (an admin delegating). Someone already deciding in the group is refused by
    the database (one live task per approver and group: 409)."""
    if to_id == applicant_id:
        return "applicant-as-approver", APPLICANT_IS_NO_APPROVER
    if to_id == user.sub:
        return "delegate-to-self", "nobody delegates someone else's task to themselves"
    return None
