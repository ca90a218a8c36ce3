"""Where a caller-given URL (`callback_url`, `notify_url`) may point: the outbound (anti-SSRF) policy.

A client who names a URL makes our service send a signed POST from inside the network. So:

- link-local and cloud metadata addresses are refused always (169.254.169.254 hands out credentials);
- loopback and private addresses are refused outside development, unless `SEALFLOW_OUTBOUND_ALLOW`
  lists them (comma-separated addresses, CIDR networks, host names or `*.suffix` names);
- the check runs twice: on the URL when it is accepted (a 422 naming the field, for what the URL alone
  shows), and on every address the name resolves to when the dispatcher connects, against the very
  address it then connects to. A name that resolved to a public address yesterday and to 127.0.0.1 now
  (DNS rebinding) is caught there.

URLs the operator configured (`SEALFLOW_SUBSCRIBERS`, peer URLs) are trusted and not checked: peers
live on private addresses.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated

import httpcore
import httpx
from fastapi import Request
from pydantic import AfterValidator, AnyHttpUrl

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LINK_LOCAL: tuple[Network, ...] = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
# Cloud instance metadata endpoints outside the link-local range: AWS (IPv6), Alibaba, Oracle.
METADATA: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
METADATA_NAMES = frozenset(
    {"metadata", "metadata.google.internal", "metadata.azure.internal", "instance-data"}
)


@dataclass(frozen=True)
class OutboundPolicy:
    """`allow_private`: development, where every service and receiver is on loopback."""

    allow_private: bool = False
    networks: tuple[Network, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, env: str, allow: str) -> OutboundPolicy:
        networks: list[Network] = []
        hosts: set[str] = set()
        for entry in filter(None, (part.strip() for part in allow.split(","))):
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(allow_private=env == "development", networks=tuple(networks), hosts=frozenset(hosts))

    def _host_allowed(self, host: str | None) -> bool:
        if not host:
            return False
        name = host.lower().rstrip(".")
        return name in self.hosts or any(h.startswith("*.") and name.endswith(h[1:]) for h in self.hosts)

    def refusal(self, address: IPAddress, host: str | None = None) -> str | None:
        """Why a connection to `address` (reached through the name `host`) is refused, or None."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if address in METADATA or any(address in net for net in LINK_LOCAL):
            return f"{address} is a link-local or metadata address"
        if address.is_unspecified or address.is_multicast:
            return f"{address} is not a destination"
        if address.is_global:
            return None
        if self.allow_private or self._host_allowed(host) or any(address in net for net in self.networks):
            return None
        return f"{address} is a loopback or private address (allow it with SEALFLOW_OUTBOUND_ALLOW)"

    def url_refusal(self, url: str) -> str | None:
        """What the URL alone shows is refused: an address literal or a reserved name; None otherwise."""
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https"):
            return "only http and https URLs"
        host = parsed.host.lower().rstrip(".")
        if not host:
            return "the URL has no host"
        if host in METADATA_NAMES:
            return f"{host} is a metadata address"
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            if host == "localhost" or host.endswith(".localhost"):
                return self.refusal(ipaddress.ip_address("127.0.0.1"), host)
            return None  # a name: checked again on every connection, where it resolves
        return self.refusal(address, host)


# Bound per request by `bind_outbound_policy`, so a schema's validator knows this service's policy.
# Outside a request (scripts, unit tests) only what is refused always is refused.
_ALWAYS_ONLY = OutboundPolicy(allow_private=True)
_active: contextvars.ContextVar[OutboundPolicy | None] = contextvars.ContextVar(
    "outbound_policy", default=None
)


async def bind_outbound_policy(request: Request) -> None:
    """An app-level dependency: it runs before body validation, in the request's own context."""
    policy: OutboundPolicy | None = getattr(request.app.state, "outbound_policy", None)
    if policy is not None:
        _active.set(policy)


def _check_outbound(url: AnyHttpUrl) -> AnyHttpUrl:
    problem = (_active.get() or _ALWAYS_ONLY).url_refusal(str(url))
    if problem:
        raise ValueError(f"not an allowed destination: {problem}")
    return url


# A URL a caller gives for us to POST to later.
OutboundUrl = Annotated[AnyHttpUrl, AfterValidator(_check_outbound)]


class OutboundRefused(httpcore.ConnectError):
    """The destination resolved to an address the policy refuses (httpx reports it as a ConnectError)."""


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the name itself, checks every address, and connects to a checked address only."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        for address in addresses:  # one refused address refuses the name: an attacker may mix them
            problem = self.policy.refusal(address, host)
            if problem:
                raise OutboundRefused(f"refused by the outbound policy: {host} resolves to {problem}")
        last: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last = exc
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("unix sockets are not an outbound destination")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with a connection pool whose every TCP connection passes the policy.

    httpx has no resolver hook, so the pool is rebuilt with httpcore's `network_backend`; TLS still
    verifies the URL's host name (httpcore takes SNI from the request, not from the connected address).
    """

    def __init__(
        self, policy: OutboundPolicy, *, limits: httpx.Limits, verify: ssl.SSLContext | bool = True
    ) -> None:
        super().__init__(trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CheckedBackend(policy),
        )
