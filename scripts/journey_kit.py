"""What the journey's steps share: where the suite is, who takes part, how a step reports and waits.

`journey.py` walks the steps; `demo.py` prints them in the terminal; the cross-service test reuses both.
"""

from __future__ import annotations

import io
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

import httpx
from pypdf import PdfWriter
from stdnum.cn import uscc

from sealkit.tokens import dev_token

T = TypeVar("T")
# the characters a unified social credit code may carry after its 8 leading digits (GB 32100-2015)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class StepFailed(Exception):
    """A step of the journey did not happen; the demo exits non-zero with this message."""


@dataclass(frozen=True)
class SuiteUrls:
    approval: str
    ticketing: str
    orders: str
    mail_bridge: str
    mail_host: str  # the bridge's local-mode SMTP listener, where replies go
    mail_port: int

    def by_service(self) -> dict[str, str]:
        return {
            "approval": self.approval,
            "ticketing": self.ticketing,
            "orders": self.orders,
            "mail-bridge": self.mail_bridge,
        }


@dataclass(frozen=True)
class Person:
    sub: str
    roles: tuple[str, ...]
    name: str
    email: str | None = None

    def headers(self) -> dict[str, str]:
        token = dev_token(self.sub, list(self.roles), name=self.name, email=self.email)
        return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Cast:
    """Everyone in one run of the journey; the suffix keeps two runs on one suite apart."""

    suffix: str
    admin: Person
    applicant: Person
    approver: Person
    first_agent: Person
    second_agent: Person
    monitor: Person

    @classmethod
    def fresh(cls) -> Cast:
        s = secrets.token_hex(4)
        return cls(
            suffix=s,
            admin=Person(f"park-admin-{s}", ("admin",), "园区管理员"),
            applicant=Person(f"li-{s}", ("enterprise",), "李经理", f"li.{s}@startup.example"),
            approver=Person(f"wang-{s}", ("approver",), "王审批", f"wang.{s}@park.example"),
            first_agent=Person(f"zhao-{s}", ("agent",), "赵专员"),
            second_agent=Person(f"qian-{s}", ("agent",), "钱专员"),
            monitor=Person(f"monitor-{s}", ("monitor",), "园区监管"),
        )


@dataclass
class Trail:
    """The ids each step left, for the next steps and for checks made afterwards (the e2e test)."""

    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.ids[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.ids[key] = str(value)


class Narrator:
    """Prints each step and the state it left, in the order they happen."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.count = 0

    def step(self, title: str) -> None:
        self.count += 1
        print(f"\n[{self.count}] {title}", file=self.out, flush=True)

    def state(self, label: str, value: object) -> None:
        print(f"    {label:<14} {value}", file=self.out, flush=True)


def expect(response: httpx.Response, status: int, what: str) -> Any:
    """The response's JSON body if it has the status the step needs, else the step failed (with why)."""
    if response.status_code != status:
        raise StepFailed(f"{what}: expected {status}, got {response.status_code}: {response.text[:500]}")
    return response.json() if response.content else None


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    """Poll `probe` until it returns something; events travel through outboxes, so a step's effect
    in another service arrives a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = probe()
        except httpx.TransportError:
            found = None
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise StepFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def credit_code() -> str:
    """A fresh, valid unified social credit code: 9 (industry and commerce) 1 (company), Shanghai, a
    random organisation code, and the GB 32100-2015 check character."""
    body = "91310000" + "".join(secrets.choice(USCC_ALPHABET) for _ in range(9))
    return body + str(uscc.calc_check_digit(body))
