"""File endpoints: a multipart upload read as it streams, and reads for the uploader (and reviewers)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import Response

from sealflow_orders.config import OrdersSettings
from sealflow_orders.schemas.files import FileOut
from sealflow_orders.service import files as service
from sealkit.auth import CurrentUser
from sealkit.db import DbConn, get_database
from sealkit.jsonutil import json_response
from sealkit.problems import PayloadTooLarge

router = APIRouter(prefix="/v1/files", tags=["files"])
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file itself


@router.post(
    "",
    status_code=201,
    response_model=FileOut,
    summary="Upload a file (multipart, field `file`); content_type is what the bytes are",
    responses={413: {"description": "larger than the upload cap"}},
)
async def upload(request: Request, user: CurrentUser) -> Response:
    settings: OrdersSettings = request.app.state.settings
    cap = settings.max_file_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > cap + MULTIPART_OVERHEAD:
        raise PayloadTooLarge(f"the file is larger than {cap} bytes", slug="file-too-large")
    # read (and refuse) before a transaction is open: a slow upload must not hold a connection
    received = await service.read_upload(request.headers.get("content-type"), request.stream(), max_bytes=cap)
    async with get_database(request).transaction() as conn:
        stored = await service.store_upload(conn, user=user, upload=received)
    return json_response(stored, status_code=201)


@router.get("/{file_id}", response_model=FileOut, summary="A file's description")
async def get_file(file_id: UUID, conn: DbConn, user: CurrentUser) -> FileOut:
    return await service.get_file(conn, user=user, file_id=file_id)


@router.get("/{file_id}/content", summary="A file's bytes", response_class=Response)
async def get_content(file_id: UUID, conn: DbConn, user: CurrentUser) -> Response:
    meta, data = await service.get_content(conn, user=user, file_id=file_id)
    return Response(
        data,
        media_type=meta.content_type,
        headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"},
    )
