"""Wire models that cross a service boundary; producer and consumer validate the same schema."""

from sealkit.contracts.base import Contract, Event

__all__ = ["Contract", "Event"]
