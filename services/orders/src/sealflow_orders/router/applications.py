"""Application endpoints: submit, resubmit (the applicant, or staff on the applicant's behalf), read."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Request
from starlette.responses import Response

from sealflow_orders.domain.messages import language
from sealflow_orders.schemas.applications import ApplicationIn, ApplicationOut, ResubmitIn
from sealflow_orders.service import applications as service
from sealflow_orders.service.context import Context
from sealkit.app import RuntimeDep
from sealkit.auth import CurrentUser
from sealkit.db import DbConn
from sealkit.idempotency import idempotent

router = APIRouter(prefix="/v1/applications", tags=["applications"])
AcceptLanguage = Annotated[
    str | None, Header(description="zh for reasons in Chinese, en (default) in English")
]


@router.post(
    "",
    status_code=201,
    response_model=ApplicationOut,
    summary="Apply for an item: audited at once; accepted becomes an order, returned lists every problem",
)
async def submit(
    body: ApplicationIn,
    request: Request,
    conn: DbConn,
    runtime: RuntimeDep,
    user: CurrentUser,
    accept_language: AcceptLanguage = None,
) -> Response:
    ctx, lang = Context.of(runtime), language(accept_language)
    return await idempotent(
        conn, request, user, body, lambda: service.submit(conn, ctx, user=user, body=body, lang=lang)
    )


@router.put("/{application_id}", response_model=ApplicationOut, summary="Resubmit a returned application")
async def resubmit(
    application_id: UUID,
    body: ResubmitIn,
    conn: DbConn,
    runtime: RuntimeDep,
    user: CurrentUser,
    accept_language: AcceptLanguage = None,
) -> ApplicationOut:
    return await service.resubmit(
        conn, Context.of(runtime), user=user, application_id=application_id, body=body,
        lang=language(accept_language),
    )  # fmt: skip


@router.get(
    "/{application_id}", response_model=ApplicationOut, summary="An application and its audit history"
)
async def get_application(
    application_id: UUID, conn: DbConn, user: CurrentUser, accept_language: AcceptLanguage = None
) -> ApplicationOut:
    return await service.get(conn, user=user, application_id=application_id, lang=language(accept_language))
