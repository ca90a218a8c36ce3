"""Ticketing use cases. They run inside the caller's transaction and never commit."""

from sealflow_ticketing.service.agents import agent_kpis, list_agents, set_availability, type_kpis
from sealflow_ticketing.service.intake import (
    create_ticket,
    create_ticket_at_once,
    create_type,
    on_callback_delivery,
    on_ticket_requested,
    update_type,
)
from sealflow_ticketing.service.timers import dispatch_round, expire_locks, flag_overdue
from sealflow_ticketing.service.views import get_ticket, get_timeline, list_tickets
from sealflow_ticketing.service.work import (
    assign,
    claim,
    claim_at_once,
    feedback,
    handoff,
    lock,
    post_result,
    post_result_at_once,
    unlock,
)

__all__ = [
    "agent_kpis",
    "assign",
    "claim",
    "claim_at_once",
    "create_ticket",
    "create_ticket_at_once",
    "create_type",
    "dispatch_round",
    "expire_locks",
    "feedback",
    "flag_overdue",
    "get_ticket",
    "get_timeline",
    "handoff",
    "list_agents",
    "list_tickets",
    "lock",
    "on_callback_delivery",
    "on_ticket_requested",
    "post_result",
    "post_result_at_once",
    "set_availability",
    "type_kpis",
    "unlock",
    "update_type",
]
