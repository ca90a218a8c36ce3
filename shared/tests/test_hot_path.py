"""sealkit.hot_path: the routers' one idiom for hot paths — the single statement when it answers, else the
transaction, and always the transaction (reserving the key) with an Idempotency-Key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from sealkit.auth import Principal
from sealkit.db import Database, HotConnection
from sealkit.hot_path import at_once_or_in_transaction
from sealkit.problems import install_problem_handlers
from sealkit.testing import asgi_client, kit_database


class Item(BaseModel):
    name: str


def _app(database: Database, taken: list[str]) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = database

    async def at_once(pg: HotConnection, answer: str) -> Any:
        taken.append("statement")
        assert not pg.is_in_transaction()
        if answer == "none":
            return None  # it could not decide
        return Response(status_code=204) if answer == "nothing" else {"by": "statement"}

    async def in_transaction(conn: AsyncConnection) -> dict[str, str]:
        taken.append("transaction")
        assert conn.in_transaction()
        return {"by": "transaction"}

    @app.post("/keyed")
    async def keyed(request: Request, body: Item, answer: str = "yes") -> Response:
        return await at_once_or_in_transaction(
            request, at_once=lambda pg: at_once(pg, answer), in_transaction=in_transaction,
            idempotent_for=Principal("alice"), payload=body, status_code=201,
        )  # fmt: skip

    @app.post("/plain")
    async def plain(request: Request, answer: str = "yes") -> Response:
        return await at_once_or_in_transaction(
            request, at_once=lambda pg: at_once(pg, answer), in_transaction=in_transaction
        )

    return app


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[Database]:
    async with kit_database(sa.MetaData()) as db:
        yield db


async def test_the_statement_answers_when_it_can(database: Database) -> None:
    taken: list[str] = []
    async with asgi_client(_app(database, taken)) as client:
        answered = await client.post("/keyed", json={"name": "a"})
        assert (answered.status_code, answered.json(), taken) == (201, {"by": "statement"}, ["statement"])
        nothing = await client.post("/plain", params={"answer": "nothing"})
        assert nothing.status_code == 204


async def test_the_transaction_answers_when_the_statement_cannot(database: Database) -> None:
    taken: list[str] = []
    async with asgi_client(_app(database, taken)) as client:
        answered = await client.post("/keyed", json={"name": "a"}, params={"answer": "none"})
    assert (answered.status_code, answered.json()) == (201, {"by": "transaction"})
    assert taken == ["statement", "transaction"]


async def test_an_idempotency_key_goes_to_the_transaction_and_replays(database: Database) -> None:
    taken: list[str] = []
    headers = {"Idempotency-Key": "k-hot-path"}
    async with asgi_client(_app(database, taken)) as client:
        first = await client.post("/keyed", json={"name": "a"}, headers=headers)
        again = await client.post("/keyed", json={"name": "a"}, headers=headers)
        other = await client.post("/keyed", json={"name": "b"}, headers=headers)
    assert (first.status_code, first.json()) == (201, {"by": "transaction"})
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert other.status_code == 409
    assert taken == ["transaction"], "the key was reserved and the work ran once, in the transaction"


async def test_a_route_without_idempotency_ignores_the_key(database: Database) -> None:
    taken: list[str] = []
    async with asgi_client(_app(database, taken)) as client:
        answered = await client.post("/plain", headers={"Idempotency-Key": "k-plain"})
    assert answered.json() == {"by": "statement"}


async def test_on_sqlite_the_transaction_answers(tmp_path: object) -> None:
    lite = Database(f"sqlite+aiosqlite:///{tmp_path}/hot.db")
    await lite.open()
    taken: list[str] = []
    try:
        async with asgi_client(_app(lite, taken)) as client:
            answered = await client.post("/plain")
    finally:
        await lite.dispose()
    assert (answered.json(), taken) == ({"by": "transaction"}, ["transaction"])
