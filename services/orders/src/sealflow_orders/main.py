"""The orders service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from fastapi import FastAPI

from sealflow_orders.config import OrdersSettings
from sealflow_orders.router import ROUTERS
from sealkit.app import create_service_app

SERVICE = "orders"


def create_app(settings: OrdersSettings | None = None, *, database_url: str | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        title="Sealflow orders",
        description="The enterprise-service platform: catalogue, verified enterprises, applications with "
        "an automatic audit of form and materials, business orders approved, dispatched and followed to "
        "the end.",
        settings=settings or OrdersSettings(),
        routers=ROUTERS,
        database_url=database_url,
    )
