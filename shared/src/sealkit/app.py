"""The app factory every service uses: lifespan (db, http client, outbox, workers), middleware, errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request

from sealkit.auth import TokenVerifier
from sealkit.broker.admin import broker_router
from sealkit.broker.wiring import attach_broker, outbox_subscriptions
from sealkit.db import Database, Timeouts, service_database_url
from sealkit.dispatcher import Dispatcher
from sealkit.events import EventHandler, events_router, handlers_by_type
from sealkit.http import make_http_client
from sealkit.input_guard import refuse_nul_bytes
from sealkit.jsonutil import FastJSONResponse

# re-exported: a service's workers take the loop from here, with the Runtime (it lives in loops.py so
# that outbox.py can use it without importing the app)
from sealkit.loops import being_cancelled as being_cancelled
from sealkit.loops import periodic as periodic
from sealkit.observability import ObservabilityMiddleware, configure_logging, health_router
from sealkit.openapi import install_openapi, operation_id
from sealkit.outbound import CheckedTransport, OutboundPolicy, bind_outbound_policy
from sealkit.outbox import DeliveryHook, Outbox, dead_letter_router
from sealkit.problems import install_problem_handlers
from sealkit.settings import ServiceSettings
from sealkit.web import dev_router, install_cors

log = logging.getLogger("sealkit.app")
OUTBOUND_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
ExtraT = TypeVar("ExtraT")


@dataclass
class Runtime:
    """What the lifespan builds; routers and workers reach it through dependencies or `app.state`."""

    settings: ServiceSettings
    db: Database
    http: httpx.AsyncClient
    outbox: Outbox
    extras: dict[str, Any] = field(default_factory=dict)
    # for URLs a caller gave (a provider's, a callback): every connection passes sealkit.outbound
    outbound_http: httpx.AsyncClient | None = None

    def settings_as(self, kind: type[SettingsT]) -> SettingsT:
        """The settings as the service's own class (its factory passes one). A runtime built with other
        settings is a wiring mistake, so it raises rather than let a caller fall back to a default."""
        if not isinstance(self.settings, kind):
            raise TypeError(f"this runtime carries {type(self.settings).__name__}, not {kind.__name__}")
        return self.settings

    def extra_as(self, name: str, kind: type[ExtraT]) -> ExtraT:
        """`extras[name]` (what the service's on_startup put there), checked to be a `kind`."""
        value = self.extras.get(name)
        if not isinstance(value, kind):
            raise TypeError(f"runtime extra {name!r} is {type(value).__name__}, not {kind.__name__}")
        return value


Worker = Callable[[Runtime], Awaitable[None]]


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _runtime_dependency(request: Request) -> Runtime:
    """`get_runtime` as an async dependency: a plain `def` one would run in a worker thread per request."""
    return get_runtime(request)


RuntimeDep = Annotated[Runtime, Depends(_runtime_dependency)]


def get_outbox(request: Request) -> Outbox:
    return get_runtime(request).outbox


async def _outbox_dependency(request: Request) -> Outbox:
    return get_runtime(request).outbox


OutboxDep = Annotated[Outbox, Depends(_outbox_dependency)]


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    settings: ServiceSettings,
    routers: Iterable[APIRouter],
    event_handlers: Iterable[EventHandler[Any]] = (),
    delivery_hooks: Mapping[str, DeliveryHook] | None = None,
    workers: Iterable[Worker] = (),
    on_startup: Callable[[Runtime], Awaitable[None]] | None = None,
    database_url: str | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build a service: the same lifespan, middleware, error format and health endpoints for all."""
    worker_list = list(workers)
    policy = OutboundPolicy.from_settings(settings.env, settings.outbound_allow)
    handler_list = list(event_handlers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service, settings.log_level, access_log=settings.access_log)
        url = database_url or service_database_url(settings.database_url, service, settings.sqlite_dir)
        timeouts = Timeouts(
            connect=settings.db_connect_timeout_seconds,
            command=settings.db_command_timeout_seconds,
            acquire=settings.db_acquire_timeout_seconds,
        )
        db = Database(
            url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow, timeouts=timeouts
        )
        await db.open()
        http = make_http_client(transport=http_transport)
        # caller-given destinations go through a client whose every connection passes the policy
        outbound = make_http_client(
            transport=http_transport or CheckedTransport(policy, limits=OUTBOUND_LIMITS)
        )
        box = Outbox(outbox_subscriptions(settings), source=service)
        runtime = Runtime(settings=settings, db=db, http=http, outbox=box, outbound_http=outbound)
        app.state.runtime, app.state.db, app.state.settings, app.state.outbox = runtime, db, settings, box
        app.state.token_verifier = TokenVerifier(
            secret=settings.jwt_secret, public_key=settings.jwt_public_key, algorithms=settings.jwt_algorithms
        )
        if on_startup is not None:
            await on_startup(runtime)
        broker, tasks = attach_broker(
            app,
            runtime,
            service=service,
            handlers=handlers_by_type(handler_list),
            run_workers=settings.run_workers,
        )
        if settings.run_workers:
            dispatcher = Dispatcher(
                db,
                http,
                box,
                secret=settings.event_secret,
                max_attempts=settings.outbox_max_attempts,
                backoff_seconds=settings.outbox_backoff_seconds,
                poll_seconds=settings.outbox_poll_seconds,
                timeout_seconds=settings.outbox_timeout_seconds,
                hooks=delivery_hooks,
                outbound_http=outbound,
            )
            tasks.append(asyncio.create_task(dispatcher.run_forever(), name=f"{service}-outbox"))
            tasks.extend(
                asyncio.create_task(_guard(w, runtime), name=f"{service}-worker") for w in worker_list
            )
        log.info("%s ready", service)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if broker is not None:
                await broker.close()
            await http.aclose()
            await outbound.aclose()
            await db.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=FastJSONResponse,
        generate_unique_id_function=operation_id,
        dependencies=[Depends(refuse_nul_bytes), Depends(bind_outbound_policy)],
    )
    app.state.outbound_policy = policy
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(ObservabilityMiddleware, service=service, max_body_bytes=settings.max_body_bytes)
    app.include_router(health_router())
    app.include_router(dead_letter_router())
    app.include_router(broker_router())
    app.include_router(events_router(handler_list))
    app.include_router(dev_router())
    for router in routers:
        app.include_router(router)
    install_cors(app, settings)
    return app


async def _guard(worker: Worker, runtime: Runtime) -> None:
    try:
        await worker(runtime)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("a worker stopped with an error")
