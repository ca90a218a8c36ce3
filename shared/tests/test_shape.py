"""The kit's one way of doing what services used to do each their own way: keyset pages, partial indexes,
the worker loop, typed settings and extras, and event intake validated against the handler's contract."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from sealkit.app import Runtime, create_service_app, periodic
from sealkit.contracts.base import Contract, Event
from sealkit.db import Database
from sealkit.events import EventHandler
from sealkit.jsonutil import dumps
from sealkit.pagination import newest_first, oldest_first, page_of
from sealkit.settings import ServiceSettings
from sealkit.signing import HEADER, sign
from sealkit.sql import insert, partial_index
from sealkit.tables import inbox_events
from sealkit.testing import (
    TEST_EVENT_SECRET,
    TEST_SETTINGS,
    DatabaseTemplates,
    asgi_client,
    kit_database,
    started,
)

metadata = sa.MetaData()
notes = sa.Table(
    "kit_notes", metadata, sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False), sa.Column("kind", sa.Text, nullable=False),
    partial_index("ix_kit_notes_open", "at", where="kind = 'open'"),
)  # fmt: skip


@pytest.fixture(scope="module")
async def db() -> AsyncIterator[Database]:
    async with kit_database(metadata) as database:
        yield database


async def _pages(conn: AsyncConnection, limit: int, *, order: Any = newest_first) -> list[list[uuid.UUID]]:
    pages: list[list[uuid.UUID]] = []
    cursor: str | None = None
    while True:
        stmt = order(sa.select(notes), notes.c.at, notes.c.id, cursor=cursor, limit=limit)
        page = page_of((await conn.execute(stmt)).all(), limit, lambda r: r, lambda r: (r.at, r.id))
        pages.append([r.id for r in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("count", [4, 5])
async def test_pages_walk_every_row_once_newest_first(db: Database, count: int) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    # two rows share a timestamp: the id breaks the tie, so none is skipped or repeated across pages
    ats = [base, base + timedelta(seconds=1), base + timedelta(seconds=1), base + timedelta(seconds=2)]
    rows = [{"id": uuid.uuid4(), "at": at, "kind": "x"} for at in [*ats, base - timedelta(1)][:count]]
    async with db.transaction() as conn:
        await conn.execute(sa.delete(notes))
        await insert(conn, notes, rows)
        await insert(conn, notes, [])  # nothing to insert is no statement, not an error
        pages = await _pages(conn, limit=2)
        forward = await _pages(conn, limit=2, order=oldest_first)
    expected = [r["id"] for r in sorted(rows, key=lambda r: (r["at"], r["id"]), reverse=True)]
    assert [i for page in pages for i in page] == expected
    assert [i for page in forward for i in page] == expected[::-1]
    # a last page that is exactly full says there is no next one, rather than leading to an empty page
    assert [len(p) for p in pages] == [len(p) for p in forward] == ([2, 2] if count == 4 else [2, 2, 1])


def test_a_partial_index_is_partial_on_both_dialects() -> None:
    index = next(iter(notes.indexes))
    for dialect in (postgresql.dialect(), sqlite.dialect()):  # type: ignore[no-untyped-call]
        ddl = str(sa.schema.CreateIndex(index).compile(dialect=dialect))
        assert ddl.endswith("WHERE kind = 'open'"), ddl


async def test_periodic_survives_a_failed_round_and_wakes_early() -> None:
    rounds: list[str] = []
    wakeup = asyncio.Event()

    async def step() -> bool:
        rounds.append("round")
        if len(rounds) == 1:
            raise RuntimeError("a failed round is logged and survived")
        return len(rounds) == 2  # the second round was a full batch: the third follows at once

    loop = asyncio.create_task(periodic("kit-test", 0.05, step, wakeup=wakeup))
    while len(rounds) < 3:
        await asyncio.sleep(0.01)
    seen = len(rounds)
    wakeup.set()  # no waiting out a 60-second interval: the loop would never get here otherwise
    await asyncio.sleep(0.02)
    assert len(rounds) > seen
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop


async def test_periodic_ends_when_a_cancellation_turns_into_another_error() -> None:
    started_round = asyncio.Event()

    async def step() -> None:
        started_round.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            raise RuntimeError("what a pool may raise while its connection is torn down") from None

    loop = asyncio.create_task(periodic("kit-test", 60, step))
    await started_round.wait()
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(loop, 2)


class KitSettings(ServiceSettings):
    flavour: str = "kit"


def test_settings_and_extras_come_typed_or_not_at_all() -> None:
    runtime = Runtime(settings=KitSettings(), db=None, http=None, outbox=None)  # type: ignore[arg-type]
    assert runtime.settings_as(KitSettings).flavour == "kit"
    runtime.extras["count"] = 3
    assert runtime.extra_as("count", int) == 3
    with pytest.raises(TypeError, match="not KitSettings"):
        Runtime(settings=ServiceSettings(), db=None, http=None, outbox=None).settings_as(KitSettings)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'missing'"):
        runtime.extra_as("missing", int)


class Ping(Contract):
    note_id: uuid.UUID
    word: str


def test_a_type_has_one_handler() -> None:
    async def handle(conn: AsyncConnection, data: Ping, event: Event, runtime: Runtime) -> None:
        return None

    with pytest.raises(ValueError, match=r"two handlers for kit\.ping"):
        create_service_app(
            service="kit", title="kit", description="", settings=ServiceSettings(), routers=[],
            event_handlers=[EventHandler("kit.ping", Ping, handle), EventHandler("kit.ping", Ping, handle)],
        )  # fmt: skip


async def test_the_intake_validates_an_event_against_its_contract_before_recording_it(db: Database) -> None:
    got: list[tuple[Ping, uuid.UUID]] = []

    async def on_ping(conn: AsyncConnection, data: Ping, event: Event, runtime: Runtime) -> None:
        got.append((data, event.id))
        await insert(conn, notes, [{"id": data.note_id, "at": event.occurred_at, "kind": data.word}])

    settings = ServiceSettings(**{**TEST_SETTINGS, "run_workers": False})  # type: ignore[arg-type]
    app = create_service_app(
        service="kit", title="kit", description="", settings=settings, routers=[], database_url=db.url,
        event_handlers=[EventHandler("kit.ping", Ping, on_ping, sources=frozenset({"kit"}))],
    )  # fmt: skip

    async def post(client: httpx.AsyncClient, event_id: uuid.UUID, kind: str, data: dict[str, Any]) -> Any:
        envelope = {"id": event_id, "type": kind, "source": "kit", "occurred_at": datetime.now(UTC)}
        body = dumps({**envelope, "data": data})
        response = await client.post(
            "/v1/events", content=body, headers={HEADER: sign(body, TEST_EVENT_SECRET)}
        )
        answer = response.json()
        return response.status_code, answer["detail"] if response.status_code >= 400 else answer["status"]

    note_id, event_id = uuid.uuid4(), uuid.uuid4()
    async with started(app), asgi_client(app) as client:
        refused = await post(client, event_id, "kit.ping", {"note_id": str(note_id)})
        assert refused == (422, "not a kit.ping body: Field required")
        async with db.transaction() as conn:
            recorded = await conn.execute(sa.select(inbox_events).where(inbox_events.c.event_id == event_id))
            assert recorded.first() is None, "a refused event is not recorded, so a corrected one applies"
        ok = {"note_id": str(note_id), "word": "hello"}
        assert await post(client, event_id, "kit.ping", ok) == (200, "processed")
        assert await post(client, event_id, "kit.ping", ok) == (200, "duplicate")
        # a type no service is known to produce is refused (issue 10: the envelope names its source)
        refused_type = await post(client, uuid.uuid4(), "kit.other", {"anything": 1})
        assert refused_type == (403, "'kit' does not produce 'kit.other' events")
    assert got == [(Ping(note_id=note_id, word="hello"), event_id)]
    async with db.transaction() as conn:
        kind = (await conn.execute(sa.select(notes.c.kind).where(notes.c.id == note_id))).scalar_one()
    assert kind == "hello"


async def test_own_databases_are_migrated_empty_and_apart(database_templates: DatabaseTemplates) -> None:
    first, second = await database_templates.clone("ticketing"), await database_templates.clone("ticketing")
    try:
        for url in (first, second):
            db = Database(url)
            async with db.transaction() as conn:
                assert (await conn.execute(sa.text("SELECT count(*) FROM alembic_version"))).scalar_one() == 1
                assert (await conn.execute(sa.text("SELECT count(*) FROM tickets"))).scalar_one() == 0
                if url == first:
                    await conn.execute(sa.insert(inbox_events).values(event_id=uuid.uuid4(), event_type="x",
                                                                       received_at=datetime.now(UTC)))  # fmt: skip
            async with db.transaction() as conn:
                seen = (await conn.execute(sa.select(sa.func.count()).select_from(inbox_events))).scalar_one()
            assert seen == (1 if url == first else 0)
            await db.dispose()
    finally:
        await database_templates.drop(first)
        await database_templates.drop(second)
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await asyncpg.connect(
            make_url(first).set(drivername="postgresql").render_as_string(hide_password=False)
        )
