"""Which service produces each event type: a receiver accepts an event only from its producer."""

from __future__ import annotations

from collections.abc import Mapping

from sealkit.contracts import approval, orders, ticketing

PRODUCERS: Mapping[str, frozenset[str]] = {
    approval.TASK_CREATED: frozenset({"approval"}),
    approval.TASK_REMINDER: frozenset({"approval"}),
    approval.REQUEST_DECIDED: frozenset({"approval"}),
    ticketing.TICKET_REQUESTED: frozenset({"orders"}),
    ticketing.TICKET_CALLBACK: frozenset({"ticketing"}),
    ticketing.TICKET_CALLBACK_REPORTED: frozenset({"ticketing"}),
    ticketing.TICKET_RESOLVED: frozenset({"ticketing"}),
    ticketing.TICKET_OVERDUE: frozenset({"ticketing"}),
    ticketing.TICKET_FEEDBACK: frozenset({"ticketing"}),
    orders.ORDER_REMINDER: frozenset({"orders"}),
}
