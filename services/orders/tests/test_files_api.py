"""Uploads: streamed with a cap, sha256, the sniffed type, agreement of type, bytes and name, privacy."""

from __future__ import annotations

import hashlib

import httpx
from fastapi import FastAPI

from sealkit.testing import asgi_client, auth, started, unique

from .conftest import make_settings
from .helpers import STAFF, is_problem, upload
from .samples import pdf, png

OWNER = auth("uploader-1", "enterprise")


async def test_upload_records_hash_size_and_the_sniffed_type(client: httpx.AsyncClient) -> None:
    data = pdf(2)
    response = await upload(client, OWNER, data, "申请书.pdf", "application/octet-stream")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["size"] == len(data)
    assert body["content_type"] == "application/pdf" and body["filename"] == "申请书.pdf"
    content = await client.get(f"/v1/files/{body['id']}/content", headers=OWNER)
    assert content.status_code == 200 and content.content == data
    assert content.headers["content-type"] == "application/pdf"


async def test_declared_type_name_and_bytes_must_agree(client: httpx.AsyncClient) -> None:
    cases = [
        (png(), "scan.pdf", "application/pdf"),  # a PNG renamed .pdf
        (b"just some text\n", "letter.pdf", "application/pdf"),  # text declared as PDF
        (pdf(1), "doc.pdf", "image/png"),  # a PDF declared as an image
    ]
    for data, name, declared in cases:
        response = await upload(client, OWNER, data, name, declared)
        assert is_problem(response, 422), (name, response.text)
        assert "content is" in response.json()["detail"]
    assert (await upload(client, OWNER, b"plain words", "notes.txt", "text/plain")).status_code == 201
    assert is_problem(await upload(client, OWNER, b"", "empty.pdf"), 422)


async def test_an_idempotency_key_replays_the_upload(client: httpx.AsyncClient) -> None:
    key = {**OWNER, "Idempotency-Key": unique("k")}
    data = pdf(1)
    first = await client.post("/v1/files", files={"file": ("a.pdf", data, "application/pdf")}, headers=key)
    again = await client.post("/v1/files", files={"file": ("a.pdf", data, "application/pdf")}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = await client.post("/v1/files", files={"file": ("a.pdf", pdf(2), "application/pdf")}, headers=key)
    assert is_problem(other, 409)


async def test_files_are_private_to_their_uploader(client: httpx.AsyncClient) -> None:
    file_id = (await upload(client, OWNER, pdf(1))).json()["id"]
    assert (await client.get(f"/v1/files/{file_id}", headers=OWNER)).status_code == 200
    other = auth(unique("other"), "enterprise")
    assert is_problem(await client.get(f"/v1/files/{file_id}", headers=other), 404)
    # staff see a file only once a submission uses it (test_applications_api covers that path)
    assert is_problem(await client.get(f"/v1/files/{file_id}/content", headers=STAFF), 404)
    assert is_problem(await client.post("/v1/files", files={"file": ("a.pdf", b"x")}), 401)


async def test_not_multipart_or_no_file_field_is_422(client: httpx.AsyncClient) -> None:
    assert is_problem(await client.post("/v1/files", json={"file": "x"}, headers=OWNER), 422)
    no_file = await client.post(
        "/v1/files", data={"other": "x"}, files={"doc": ("a.pdf", pdf(1))}, headers=OWNER
    )
    assert is_problem(no_file, 422)


async def test_a_file_over_the_cap_is_413_before_it_is_read_whole(db_url: str) -> None:
    cap = 50_000
    app: FastAPI = __import__("sealflow_orders.main", fromlist=["create_app"]).create_app(
        make_settings(max_file_bytes=cap, run_workers=False), database_url=db_url
    )
    async with started(app), asgi_client(app) as client:
        declared = await upload(client, OWNER, pdf(1, padding=cap * 2))
        assert is_problem(declared, 413), declared.text
        sent = 0

        async def endless() -> object:
            # no Content-Length and far more than the cap: only a streaming check can stop it in time
            nonlocal sent
            head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n%PDF-1.4\n'
            yield head
            for _ in range(10_000):
                sent += 8192
                yield b"0" * 8192

        streamed = await client.post(
            "/v1/files",
            content=endless(),  # type: ignore[arg-type]  # an async generator of bytes is what httpx streams
            headers={**OWNER, "Content-Type": "multipart/form-data; boundary=b"},
        )
        assert is_problem(streamed, 413), streamed.text
        assert sent < 10 * cap  # stopped soon after the cap, not after 80 MB
        assert (await upload(client, OWNER, pdf(1))).status_code == 201
