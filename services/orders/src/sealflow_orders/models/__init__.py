"""Orders tables (SQLAlchemy Core), one module per area; every table is on this one `metadata`."""

from sealflow_orders.models.base import metadata

__all__ = ["metadata"]
