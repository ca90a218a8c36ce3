"""Settings, signatures, database URLs, cursors and problem rendering of the shared kit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sealkit.contracts.types import MAX_DATETIME, MIN_DATETIME
from sealkit.db import service_database_url
from sealkit.jsonutil import loads
from sealkit.pagination import decode_cursor, encode_cursor
from sealkit.problems import Unprocessable, problem_response
from sealkit.settings import ServiceSettings
from sealkit.signing import sign, verify


def test_production_refuses_dev_secrets() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        ServiceSettings(env="production")
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        ServiceSettings(env="production", jwt_secret="short", event_secret="x" * 40)
    with pytest.raises(ValidationError, match="EVENT_SECRET"):
        ServiceSettings(env="production", jwt_secret="j" * 40)
    ok = ServiceSettings(env="production", jwt_secret="j" * 40, event_secret="e" * 40)
    assert ok.env == "production"


def test_suite_wide_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFLOW_JWT_SECRET", "from-env")
    monkeypatch.setenv("SEALFLOW_SUBSCRIBERS", "a.b=http://h/v1/events, *=https://k/e")
    settings = ServiceSettings()
    assert settings.jwt_secret == "from-env"
    assert settings.subscriptions() == [("a.b", "http://h/v1/events"), ("*", "https://k/e")]


def test_bad_subscriber_is_explained() -> None:
    with pytest.raises(ValueError, match=r"expected 'event\.type=http"):
        ServiceSettings(subscribers="a.b=ftp://x").subscriptions()


@given(st.binary(max_size=512), st.text(min_size=1, max_size=40))
def test_signatures_verify_only_the_same_body_and_secret(body: bytes, secret: str) -> None:
    signature = sign(body, secret)
    assert verify(body, secret, signature)
    # a bare digest is not the format: without the scheme prefix it is refused
    assert not verify(body, secret, signature.removeprefix("sha256="))
    assert not verify(body, secret, "SHA256=" + signature.removeprefix("sha256="))
    assert not verify(body + b"x", secret, signature)
    assert not verify(body, secret + "x", signature)
    assert not verify(body, secret, None)


@pytest.mark.parametrize(
    ("base", "service", "expected"),
    [
        (None, "mail-bridge", "sqlite+aiosqlite:///var/mail_bridge.db"),
        (
            "postgresql://u:p@db:5432/sealflow",
            "approval",
            "postgresql+asyncpg://u:p@db:5432/sealflow_approval",
        ),
        (
            "postgresql+asyncpg://postgres@127.0.0.1/x",
            "ticketing",
            "postgresql+asyncpg://postgres@127.0.0.1/x_ticketing",
        ),
        ("sqlite+aiosqlite:///tmp/one.db", "approval", "sqlite+aiosqlite:///tmp/one.db"),
    ],
)
def test_each_service_gets_its_own_database(base: str | None, service: str, expected: str) -> None:
    assert service_database_url(base, service) == expected


@given(
    st.datetimes(
        min_value=MIN_DATETIME.replace(tzinfo=None),
        max_value=MAX_DATETIME.replace(tzinfo=None),
        timezones=st.just(UTC),
    ),
    st.uuids(),
)
def test_cursor_round_trip(at: datetime, row_id: uuid.UUID) -> None:
    assert decode_cursor(encode_cursor(at, row_id)) == (at, row_id)


def test_foreign_cursor_is_a_422() -> None:
    with pytest.raises(Unprocessable):
        decode_cursor("bm90IGEgY3Vyc29y")


def test_problem_shape() -> None:
    response = problem_response(409, "conflict", "Conflict", "taken", {"errors": []})
    assert response.media_type == "application/problem+json"
    body = loads(bytes(response.body))
    assert body == {
        "type": "https://sealflow.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "taken",
        "errors": [],
    }
