"""The kit's database pieces on real PostgreSQL: the request transaction, the hot single-statement
connection, and the helpers the hot paths run through (insert_rows, insert_rows_at_once, fetch_on_driver)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sealkit.db import Database, after_commit, driver_connection
from sealkit.ids import new_id
from sealkit.sql import Batch, fetch_on_driver, insert_rows, insert_rows_at_once
from sealkit.testing import kit_database
from sealkit.types import JSONType, UTCDateTime

metadata = sa.MetaData()
parents = sa.Table(
    "kit_parents", metadata, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("data", JSONType),
    sa.Column("at", UTCDateTime, nullable=False), sa.Column("name", sa.String(50), nullable=False),
)  # fmt: skip
children = sa.Table(
    "kit_children", metadata, sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("parent_id", sa.Uuid, sa.ForeignKey("kit_parents.id"), nullable=False),
)  # fmt: skip
_PICK = sa.select(parents.c.id, parents.c.data, parents.c.name).where(
    parents.c.name == sa.bindparam("p_name"), parents.c.id.is_not(None)
)


@pytest.fixture(scope="module")
async def db() -> AsyncIterator[Database]:
    async with kit_database(metadata) as database:
        yield database


async def test_statement_lends_a_connection_outside_any_transaction(db: Database) -> None:
    async with db.statement() as pg:
        assert pg is not None, "on PostgreSQL the hot pool must lend a connection"
        assert not pg.is_in_transaction()
        # each statement commits on its own: another connection sees the row at once
        await insert_rows_at_once(pg, [(parents, [{"id": new_id(), "data": {"k": [1]}, "at": datetime.now(UTC),
                                            "name": "autocommit"}])])  # fmt: skip
    async with db.transaction() as conn:
        seen = (
            await conn.execute(sa.select(parents.c.data).where(parents.c.name == "autocommit"))
        ).scalar_one()
    assert seen == {"k": [1]}


async def test_statement_is_none_on_sqlite(tmp_path: object) -> None:
    lite = Database(f"sqlite+aiosqlite:///{tmp_path}/kit.db")
    await lite.open()
    async with lite.statement() as pg:
        assert pg is None
    await lite.dispose()


async def test_insert_rows_writes_parents_and_children_in_one_statement_and_rolls_back_with_the_request(
    db: Database,
) -> None:
    parent, child = new_id(), new_id()
    rows: list[Batch] = [(parents, [{"id": parent, "data": None, "at": datetime.now(UTC), "name": "tx"}]),
            (children, [{"id": child, "parent_id": parent}])]  # fmt: skip

    async def failing_request() -> None:
        async with db.transaction() as conn:
            assert await driver_connection(conn) is not None
            await insert_rows(conn, rows)
            raise RuntimeError("the request fails after the insert")

    with pytest.raises(RuntimeError):
        await failing_request()
    async with db.transaction() as conn:
        assert (
            await conn.execute(sa.select(sa.func.count()).where(parents.c.id == parent))
        ).scalar_one() == 0
        await insert_rows(conn, rows)  # the raw statement joins this transaction ...
        fired: list[bool] = []
        after_commit(conn, lambda: fired.append(True))
    assert fired == [True]
    async with db.transaction() as conn:  # ... and commits with it
        found = (
            await conn.execute(sa.select(children.c.parent_id).where(children.c.id == child))
        ).scalar_one()
    assert found == parent


async def test_fetch_on_driver_binds_named_and_literal_parameters(db: Database) -> None:
    mine = new_id()
    async with db.statement() as pg:
        assert pg is not None
        await insert_rows_at_once(
            pg, [(parents, [{"id": mine, "data": {"n": 2}, "at": datetime.now(UTC), "name": "fetch"}])]
        )
        rows = await fetch_on_driver(pg, _PICK, {"p_name": "fetch"})
        assert rows == [{"id": mine, "data": {"n": 2}, "name": "fetch"}]
        assert await fetch_on_driver(pg, _PICK, {"p_name": "nobody"}) == []
