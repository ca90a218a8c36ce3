"""Orders tables (SQLAlchemy Core), one module per area; every table is on this one `metadata`."""

from sealflow_orders.models.applications import application_events, applications
from sealflow_orders.models.base import metadata
from sealflow_orders.models.catalog import categories, item_versions, items
from sealflow_orders.models.enterprises import enterprise_members, enterprises
from sealflow_orders.models.extras import favorites, premises, suggestions
from sealflow_orders.models.files import file_blobs, files
from sealflow_orders.models.orders import deliveries, order_counters, order_progress, orders
from sealflow_orders.models.processes import order_processes, process_versions
from sealflow_orders.models.slots import appointment_days, appointments, notifications, reminders, slots

__all__ = [
    "application_events",
    "applications",
    "appointment_days",
    "appointments",
    "categories",
    "deliveries",
    "enterprise_members",
    "enterprises",
    "favorites",
    "file_blobs",
    "files",
    "item_versions",
    "items",
    "metadata",
    "notifications",
    "order_counters",
    "order_processes",
    "order_progress",
    "orders",
    "premises",
    "process_versions",
    "reminders",
    "slots",
    "suggestions",
]
