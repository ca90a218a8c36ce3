"""Admin endpoints for the broker's parked (poison) messages: see them, replay one once its cause is fixed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from sealkit.auth import require_roles
from sealkit.broker import BrokerUnavailable
from sealkit.broker.consumer import BrokerConsumer
from sealkit.jsonutil import loads
from sealkit.problems import DomainError, NotFound


class BrokerDown(DomainError):
    status, slug, title = 503, "broker-unavailable", "Event broker unavailable"


class ParkedMessage(BaseModel):
    id: int
    event_id: str
    event_type: str
    reason: str
    body: Any  # the event as it was sent (text if it is not JSON)


class ParkedPage(BaseModel):
    items: list[ParkedMessage]
    next_cursor: str | None


def _consumer(request: Request) -> BrokerConsumer:
    consumer = getattr(request.app.state, "broker_consumer", None)
    if not isinstance(consumer, BrokerConsumer):
        raise NotFound("this service consumes no events from a broker (SEALFLOW_EVENT_BROKER is unset)")
    return consumer


def _body(raw: bytes) -> Any:
    try:
        return loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def broker_router() -> APIRouter:
    router = APIRouter(
        prefix="/v1/broker", tags=["broker"], dependencies=[Depends(require_roles("admin", "monitor"))]
    )

    @router.get("/parked", response_model=ParkedPage, summary="Poison messages this service parked")
    async def list_parked(request: Request, limit: Annotated[int, "page size"] = 100) -> ParkedPage:
        consumer = _consumer(request)
        try:
            found = await consumer.transport.parked(consumer.name, min(max(limit, 1), 500))
        except BrokerUnavailable as exc:
            raise BrokerDown(str(exc)) from exc
        items = [
            ParkedMessage(
                id=p.ref, event_id=p.event_id, event_type=p.event_type, reason=p.reason, body=_body(p.body)
            )
            for p in found
        ]
        return ParkedPage(items=items, next_cursor=None)

    @router.post(
        "/parked/{ref}/replay",
        summary="Apply a parked message again; it leaves the parking only if it applies",
        dependencies=[Depends(require_roles("admin"))],
    )
    async def replay_parked(ref: int, request: Request) -> dict[str, str]:
        consumer = _consumer(request)
        try:
            return {"status": await consumer.replay(ref)}
        except BrokerUnavailable as exc:
            raise BrokerDown(str(exc)) from exc

    return router
