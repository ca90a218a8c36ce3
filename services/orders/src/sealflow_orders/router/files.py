"""File endpoints: a multipart upload read as it streams, and reads for the uploader (and reviewers)."""

from __future__ import annotations

import hashlib
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from sealflow_orders.config import OrdersSettings
from sealflow_orders.schemas.files import FileOut
from sealflow_orders.service import files as service
from sealkit.auth import CurrentUser
from sealkit.db import DbConn, get_database
from sealkit.idempotency import idempotent
from sealkit.problems import PayloadTooLarge

router = APIRouter(prefix="/v1/files", tags=["files"])
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file itself


class UploadFingerprint(BaseModel):
    """What makes two uploads under one Idempotency-Key the same request."""

    sha256: str
    filename: str
    declared_type: str | None


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
    examined = await service.examine(received)
    fingerprint = UploadFingerprint(
        sha256=hashlib.sha256(received.data).hexdigest(),
        filename=received.filename,
        declared_type=received.declared_type,
    )
    async with get_database(request).transaction() as conn:
        return await idempotent(
            conn, request, user, fingerprint, lambda: service.store_upload(conn, user=user, examined=examined)
        )


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
