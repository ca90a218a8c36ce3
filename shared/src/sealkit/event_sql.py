"""Outbox rows written by the very statement that makes the change (PostgreSQL hot paths).

A hot path that is one autocommit statement (`Database.statement()`) cannot insert its event afterwards:
a crash in between would lose it. `EventInSql` makes the outbox insert a CTE of that statement. The
event's data comes partly from Python (what the caller knows before the statement) and partly from the
row the statement writes; the body is the contract's JSON with the row's values spliced in by SQL, so the
dispatcher signs and sends it like any other row (`sealkit.outbox`).

    RESOLVED = EventInSql(TICKET_RESOLVED, TicketResolved, from_row=("type", "due_at", ...), name="resolved")
    announced = RESOLVED.insert(done, {"type": done.c.type_key, ...}, also_to=done.c.notify_url)
    stmt = sa.select(done).add_cte(announced.cte("announced"))          # built once, cached
    params = {..., **RESOLVED.params(outbox, {"ticket_id": ..., "result": ...}, now=now)}
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ColumnElement

from sealkit.contracts.base import Contract
from sealkit.ids import new_id
from sealkit.jsonutil import dumps
from sealkit.outbox import Outbox
from sealkit.sql import constant
from sealkit.tables import outbox as outbox_table


class EventInSql:
    """One event type whose outbox rows a statement inserts; `name` keeps its parameters apart."""

    def __init__(
        self, event_type: str, contract: type[Contract], *, from_row: Sequence[str], name: str = "ev"
    ) -> None:
        fields = contract.model_fields
        unknown = set(from_row) - set(fields)
        if unknown:
            raise ValueError(f"{contract.__name__} has no field(s) {sorted(unknown)}")
        self.event_type, self.contract, self.name = event_type, contract, name
        self._order = list(fields)
        self._from_row = [f for f in self._order if f in from_row]
        self._known = [f for f in self._order if f not in from_row]
        # what `params` renders on every call, worked out once: each field's `"name":` and value adapter,
        # and the parameters' names
        self._keys = [("," if i else "") + dumps(f).decode() + ":" for i, f in enumerate(self._order)]
        self._adapters = {f: _adapter(contract, f) for f in self._known}
        self._fragment_names = [f"{name}_f{i}" for i in range(len(self._from_row) + 1)]

    def body(self, columns: Mapping[str, ColumnElement[Any]]) -> ColumnElement[str]:
        """The body as SQL: the fragments Python renders (`params`) around the row's values as JSON."""
        if set(columns) != set(self._from_row):
            raise ValueError(f"columns must be given for exactly {self._from_row}")
        pieces: list[ColumnElement[Any]] = [self._fragment(0)]
        for i, field in enumerate(self._from_row):
            pieces += [_as_json(columns[field], _is_datetime(self.contract, field)), self._fragment(i + 1)]
        return sa.func.concat(*pieces)

    def insert(
        self,
        source: sa.FromClause,
        columns: Mapping[str, ColumnElement[Any]],
        *,
        also_to: ColumnElement[Any] | None = None,
    ) -> sa.Insert:
        """INSERT INTO outbox one row per destination (the subscribers, then `also_to` unless it is one of
        them or NULL) for each row of `source`; `columns` are the `from_row` fields' values in it."""
        subscribers = sa.bindparam(f"{self.name}_to", type_=ARRAY(sa.Text))
        extra = (
            sa.null()
            if also_to is None
            else sa.case((also_to == sa.any_(subscribers), sa.null()), else_=also_to)
        )
        destinations = (
            sa.func.unnest(
                sa.func.array_append(subscribers, extra),
                sa.bindparam(f"{self.name}_ids", type_=ARRAY(sa.Uuid)),
            )
            .table_valued("url", "id")
            .render_derived()
        )
        now = sa.bindparam(f"{self.name}_now", type_=outbox_table.c.created_at.type)
        rows = (
            sa.select(
                destinations.c.id,
                sa.bindparam(f"{self.name}_event_id", type_=sa.Uuid),
                constant(self.event_type),
                destinations.c.url,
                self.body(columns),
                constant("pending"),
                constant(0),
                now,
                now,
            )
            .select_from(source)
            .join(destinations, sa.true())
            .where(destinations.c.url.is_not(None))
        )
        targets = [
            "id",
            "event_id",
            "event_type",
            "destination",
            "body",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ]
        return sa.insert(outbox_table).from_select(targets, rows)

    def params(self, outbox: Outbox, known: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
        """The statement's parameters for one call: `known` holds every field not taken from the row."""
        if not known.keys() >= self._adapters.keys():
            missing = sorted(self._adapters.keys() - known.keys())
            raise ValueError(f"{self.contract.__name__} needs {missing} from the caller")
        subscribers = list(dict.fromkeys(outbox.destinations(self.event_type)))
        event_id = new_id()
        envelope = dumps(
            {"id": str(event_id), "type": self.event_type, "source": outbox.source, "occurred_at": now}
        ).decode()
        fragments, current = [], envelope[:-1] + ',"data":{'
        for key, field in zip(self._keys, self._order, strict=True):
            adapter = self._adapters.get(field)
            if adapter is None:  # from the row: the SQL puts its value here
                fragments.append(current + key)
                current = ""
            else:
                current += key + dumps(adapter.dump_python(known[field], mode="json")).decode()
        fragments.append(current + "}}")
        return {
            **dict(zip(self._fragment_names, fragments, strict=True)),
            f"{self.name}_to": subscribers,
            f"{self.name}_ids": [new_id() for _ in range(len(subscribers) + 1)],
            f"{self.name}_event_id": event_id,
            f"{self.name}_now": now,
        }

    def _fragment(self, i: int) -> ColumnElement[str]:
        return sa.bindparam(f"{self.name}_f{i}", type_=sa.Text)


def _as_json(column: ColumnElement[Any], is_datetime: bool) -> ColumnElement[str]:
    """The column's value as JSON text; datetimes in UTC with a Z, as the contracts write them."""
    if is_datetime:
        local = sa.cast(sa.func.to_json(sa.func.timezone(constant("UTC"), column)), sa.Text)
        return sa.func.coalesce(
            sa.func.concat(sa.func.rtrim(local, constant('"')), constant('Z"')), constant("null")
        )
    return sa.func.coalesce(sa.cast(sa.func.to_json(column), sa.Text), constant("null"))


@cache
def _adapter(contract: type[Contract], field: str) -> TypeAdapter[Any]:
    annotation: Any = contract.model_fields[field].annotation
    return TypeAdapter(annotation)


def _is_datetime(contract: type[Contract], field: str) -> bool:
    annotation = contract.model_fields[field].annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return datetime in typing.get_args(annotation)
    return annotation is datetime
