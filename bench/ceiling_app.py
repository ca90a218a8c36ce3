"""The ceiling C of docs/performance.md: a bare FastAPI endpoint doing ONE `INSERT … RETURNING`
on a raw asyncpg pool (pool defaults, so the connection reset on release is paid as in any app).

    BENCH_CEILING_DSN=postgresql://postgres@127.0.0.1:5432/<scratch db> \
        uv run uvicorn --factory --app-dir bench ceiling_app:create_app --loop uvloop --http httptools

The table (`ceiling_items`) is created by bench/common.py's `measure_ceiling()` before the server starts.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

INSERT = "INSERT INTO ceiling_items (title) VALUES ($1) RETURNING id, created_at"


class ItemIn(BaseModel):
    title: str = Field(max_length=200)


class ItemOut(BaseModel):
    id: int
    title: str


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool: Any = await asyncpg.create_pool(
            os.environ["BENCH_CEILING_DSN"],
            min_size=int(os.environ.get("BENCH_CEILING_POOL", "10")),
            max_size=int(os.environ.get("BENCH_CEILING_POOL", "10")),
        )
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(title="ceiling", lifespan=lifespan)

    @app.post("/items", status_code=201)
    async def create_item(item: ItemIn, request: Request) -> ItemOut:
        async with request.app.state.pool.acquire() as conn:
            row = await conn.fetchrow(INSERT, item.title)
        return ItemOut(id=row["id"], title=item.title)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
