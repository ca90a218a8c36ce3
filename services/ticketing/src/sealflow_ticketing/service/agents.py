"""Agents' availability for automatic dispatch, and the KPIs per agent and per type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from sealflow_ticketing import repository as repo
from sealflow_ticketing.schemas import AgentKpi, AgentOut, AvailabilityIn, KpiRow, TypeKpi
from sealkit.auth import Principal
from sealkit.sql import AnyRow, Rows
from sealkit.types import utcnow

K = TypeVar("K", bound=KpiRow)


async def set_availability(conn: AsyncConnection, *, user: Principal, body: AvailabilityIn) -> AgentOut:
    await repo.upsert_agent(
        conn,
        {
            "agent_id": user.sub,
            "available": body.available,
            "types": sorted(set(body.types)) if body.types is not None else None,
            "capacity": body.capacity,
            "updated_at": utcnow(),
        },
    )
    return (await list_agents(conn, agent_id=user.sub))[0]


async def list_agents(conn: AsyncConnection, *, agent_id: str | None = None) -> list[AgentOut]:
    return [AgentOut.model_validate(dict(r._mapping)) for r in await repo.list_agents(conn, agent_id)]


def _merge(resolved: Rows, ratings: Rows, open_: Rows, make: Callable[[str, KpiRow], K]) -> list[K]:
    by_key: dict[str, dict[str, AnyRow]] = {}
    for name, rows in (("resolved", resolved), ("ratings", ratings), ("open", open_)):
        for row in rows:
            if row.key is not None:
                by_key.setdefault(row.key, {})[name] = row
    out: list[K] = []
    for key in sorted(by_key):
        parts = by_key[key]
        done, rated, still = parts.get("resolved"), parts.get("ratings"), parts.get("open")
        out.append(
            make(
                key,
                KpiRow(
                    handled=int(done.handled) if done else 0,
                    open=int(still.open) if still else 0,
                    mean_handling_seconds=_float(done.mean_handling_seconds) if done else None,
                    sla_met_ratio=_float(done.sla_met_ratio) if done else None,
                    mean_rating=_float(rated.mean_rating) if rated else None,
                    ratings=int(rated.ratings) if rated else 0,
                ),
            )
        )
    return out


def _float(value: Any) -> float | None:
    """AVG() gives Decimal on PostgreSQL and float on SQLite."""
    return None if value is None else round(float(value), 4)


async def agent_kpis(conn: AsyncConnection) -> list[AgentKpi]:
    return _merge(*await repo.kpis(conn, "agent"), lambda k, v: AgentKpi(agent_id=k, **v.model_dump()))


async def type_kpis(conn: AsyncConnection) -> list[TypeKpi]:
    return _merge(*await repo.kpis(conn, "type"), lambda k, v: TypeKpi(type=k, **v.model_dump()))
