"""What the kit's HTTP layer promises every service: latency in real buckets, a 500 that keeps its trace
and its connection, and problem+json even for a request uvicorn itself refuses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from sealkit.app import create_service_app
from sealkit.jsonutil import loads
from sealkit.observability import JsonFormatter
from sealkit.server import ProblemH11Protocol, ProblemHttpProtocol
from sealkit.settings import ServiceSettings
from sealkit.testing import asgi_client, live_server, postgres_base_url, started, unique

PROTOCOLS = [pytest.param(ProblemH11Protocol, id="h11"), pytest.param(ProblemHttpProtocol, id="httptools")]


def kit_app(service: str) -> FastAPI:
    """A service built by the kit with one fine and one broken endpoint. It never queries its database
    (the server's maintenance database), so nothing needs creating or dropping."""
    router = APIRouter()

    @router.get("/fine")
    async def fine() -> dict[str, bool]:
        return {"ok": True}

    @router.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @router.get("/boom")
    async def boom() -> dict[str, bool]:
        raise RuntimeError("broken on purpose")

    return create_service_app(
        service=service,
        title="kit test",
        description="the kit's HTTP layer under test",
        settings=ServiceSettings(env="test", run_workers=False),
        routers=[router],
        database_url=make_url(postgres_base_url()).set(database="postgres").render_as_string(False),
    )


class JsonLines(logging.Handler):
    """Keeps each record as the service's JSON formatter renders it, with the request id of its moment."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter(service))
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[JsonLines]:
    """Attached after the lifespan's `configure_logging` replaced the root handlers (see `served`)."""
    handler = JsonLines("kit-test")
    yield handler
    logging.getLogger().removeHandler(handler)


@contextlib.asynccontextmanager
async def served(app: FastAPI, http: type[asyncio.Protocol], logs: JsonLines) -> AsyncIterator[str]:
    async with live_server(app, http=http) as base:
        logging.getLogger().addHandler(logs)
        yield base


async def test_a_request_lands_in_a_finite_latency_bucket() -> None:
    service = unique("kit")
    app = kit_app(service)
    async with started(app), asgi_client(app) as client:
        assert (await client.get("/fine")).status_code == 200
        exposed = (await client.get("/metrics")).text
    buckets = {
        sample.labels["le"]: sample.value
        for family in text_string_to_metric_families(exposed)
        for sample in family.samples
        if sample.name == "sealflow_http_request_seconds_bucket"
        and sample.labels["service"] == service
        and sample.labels["route"] == "/fine"
    }
    assert buckets["+Inf"] == 1
    # the request took well under ten seconds; a sample measured from a wrong start lands only in +Inf
    assert buckets["10.0"] == 1, buckets


@pytest.mark.parametrize("http", PROTOCOLS)
async def test_a_500_keeps_its_request_id_and_its_connection(
    http: type[asyncio.Protocol], log_lines: JsonLines
) -> None:
    app = kit_app(unique("kit"))
    async with served(app, http, log_lines) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            failed = await client.get("/boom", headers={"X-Request-ID": "trace-me-500"})
            failed_on = _local_port(failed)
            after = await client.get("/fine")
            after_on = _local_port(after)
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/problem+json"
        assert failed.headers["x-request-id"] == "trace-me-500"
        assert failed.json()["type"] == "https://sealflow.dev/problems/internal"
        assert "broken on purpose" not in failed.text  # nothing internal leaks
        assert failed.headers.get("connection") != "close"
        # one keep-alive connection served both: the 500 did not close it under the client
        assert after.status_code == 200
        assert failed_on is not None, "the 500 closed the connection"
        assert failed_on == after_on
    errors = [line for line in log_lines.lines if line["level"] == "error"]
    assert errors, log_lines.lines
    assert all(line.get("request_id") == "trace-me-500" for line in errors), errors
    assert "broken on purpose" in str(errors[0]["exc"])


def _local_port(response: httpx.Response) -> int | None:
    """The client's port of the connection that carried `response`; None once that connection is closed."""
    try:
        port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    except OSError:
        return None
    return port


@pytest.mark.parametrize("http", PROTOCOLS)
@pytest.mark.parametrize("bad_header", [b"X-Bad: a\x00b", b"X Bad: spaced name"])
async def test_a_request_uvicorn_refuses_is_problem_json(
    http: type[asyncio.Protocol], bad_header: bytes, log_lines: JsonLines
) -> None:
    app = kit_app(unique("kit"))
    async with served(app, http, log_lines) as base:
        port = httpx.URL(base).port
        assert port is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /fine HTTP/1.1\r\nHost: kit\r\n" + bad_header + b"\r\n\r\n")
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)  # the server answers, then closes
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    assert status_line == "HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    problem = loads(body)
    assert problem["status"] == 400
    assert problem["type"] == "https://sealflow.dev/problems/bad-request"
    assert problem["detail"]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_a_413_keeps_its_request_id(declared: bool) -> None:
    app = kit_app(unique("kit"))
    body = b"x" * (ServiceSettings().max_body_bytes + 1)

    async def chunks() -> AsyncIterator[bytes]:
        yield body  # no Content-Length: the limit is found while reading

    async with started(app), asgi_client(app) as client:
        response = await client.post(
            "/echo", content=body if declared else chunks(), headers={"X-Request-ID": "trace-me-413"}
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "trace-me-413"
