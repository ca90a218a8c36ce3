"""The outbound (anti-SSRF) policy: what a caller-given URL may reach, checked again at connection time."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import httpx
import pytest

from sealkit.outbound import CheckedTransport, OutboundPolicy, OutboundRefused
from sealkit.testing import receiver

PRODUCTION = OutboundPolicy.from_settings("production", "")
DEVELOPMENT = OutboundPolicy.from_settings("development", "")
LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=0)


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "169.254.1.1",
        "fe80::1",
        "fd00:ec2::254",
        "100.100.100.200",
        "::ffff:169.254.169.254",
    ],
)
def test_link_local_and_metadata_are_refused_always_even_when_allow_listed(address: str) -> None:
    ip = ipaddress.ip_address(address)
    allowing = OutboundPolicy.from_settings("development", f"{address},0.0.0.0/0,::/0")
    for policy in (PRODUCTION, DEVELOPMENT, allowing):
        assert policy.refusal(ip) is not None, (policy, address)
    assert (
        PRODUCTION.url_refusal(f"http://{ip if ip.version == 4 else f'[{ip}]'}/latest/meta-data") is not None
    )


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "fc00::5",
        "100.64.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_loopback_and_private_are_refused_outside_development_unless_allowed(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert PRODUCTION.refusal(ip) is not None
    assert OutboundPolicy.from_settings("test", "").refusal(ip) is not None
    assert DEVELOPMENT.refusal(ip) is None
    plain = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip
    assert OutboundPolicy.from_settings("production", str(plain)).refusal(ip) is None


def test_allow_list_takes_networks_and_host_names() -> None:
    policy = OutboundPolicy.from_settings("production", "10.0.0.0/8, hooks.internal, *.svc.cluster.local")
    assert policy.refusal(ipaddress.ip_address("10.9.9.9")) is None
    assert policy.refusal(ipaddress.ip_address("192.168.0.1")) is not None
    assert policy.refusal(ipaddress.ip_address("192.168.0.1"), "hooks.internal") is None
    assert policy.refusal(ipaddress.ip_address("192.168.0.1"), "orders.prod.svc.cluster.local") is None
    assert (
        policy.refusal(ipaddress.ip_address("192.168.0.1"), "evil-svc.cluster.local.attacker.io") is not None
    )
    assert policy.refusal(ipaddress.ip_address("8.8.8.8")) is None


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://metadata.google.internal/computeMetadata/v1/", True),
        ("http://localhost:8002/v1/events", True),
        ("http://api.localhost/", True),
        ("http://127.0.0.1:8002/v1/events", True),
        ("http://[::1]/", True),
        ("http://0.0.0.0/", True),
        ("https://hooks.example.com/sealflow", False),
        ("http://93.184.216.34/x", False),
    ],
)
def test_what_the_url_alone_shows_is_checked_at_creation(url: str, refused: bool) -> None:
    assert (PRODUCTION.url_refusal(url) is not None) is refused


def _resolve_rebind_to(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """The name `rebind.test` resolves (now) to `address`: the DNS answer an attacker controls."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return await real(host, port, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)


async def test_a_name_that_resolves_to_a_refused_address_is_refused_at_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with receiver() as hook:
        port = httpx.URL(hook.url).port
        url = f"http://rebind.test:{port}/hook"
        assert PRODUCTION.url_refusal(url) is None  # a name: nothing to see at creation
        _resolve_rebind_to(monkeypatch, "127.0.0.1")
        async with httpx.AsyncClient(transport=CheckedTransport(PRODUCTION, limits=LIMITS)) as client:
            with pytest.raises(httpx.ConnectError) as caught:
                await client.post(url, content=b"{}")
            assert isinstance(caught.value.__cause__, OutboundRefused)
            assert "127.0.0.1" in str(caught.value)
        assert hook.received == []
        # allowed, the connection goes to the address that was checked (the system resolver does
        # not know rebind.test, so this also shows the name is not resolved a second time)
        allowing = OutboundPolicy.from_settings("production", "127.0.0.1")
        async with httpx.AsyncClient(transport=CheckedTransport(allowing, limits=LIMITS)) as client:
            response = await client.post(url, content=b"{}")
        assert response.status_code == 200 and len(hook.received) == 1
        assert hook.received[0].headers["host"] == f"rebind.test:{port}"


async def test_a_refused_address_among_several_refuses_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port)),
        ]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    async with httpx.AsyncClient(transport=CheckedTransport(DEVELOPMENT, limits=LIMITS)) as client:
        with pytest.raises(httpx.ConnectError, match=r"169\.254\.169\.254"):
            await client.post("http://mixed.test/x", content=b"{}")
