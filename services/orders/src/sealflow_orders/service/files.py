"""File use cases: a streamed, capped upload (sha256, sniffed type) and reads private to the uploader."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_orders import access
from sealflow_orders.domain.audit import inspect
from sealflow_orders.domain.files import canonical, disagreement, sniff
from sealflow_orders.repository import files as repo
from sealflow_orders.schemas.files import FileOut
from sealflow_orders.storage import STORE
from sealkit.auth import Principal
from sealkit.ids import new_id
from sealkit.problems import NotFound, PayloadTooLarge, Unprocessable
from sealkit.types import utcnow

FIELD = "file"
MAX_FILENAME = 255


@dataclass
class Upload:
    filename: str
    declared_type: str | None
    data: bytes


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


async def read_upload(content_type: str | None, chunks: AsyncIterator[bytes], *, max_bytes: int) -> Upload:
    """Parse a multipart body as it streams in and keep only the `file` field's bytes, refusing with 413
    the moment they pass `max_bytes` (the rest of the body is never read)."""
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise Unprocessable(
            "send the file as multipart/form-data in a field named 'file'", slug="not-multipart"
        )
    parts: list[_Part] = []
    current = _Part()
    header_field = bytearray()
    header_value = bytearray()
    too_large = False

    def on_part_begin() -> None:
        nonlocal current
        current = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        # latin-1 keeps every byte; a UTF-8 file name is decoded from those bytes below
        current.headers[header_field.decode("latin-1").lower()] = header_value.decode("latin-1")
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(current.headers.get("content-disposition", ""))
        name = disposition.get(b"name")
        current.name = name.decode("utf-8", "replace") if name else None
        filename = disposition.get(b"filename")
        current.filename = filename.decode("utf-8", "replace") if filename is not None else None

    def on_part_data(data: bytes, start: int, end: int) -> None:
        nonlocal too_large
        if current.name != FIELD:
            return  # other fields are ignored, and not kept
        current.data.extend(data[start:end])
        if len(current.data) > max_bytes:
            too_large = True

    def on_part_end() -> None:
        parts.append(current)

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    async for chunk in chunks:
        parser.write(chunk)
        if too_large:
            raise PayloadTooLarge(f"the file is larger than {max_bytes} bytes", slug="file-too-large")
    parser.finalize()
    found = [p for p in parts if p.name == FIELD and p.filename is not None]
    if not found:
        raise Unprocessable("no file in the field named 'file'", slug="no-file")
    part = found[0]
    filename = (part.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:MAX_FILENAME] or "upload"
    declared = part.headers.get("content-type")
    return Upload(filename=filename, declared_type=canonical(declared) or None, data=bytes(part.data))


@dataclass(frozen=True)
class Examined:
    """An upload whose bytes were sniffed and whose content was inspected (before any transaction)."""

    upload: Upload
    content_type: str
    inspection: dict[str, Any] | None


async def examine(upload: Upload) -> Examined:
    """Sniff the type (it must agree with the declared type and the name) and inspect the content once:
    parsing is CPU work, done off the event loop and outside the transaction."""
    if not upload.data:
        raise Unprocessable("the file is empty", slug="empty-file")
    sniffed = sniff(upload.data[:8192])
    problem = disagreement(sniffed=sniffed, declared=upload.declared_type, filename=upload.filename)
    if problem:
        raise Unprocessable(problem, slug="type-mismatch")
    inspection = await asyncio.to_thread(inspect, sniffed, upload.data)
    return Examined(upload=upload, content_type=sniffed, inspection=inspection)


async def store_upload(conn: AsyncConnection, *, user: Principal, examined: Examined) -> FileOut:
    upload = examined.upload
    file_id = new_id()
    values = {
        "id": file_id,
        "owner_id": user.sub,
        "filename": upload.filename,
        "declared_type": upload.declared_type,
        "content_type": examined.content_type,
        "size": len(upload.data),
        "sha256": hashlib.sha256(upload.data).hexdigest(),
        "inspection": examined.inspection,
        "created_at": utcnow(),
    }
    await repo.insert_file(conn, values)
    await STORE.put(conn, file_id, upload.data)
    return FileOut.model_validate(values)


async def _readable(conn: AsyncConnection, user: Principal, file_id: UUID) -> FileOut:
    row = await repo.get_file(conn, file_id)
    if row is None:
        raise NotFound("file not found")
    in_review = row.owner_id != user.sub and access.reviews(user) and await repo.used_in_review(conn, file_id)
    if not access.may_read_file(user, owner_id=row.owner_id, used_in_review=in_review):
        raise NotFound("file not found")
    return FileOut.model_validate(row, from_attributes=True)


async def get_file(conn: AsyncConnection, *, user: Principal, file_id: UUID) -> FileOut:
    return await _readable(conn, user, file_id)


async def get_content(conn: AsyncConnection, *, user: Principal, file_id: UUID) -> tuple[FileOut, bytes]:
    meta = await _readable(conn, user, file_id)
    data = await STORE.get(conn, file_id)
    if data is None:
        raise NotFound("file content not found")
    return meta, data
