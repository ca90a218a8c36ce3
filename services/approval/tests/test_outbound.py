"""SSRF (issue 10, item 2): a callback_url that points inside is refused when the request is made."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from sealkit.testing import auth, unique

from .helpers import assert_problem, open_request, request_body


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://[fe80::1]/",
        "http://metadata.google.internal/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://127.0.0.2:8002/v1/events",
        "http://0.0.0.0:8002/v1/events",
    ],
)
async def test_a_callback_url_inside_the_network_is_422(
    client: httpx.AsyncClient, app: FastAPI, url: str
) -> None:
    applicant = unique("alice")
    body = request_body(("all", [unique("bob")]), callback_url=url)
    response = await client.post("/v1/approval-requests", json=body, headers=auth(applicant, "applicant"))
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "callback_url"]
    assert "allowed destination" in problem["errors"][0]["msg"]
    mine = await client.get("/v1/approval-requests", headers=auth(applicant, "applicant"))
    assert mine.json()["items"] == []


async def test_a_public_or_allow_listed_callback_url_is_kept(client: httpx.AsyncClient) -> None:
    applicant = unique("alice")
    for url in ("https://hooks.example.com/sealflow", "http://127.0.0.1:9/allowed-in-tests"):
        created = await open_request(
            client, applicant, request_body(("all", [unique("bob")]), callback_url=url)
        )
        assert created["callback_url"] == url
