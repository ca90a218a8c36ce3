"""The approval service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from fastapi import FastAPI

from sealflow_approval.config import ApprovalSettings
from sealflow_approval.definitions_router import router as definitions_router
from sealflow_approval.router import router
from sealflow_approval.workers import timers
from sealkit.app import create_service_app

SERVICE = "approval"


def create_app(settings: ApprovalSettings | None = None, *, database_url: str | None = None) -> FastAPI:
    return create_service_app(
        service=SERVICE,
        title="Sealflow approval",
        description="Approval requests decided by concurrent groups (all / any / quorum), combined with AND or OR.",
        settings=settings or ApprovalSettings(),
        routers=[router, definitions_router],
        workers=[timers],
        database_url=database_url,
    )
