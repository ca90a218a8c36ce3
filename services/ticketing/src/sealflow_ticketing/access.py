"""Who may do what in the ticketing service: the role tuples, the pure predicates and the role-gated
caller types that the router and the use cases share, so each rule has one home.

Seeing a ticket decides between 404 and 403: whoever cannot see it gets 404 (its existence stays
hidden); whoever can see it but may not do the thing gets 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from sealkit.auth import Principal, Role, require_roles

ADMINS: tuple[Role, ...] = ("admin",)  # ticket types
AGENTS: tuple[Role, ...] = ("agent",)  # claim from the pool, say when they take dispatched tickets
SUPERVISORS: tuple[Role, ...] = ("supervisor", "admin")  # assign tickets, break other people's locks
OVERSEERS: tuple[Role, ...] = ("supervisor", "monitor", "admin")  # agents' loads and the KPIs
ALL_SEEING: tuple[Role, ...] = (*OVERSEERS, "service")  # see every ticket
ON_BEHALF: tuple[Role, ...] = ("service", "staff", "supervisor", "admin")  # open a ticket for someone else
SERVICES: tuple[Role, ...] = ("service",)  # give feedback for the requester (the service that asked)

Admin = Annotated[Principal, Depends(require_roles(*ADMINS))]
Agent = Annotated[Principal, Depends(require_roles(*AGENTS))]
Supervisor = Annotated[Principal, Depends(require_roles(*SUPERVISORS))]
Overseer = Annotated[Principal, Depends(require_roles(*OVERSEERS))]


def sees_every_ticket(user: Principal) -> bool:
    return user.has(*ALL_SEEING)


def is_agent(user: Principal) -> bool:
    return user.has(*AGENTS)


def may_view(user: Principal, *, requester_id: str, assignee: str | None, resolved_by: str | None,
             status: str) -> bool:  # fmt: skip
    """Overseers and services see every ticket; agents the pool and what they hold or held; requesters theirs."""
    if sees_every_ticket(user) or user.sub in (requester_id, assignee, resolved_by):
        return True
    return is_agent(user) and status == "queued"


def may_open_for(user: Principal, requester_id: str) -> bool:
    return requester_id == user.sub or user.has(*ON_BEHALF)


def may_unlock(user: Principal, assignee: str | None) -> bool:
    """The assignee unlocks; a supervisor breaks anyone's lock."""
    return assignee == user.sub or user.has(*SUPERVISORS)


def may_give_feedback(user: Principal, requester_id: str) -> bool:
    return requester_id == user.sub or user.has(*SERVICES)
