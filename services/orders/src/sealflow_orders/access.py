"""Who may do what in orders: role sets and pure predicates, used by routers and services.

Enterprise users act for the enterprises they belong to (by registration, or by the token's
`enterprise_id` claim); staff handle orders; monitors read lists and figures; admins run the catalogue
and review enterprises. Nothing here does I/O: membership is looked up by the caller and passed in.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Literal

from fastapi import Depends

from sealkit.auth import Principal, Role, require_roles

ADMIN: tuple[Literal["admin"]] = ("admin",)
STAFF: tuple[Literal["staff"], Literal["admin"]] = ("staff", "admin")
# who sees every enterprise's orders and applications
OVERSEERS: tuple[Role, ...] = ("staff", "monitor", "admin")
REVIEWERS: tuple[Role, ...] = ("staff", "admin")
FIGURES: tuple[Literal["monitor"], Literal["admin"]] = ("monitor", "admin")


def claims_enterprise(user: Principal, enterprise_id: object) -> bool:
    """The token itself names the enterprise (an identity provider that knows the membership)."""
    return user.enterprise_id is not None and user.enterprise_id == str(enterprise_id)


def is_member(user: Principal, enterprise_id: object, member_ids: Collection[str]) -> bool:
    return claims_enterprise(user, enterprise_id) or user.sub in member_ids


def may_read_enterprise(user: Principal, *, member: bool) -> bool:
    return member or user.has(*REVIEWERS)


def may_apply(user: Principal, *, member: bool, enterprise_status: str) -> bool:
    """Only members of a verified enterprise apply; staff act on an applicant's behalf elsewhere."""
    return member and enterprise_status == "verified"


def may_read_order(user: Principal, *, member: bool) -> bool:
    return member or user.has(*OVERSEERS)


def may_handle_order(user: Principal, *, approver_ids: Collection[str]) -> bool:
    """Staff handle orders, but never one they are an approver of: approving and handling stay apart."""
    return user.has(*STAFF) and user.sub not in approver_ids


def may_read_file(user: Principal, *, owner_id: str, used_in_review: bool) -> bool:
    """Files are private to their uploader, and to staff/admin reviewing an application that uses them."""
    return user.sub == owner_id or (used_in_review and user.has(*REVIEWERS))


def sees_internal_notes(user: Principal) -> bool:
    return user.has(*OVERSEERS)


def reviews(user: Principal) -> bool:
    """Staff and admins review submissions (and may supplement one on the applicant's behalf)."""
    return user.has(*REVIEWERS)


def oversees(user: Principal) -> bool:
    """Staff, monitors and admins see every enterprise's orders and applications."""
    return user.has(*OVERSEERS)


def is_enterprise_user(user: Principal) -> bool:
    return user.has("enterprise")


def may_move_process(user: Principal, *, applicant_id: str) -> bool:
    """An order's process is moved by its applicant or by staff."""
    return user.sub == applicant_id or user.has(*STAFF)


# the routers' dependencies: who may call an endpoint at all
Admin = Annotated[Principal, Depends(require_roles(*ADMIN))]
Staff = Annotated[Principal, Depends(require_roles(*STAFF))]
Figures = Annotated[Principal, Depends(require_roles(*FIGURES))]
Enterprise = Annotated[Principal, Depends(require_roles("enterprise"))]
Reviewer = Annotated[Principal, Depends(require_roles(*REVIEWERS))]
