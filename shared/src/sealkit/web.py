"""What a browser frontend needs from every service: CORS for the web console's origins, and in
development only, a token for a persona picked on the sign-in screen."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware

from sealkit.auth import ROLES, mint_token
from sealkit.problems import NotFound, Unprocessable
from sealkit.settings import ServiceSettings

# what the console sends: the bearer token, JSON bodies and the idempotency key of a create
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"]


def install_cors(app: FastAPI, settings: ServiceSettings) -> None:
    """Let the configured origins (SEALFLOW_CORS_ORIGINS) call the API from a browser. Added last, so it
    wraps everything: a problem response (401, 422, 409) carries the headers too, or the browser would
    hide its reason from the page."""
    origins = settings.cors_origin_list()
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_HEADERS,
            max_age=600,
        )


class DevTokenRequest(BaseModel):
    sub: str = Field(min_length=1, max_length=200, description="the persona's user id")
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    roles: list[str] = Field(default_factory=list, max_length=10)
    enterprise_id: str | None = Field(None, max_length=200)


class DevToken(BaseModel):
    token: str
    expires_in: int


DEV_TOKEN_TTL_SECONDS = 12 * 3600
# people's roles: the service role (deciding on an approver's behalf) is for services, not personas
PERSONA_ROLES = ROLES - {"service"}


def dev_router() -> APIRouter:
    router = APIRouter(prefix="/v1/dev", tags=["development"])

    @router.post(
        "/token",
        response_model=DevToken,
        summary="A token for a persona (SEALFLOW_ENV=development only; 404 anywhere else)",
    )
    async def dev_token(body: DevTokenRequest, request: Request) -> DevToken:
        settings: ServiceSettings = request.app.state.settings
        # 404, not 403: outside development the endpoint does not exist as far as a caller can tell
        if settings.env != "development":
            raise NotFound("not found")
        unknown = sorted(set(body.roles) - PERSONA_ROLES)
        if unknown:
            raise Unprocessable(f"not a persona's role: {', '.join(unknown)}")
        token = mint_token(
            body.sub,
            body.roles,
            secret=settings.jwt_secret,
            name=body.name,
            email=body.email,
            enterprise_id=body.enterprise_id,
            ttl_seconds=DEV_TOKEN_TTL_SECONDS,
        )
        return DevToken(token=token, expires_in=DEV_TOKEN_TTL_SECONDS)

    return router
