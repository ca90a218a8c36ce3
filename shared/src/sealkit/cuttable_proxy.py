"""Test kit: a TCP proxy in front of PostgreSQL that a test cuts, the two ways a network fails.

- `refuse()`: every connection is reset and new ones are refused (a database that is down).
- `blackhole()`: connections stay open but nothing gets through either way, and new ones are accepted
  and never answered (a firewall dropping packets, a hung host): the case without any error to react to.
- `restore()`: traffic flows again (connections cut before are gone; the pool must reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Literal

Mode = Literal["open", "refuse", "blackhole"]


class CuttableProxy:
    def __init__(self, upstream_host: str = "127.0.0.1", upstream_port: int = 5432, *, port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = port
        self.mode: Mode = "open"
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def refuse(self) -> None:
        self.mode = "refuse"
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._cut_all()

    def blackhole(self) -> None:
        self.mode = "blackhole"

    async def restore(self) -> None:
        was = self.mode
        self.mode = "open"
        if was == "blackhole":
            self._cut_all()  # their bytes were swallowed: no protocol survives that
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.refuse()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _cut_all(self) -> None:
        for writer in list(self._links):
            writer.transport.abort()  # an RST, as from a restarted host
        self._links.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._links.add(client_writer)
        if self.mode == "blackhole":  # accepted, never answered: the client waits for its own timeout
            await self._swallow(client_reader)
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        self._links.add(upstream_writer)
        pumps = [
            asyncio.create_task(self._pump(client_reader, upstream_writer)),
            asyncio.create_task(self._pump(upstream_reader, client_writer)),
        ]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for task in pumps:
            task.cancel()
            self._tasks.discard(task)
        for writer in (client_writer, upstream_writer):
            writer.transport.abort()
            self._links.discard(writer)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if self.mode == "blackhole":
                    continue  # dropped on the floor, like a packet a firewall eats
                writer.write(data)
                await writer.drain()

    async def _swallow(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError):
            while await reader.read(65536):
                pass


@contextlib.asynccontextmanager
async def cuttable_proxy(port: int, upstream_port: int = 5432) -> AsyncIterator[CuttableProxy]:
    proxy = CuttableProxy(upstream_port=upstream_port, port=port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
