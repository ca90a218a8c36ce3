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


def decides_own_task(user: Principal, approver_id: str, on_behalf_of: str | None) -> bool:
    """The task's approver deciding it themselves (naming nobody else)."""
    return approver_id == user.sub and on_behalf_of in (None, user.sub)


def may_delegate(user: Principal, approver_id: str) -> bool:
    return approver_id == user.sub or is_admin(user)


def may_withdraw(user: Principal, applicant_id: str) -> bool:
    return applicant_id == user.sub
