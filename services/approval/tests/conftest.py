"""Approval test fixtures: one migrated PostgreSQL database per session (with the version guard, see
version_guard.py), the app in-process and live."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from sealflow_approval.config import ApprovalSettings
from sealflow_approval.main import create_app
from sealkit.testing import TEST_SETTINGS, asgi_client, create_test_database, drop_database, started

from .version_guard import install_version_guard


@pytest.fixture(scope="session")
async def db_url() -> AsyncIterator[str]:
    url = await create_test_database("approval")
    await install_version_guard(url)
    yield url
    await drop_database(url)


def make_settings(**overrides: object) -> ApprovalSettings:
    values: dict[str, object] = {
        **TEST_SETTINGS,
        "timer_interval_seconds": 0.1,
    }
    values.update(overrides)
    return ApprovalSettings(**values)  # type: ignore[arg-type]  # pydantic-settings takes field names here


@pytest.fixture(scope="session")
async def app(db_url: str) -> AsyncIterator[FastAPI]:
    async with started(create_app(make_settings(), database_url=db_url)) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "http://approval") as c:
        yield c
