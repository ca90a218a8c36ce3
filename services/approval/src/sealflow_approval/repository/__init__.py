"""Every approval query: the decision hot path (decision.py), the request's writers (writes.py), the reads."""

from sealflow_approval.repository.decision import decide_at_once
from sealflow_approval.repository.reads import (
    approves_in_group,
    due_deadlines,
    due_reminders,
    get_group,
    get_request,
    groups_and_tasks,
    inbox,
    is_approver_of,
    list_requests,
    timeline,
)
from sealflow_approval.repository.writes import (
    TASK_OUT,
    cancel_everything_pending,
    cancel_task,
    close_group,
    count_on_group,
    grow_group,
    lock_request,
    lock_request_of_task,
    record_decision,
    reschedule_reminder,
    update_request,
)

__all__ = [
    "TASK_OUT",
    "approves_in_group",
    "cancel_everything_pending",
    "cancel_task",
    "close_group",
    "count_on_group",
    "decide_at_once",
    "due_deadlines",
    "due_reminders",
    "get_group",
    "get_request",
    "groups_and_tasks",
    "grow_group",
    "inbox",
    "is_approver_of",
    "list_requests",
    "lock_request",
    "lock_request_of_task",
    "record_decision",
    "reschedule_reminder",
    "timeline",
    "update_request",
]
