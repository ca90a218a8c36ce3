"""Dependency aliases every orders router uses (defined with the rest of the access rules)."""

from sealflow_orders.access import Admin, Enterprise, Figures, Reviewer, Staff

__all__ = ["Admin", "Enterprise", "Figures", "Reviewer", "Staff"]
