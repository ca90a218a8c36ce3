"""Bearer JWT auth: HS256 with a shared secret or RS256 with a public key; principals, roles, ownership."""

from __future__ import annotations

import time
import warnings
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt.warnings import InsecureKeyLengthWarning

from sealkit.problems import Forbidden, NotFound, Unauthorized

# The documented dev secret is short; production settings refuse short secrets instead (settings.py).
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)

Role = Literal[
    "applicant", "approver", "agent", "supervisor", "enterprise", "staff", "monitor", "admin", "service"
]
ROLES: frozenset[str] = frozenset(Role.__args__)  # type: ignore[attr-defined]  # Literal keeps its values here


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    name: str = ""
    email: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    enterprise_id: str | None = None

    def has(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


class TokenVerifier:
    """Verifies tokens with the configured keys; `alg: none`, wrong keys and missing `exp` are refused."""

    def __init__(self, *, secret: str, public_key: str | None = None, algorithms: Iterable[str] = ("HS256",)):
        self._algorithms = [a for a in algorithms if a.lower() != "none"] or ["HS256"]
        self._key: Any = public_key if public_key else secret
        if public_key and not any(a.startswith(("RS", "ES", "PS")) for a in self._algorithms):
            self._algorithms = ["RS256"]
        self._cache: dict[str, tuple[float, Principal]] = {}

    def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None and cached[0] > time.time():
            return cached[1]
        try:
            claims = jwt.decode(
                token, self._key, algorithms=self._algorithms, options={"require": ["exp", "sub"]}
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired", slug="token-expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the token is not valid: {exc}", slug="token-invalid") from exc
        sub = claims["sub"]
        # An empty or blank subject names nobody: ownership checks would compare against "".
        if not isinstance(sub, str) or not sub.strip():
            raise Unauthorized("the token's sub claim must be a non-empty string", slug="token-invalid")
        # Absent roles mean none; a present claim must be a list, so `{}`, `0` or `""` is not "no roles".
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthorized("the token's roles claim must be a list of strings", slug="token-invalid")
        enterprise = claims.get("enterprise_id")
        principal = Principal(
            sub=sub,
            name=str(claims.get("name") or ""),
            email=claims.get("email") if isinstance(claims.get("email"), str) else None,
            roles=frozenset(roles),
            enterprise_id=str(enterprise) if enterprise is not None else None,
        )
        # Verifying a signature costs more than the rest of a hot request; a bounded cache pays for itself.
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token] = (float(claims["exp"]), principal)
        return principal


_bearer = HTTPBearer(auto_error=False, description="A Sealflow JWT (make token SUB=alice ROLES=approver)")


async def current_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    # async (though it never awaits): FastAPI runs a plain `def` dependency in a worker thread, a thread
    # hop per request that costs more than verifying a cached token (bench/README.md)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <token>'", slug="token-missing")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


CurrentUser = Annotated[Principal, Depends(current_user)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through callers holding any of `roles`."""

    async def check(user: CurrentUser) -> Principal:  # async: no worker thread per request
        if not user.has(*roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
        return user

    return check


def ensure_owner(
    user: Principal,
    owner_ids: Iterable[str | None],
    *,
    staff_roles: Iterable[str] = (),
    hide: bool = True,
    what: str = "object",
) -> None:
    """Let the caller through if they own the object or hold a staff role; else 404 (hide) or 403."""
    if user.sub in set(owner_ids) or user.has(*staff_roles):
        return
    if hide:
        raise NotFound(f"{what} not found")
    raise Forbidden(f"this {what} is not yours")


def mint_token(
    sub: str,
    roles: Iterable[str] = (),
    *,
    secret: str,
    name: str | None = None,
    email: str | None = None,
    enterprise_id: str | None = None,
    ttl_seconds: int = 12 * 3600,
    algorithm: str = "HS256",
) -> str:
    """A signed token for development, tests and service-to-service calls."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name or sub,
        "roles": list(roles),
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if email:
        claims["email"] = email
    if enterprise_id:
        claims["enterprise_id"] = enterprise_id
    return jwt.encode(claims, secret, algorithm=algorithm)


def service_token(service: str, *, secret: str, configured: str | None = None) -> str:
    """The bearer token a service uses to call another: the configured one (production, RS256), or one
    minted with the shared HS256 secret (development and tests)."""
    if configured:
        return configured
    return mint_token(f"service:{service}", ["service"], secret=secret, ttl_seconds=365 * 24 * 3600)
