"""Request ids, JSON logs, Prometheus metrics, body-size limit and the health endpoints."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
import time
import uuid
from typing import Any

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sealkit.jsonutil import dumps
from sealkit.problems import problem_response

log = logging.getLogger("sealkit.observability")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "x-request-id"

REQUESTS = Counter("sealflow_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "sealflow_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return dumps(entry).decode()


def configure_logging(service: str, level: str = "INFO", *, access_log: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # One line per request costs real CPU on hot paths; SEALFLOW_ACCESS_LOG=true turns it on.
    logging.getLogger("uvicorn.access").disabled = not access_log


class ObservabilityMiddleware:
    """Pure ASGI: request id in and out, body-size limit (413), metrics per route template."""

    def __init__(self, app: ASGIApp, *, service: str, max_body_bytes: int) -> None:
        self.app, self.service, self.max_body = app, service, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = (headers.get(b"x-request-id") or b"").decode("latin-1")[:100] or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started_at = time.perf_counter()
        status = 500
        length = headers.get(b"content-length")
        try:
            if length is not None and length.isdigit() and int(length) > self.max_body:
                status = 413
                await self._too_large(scope, receive, send, request_id)
                return
            received = 0
            too_large = response_started = False

            async def limited_receive() -> Message:
                nonlocal received, too_large
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body:
                        too_large = True
                        raise _BodyTooLarge
                return message

            async def send_with_id(message: Message) -> None:
                nonlocal status, response_started
                if too_large and not response_started:
                    # FastAPI turns an error while reading the body into a 400; the 413 below replaces it
                    return
                if message["type"] == "http.response.start":
                    response_started = True
                    status = message["status"]
                    message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                await send(message)

            try:
                with contextlib.suppress(_BodyTooLarge):
                    await self.app(scope, limited_receive, send_with_id)
            except Exception:
                if response_started:
                    raise  # half a response is out: only closing the connection tells the client
                # Answered here, inside the request id's scope: the log line carries the id, the response
                # its header, and uvicorn keeps the connection (an exception reaching it closes the socket).
                log.exception("unhandled error on %s %s", scope["method"], scope.get("path", ""))
                await _internal_error()(scope, receive, send_with_id)
            if too_large and not response_started:
                status = 413
                await self._too_large(scope, receive, send, request_id)
        finally:
            request_id_var.reset(token)
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(self.service, scope["method"], template, str(status)).inc()
            LATENCY.labels(self.service, scope["method"], template).observe(time.perf_counter() - started_at)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        response = problem_response(
            413,
            "payload-too-large",
            "Payload too large",
            f"the request body is larger than {self.max_body} bytes",
        )
        response.headers[REQUEST_ID_HEADER] = request_id  # sent past send_with_id, which adds it elsewhere
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _internal_error() -> Response:
    return problem_response(
        500, "internal", "Internal server error", "an unexpected error occurred; it was logged"
    )


def health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="The database answers", responses={503: {"description": "database down"}})
    async def readyz(request: Request) -> Response:
        try:
            await request.app.state.db.ping()
        except Exception as exc:
            return problem_response(
                503, "not-ready", "Not ready", f"database unreachable: {type(exc).__name__}"
            )
        # what else the service reports (the event broker): shown, never a reason to be unready, since
        # the outbox holds events while a broker is away
        reports = getattr(request.app.state, "readiness_reports", {})
        return Response(
            dumps({"status": "ready", **{name: report() for name, report in reports.items()}}),
            media_type="application/json",
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
