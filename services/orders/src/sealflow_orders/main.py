"""The orders service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from fastapi import FastAPI

from sealflow_orders.config import OrdersSettings
from sealflow_orders.events import EVENT_HANDLERS
from sealflow_orders.router import ROUTERS
from sealflow_orders.router.files import MULTIPART_OVERHEAD
from sealflow_orders.workers import WORKERS
from sealkit.app import create_service_app

SERVICE = "orders"


def create_app(settings: OrdersSettings | None = None, *, database_url: str | None = None) -> FastAPI:
    settings = settings or OrdersSettings()
    # uploads are capped by max_file_bytes while they stream (router/files.py); the suite-wide body cap
    # must let such a file through to that check
    floor = settings.max_file_bytes + MULTIPART_OVERHEAD
    if settings.max_body_bytes < floor:
        settings = settings.model_copy(update={"max_body_bytes": floor})
    return create_service_app(
        service=SERVICE,
        title="Sealflow orders",
        description="The enterprise-service platform: catalogue, verified enterprises, applications with "
        "an automatic audit of form and materials, business orders approved, dispatched and followed to "
        "the end.",
        settings=settings,
        routers=ROUTERS,
        event_handlers=EVENT_HANDLERS,
        workers=WORKERS,
        database_url=database_url,
    )
