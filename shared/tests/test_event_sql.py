"""EventInSql on real PostgreSQL: the outbox rows a statement writes carry the event the Python outbox
would have written (same envelope, same data), to the same destinations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from sealkit.contracts.base import Contract
from sealkit.db import Database
from sealkit.event_sql import EventInSql
from sealkit.ids import new_id
from sealkit.jsonutil import dumps, loads
from sealkit.outbox import Outbox
from sealkit.sql import fetch_on_driver
from sealkit.tables import outbox
from sealkit.testing import kit_database

metadata = sa.MetaData()
things = sa.Table(
    "kit_things", metadata, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("name", sa.Text, nullable=False),
    sa.Column("note", sa.Text), sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("flag", sa.Boolean, nullable=False), sa.Column("hook", sa.Text),
)  # fmt: skip


class ThingDone(Contract):
    thing_id: UUID  # from Python
    name: str  # from the row
    count: int  # from Python
    note: str | None  # from the row
    at: datetime  # from the row
    when: datetime  # from Python
    flag: bool  # from the row


DONE = EventInSql("thing.done", ThingDone, from_row=("name", "note", "at", "flag"), name="done")
SUBSCRIBERS = ("http://127.0.0.1:9/a", "http://127.0.0.1:9/b")


def _statement() -> Any:
    made = (
        sa.insert(things)
        .values(id=sa.bindparam("p_id"), name=sa.bindparam("p_name"), note=sa.bindparam("p_note"),
                at=sa.bindparam("p_at"), flag=sa.bindparam("p_flag"), hook=sa.bindparam("p_hook"))
        .returning(*things.c)
        .cte("made")
    )  # fmt: skip
    columns = {"name": made.c.name, "note": made.c.note, "at": made.c.at, "flag": made.c.flag}
    announced = DONE.insert(made, columns, also_to=made.c.hook)
    return sa.select(made).add_cte(announced.cte("announced"))


STATEMENT = _statement()


@pytest.fixture(scope="module")
async def db() -> AsyncIterator[Database]:
    async with kit_database(metadata) as database:
        yield database


CASES = [
    # name, note, at, flag, hook
    ("plain", "a note", datetime(2026, 11, 22, 8, 30, 15, 123456, tzinfo=UTC), True, None),
    (
        'quotes " and \\ and \n and ünïcode ✓',
        None,
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        False,
        "http://127.0.0.1:9/c",
    ),
    ("hook is a subscriber", "", datetime(2026, 6, 1, 0, 0, 0, 500000, tzinfo=UTC), True, SUBSCRIBERS[0]),
]


@pytest.mark.parametrize(("name", "note", "at", "flag", "hook"), CASES)
async def test_the_statement_writes_the_event_the_outbox_would(
    db: Database, name: str, note: str | None, at: datetime, flag: bool, hook: str | None
) -> None:
    box = Outbox([("thing.done", url) for url in SUBSCRIBERS] + [("*", SUBSCRIBERS[1])])
    thing_id, now = new_id(), datetime.now(UTC)
    known = {"thing_id": thing_id, "count": 7, "when": now}
    params = {"p_id": thing_id, "p_name": name, "p_note": note, "p_at": at, "p_flag": flag, "p_hook": hook}
    async with db.statement() as pg:
        assert pg is not None
        (row,) = await fetch_on_driver(pg, STATEMENT, {**params, **DONE.params(box, known, now=now)})
    assert row["id"] == thing_id
    async with db.transaction() as conn:
        written = (await conn.execute(sa.select(outbox).where(outbox.c.body.contains(str(thing_id))))).all()

    expected_event = ThingDone(thing_id=thing_id, name=name, count=7, note=note, at=at, when=now, flag=flag)
    expected = {
        r["destination"]: r for r in box.rows("thing.done", expected_event, also_to=[hook], occurred_at=now)
    }
    assert sorted(r.destination for r in written) == sorted(expected), (
        "one row per destination, no duplicates"
    )
    assert len({r.event_id for r in written}) == 1
    for r in written:
        body, want = loads(r.body), loads(expected[r.destination]["body"])
        assert body["id"] == str(r.event_id) and body["type"] == "thing.done" == r.event_type
        assert datetime.fromisoformat(body["occurred_at"]) == datetime.fromisoformat(want["occurred_at"])
        assert ThingDone.model_validate(body["data"]) == expected_event
        assert list(body) == list(want) and list(body["data"]) == list(want["data"]), (
            "the contract's key order"
        )
        assert r.body == dumps(body).decode(), "compact, as sealkit's JSON writer makes it"
        assert (r.status, r.attempts, r.next_attempt_at) == ("pending", 0, now)


async def test_no_row_no_event(db: Database) -> None:
    """A statement whose change did not happen (no source row) writes no outbox row."""
    box = Outbox([("thing.done", SUBSCRIBERS[0])])
    nothing = sa.select(things).where(sa.false()).cte("nothing")
    columns = {"name": nothing.c.name, "note": nothing.c.note, "at": nothing.c.at, "flag": nothing.c.flag}
    stmt = sa.select(sa.literal(1)).add_cte(DONE.insert(nothing, columns).cte("announced"))
    async with db.statement() as pg:
        assert pg is not None
        before = await pg.fetchval("SELECT count(*) FROM outbox")
        await fetch_on_driver(
            pg,
            stmt,
            DONE.params(
                box, {"thing_id": new_id(), "count": 1, "when": datetime.now(UTC)}, now=datetime.now(UTC)
            ),
        )
        assert await pg.fetchval("SELECT count(*) FROM outbox") == before


def test_the_layout_is_checked() -> None:
    with pytest.raises(ValueError, match="no field"):
        EventInSql("thing.done", ThingDone, from_row=("nope",))
    with pytest.raises(ValueError, match="needs"):
        DONE.params(Outbox([]), {"thing_id": new_id()}, now=datetime.now(UTC))
