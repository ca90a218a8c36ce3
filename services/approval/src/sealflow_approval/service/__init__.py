"""Approval use cases. They run inside the caller's transaction (or one hot statement) and never commit."""

from sealflow_approval.service.common import SYSTEM_ACTOR
from sealflow_approval.service.decisions import decide, decide_at_once, delegate
from sealflow_approval.service.requests import (
    add_approver,
    create_request,
    create_request_at_once,
    get_request_view,
    get_timeline,
    withdraw,
)
from sealflow_approval.service.timers import apply_deadlines, send_reminders

__all__ = [
    "SYSTEM_ACTOR",
    "add_approver",
    "apply_deadlines",
    "create_request",
    "create_request_at_once",
    "decide",
    "decide_at_once",
    "delegate",
    "get_request_view",
    "get_timeline",
    "send_reminders",
    "withdraw",
]
