"""Orders tables (SQLAlchemy Core), one module per area; every table is on this one `metadata`."""

from sealflow_orders.models.applications import application_events, applications
from sealflow_orders.models.base import metadata
from sealflow_orders.models.catalog import categories, item_versions, items
from sealflow_orders.models.enterprises import enterprise_members, enterprises
from sealflow_orders.models.files import file_blobs, files
from sealflow_orders.models.orders import deliveries, order_counters, order_progress, orders

__all__ = [
    "application_events",
    "applications",
    "categories",
    "deliveries",
    "enterprise_members",
    "enterprises",
    "file_blobs",
    "files",
    "item_versions",
    "items",
    "metadata",
    "order_counters",
    "order_progress",
    "orders",
]
