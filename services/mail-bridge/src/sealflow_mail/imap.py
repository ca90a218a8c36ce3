"""The IMAP listener: IDLE for push, a periodic re-scan as a safety net, reconnect with backoff.

Progress is a UID high-water mark per mailbox and UIDVALIDITY, advanced in the same transaction that
records each mail, so a restart (or a reconnect) never processes a mail twice. Processed mail is
flagged \\Seen, or moved to `processed_folder` when one is configured. With several replicas, one holds
the mailbox's advisory lock and listens; the others stand by and take over when it goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import random
import re
import tempfile
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator
from pathlib import Path
from typing import Any

import aioimaplib
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from sealflow_mail import repository as repo
from sealflow_mail.config import ImapConfig, MailSettings
from sealflow_mail.submit import Pipeline
from sealkit.app import being_cancelled
from sealkit.db import Database

log = logging.getLogger("sealflow_mail.imap")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)", re.I)
_STOP = aioimaplib.STOP_WAIT_SERVER_PUSH


STANDBY_SECONDS = 5.0
POISON_ATTEMPTS = 3


class ImapError(Exception):
    pass


def lock_key(cfg: ImapConfig) -> int:
    """A PostgreSQL advisory-lock key for one mailbox (64-bit, from its identity)."""
    identity = f"sealflow-mail-imap:{cfg.username}@{cfg.host}:{cfg.port}/{cfg.mailbox}".encode()
    return int.from_bytes(hashlib.sha256(identity).digest()[:8], "big", signed=True)


@contextlib.asynccontextmanager
async def leadership(db: Database, key: int) -> AsyncIterator[bool]:
    """True while this process holds the mailbox's advisory lock: one replica listens, the rest stand by.

    The lock lives on a connection of its own in autocommit (no transaction left open for hours); it
    goes with that connection if the process dies. On SQLite (one host) a lock file beside the
    database plays the same part for the worker processes.
    """
    if db.is_sqlite:
        with _file_lock(db, key) as held:
            yield held
        return
    async with db.engine.connect() as raw:
        conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
        held = bool(await conn.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(Exception):
                    await conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))


@contextlib.contextmanager
def _file_lock(db: Database, key: int) -> Iterator[bool]:
    database = make_url(db.url).database or ""
    name = f"imap-{key & 0xFFFFFFFF:08x}.lock"
    if database and database != ":memory:":
        lock_path = Path(database).with_name(f"{Path(database).name}.{name}")
    else:
        lock_path = Path(tempfile.gettempdir()) / f"sealflow-mail-{name}"
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ok(response: aioimaplib.Response, what: str) -> aioimaplib.Response:
    if response.result != "OK":
        raise ImapError(f"{what}: {response.result} {b' '.join(bytes(x) for x in response.lines)[:300]!r}")
    return response


def _has_exists(lines: Iterable[bytes | bytearray]) -> bool:
    return any(isinstance(line, bytes) and line.endswith(b"EXISTS") for line in lines)


def search_uids(lines: Iterable[bytes | bytearray]) -> list[int]:
    """UIDs from a UID SEARCH response (aioimaplib leaves `SEARCH` on the line or strips it)."""
    found: list[int] = []
    for line in lines:
        if not isinstance(line, bytes):
            continue
        parts = line.split()
        if parts and parts[0].upper() == b"SEARCH":
            parts = parts[1:]
        elif not parts or not all(p.isdigit() for p in parts):
            continue
        found.extend(int(p) for p in parts if p.isdigit())
    return sorted(set(found))


def fetched_body(lines: Iterable[bytes | bytearray]) -> bytes | None:
    for line in lines:
        if isinstance(line, bytearray):
            return bytes(line)
    return None


class ImapListener:
    def __init__(self, cfg: ImapConfig, settings: MailSettings, pipeline: Pipeline, db: Database) -> None:
        self.cfg, self.settings, self.pipeline, self.db = cfg, settings, pipeline, db
        self.connected = asyncio.Event()  # set while a session is up (tests and readiness use it)
        self._failures: dict[tuple[int, int], int] = {}
        self._lost = asyncio.Event()
        # Decisions are posted to approval in the background, so a slow approval does not hold up the
        # mailbox; a slow approval cannot lose one either (the retry worker owns anything left over).
        self._submissions: set[asyncio.Future[None]] = set()

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(job)
        self._submissions.add(task)
        task.add_done_callback(self._submissions.discard)

    async def run_forever(self) -> None:
        try:
            await self._run()
        finally:  # a submission cut short here is picked up again by the retry worker
            for task in list(self._submissions):
                task.cancel()
            await asyncio.gather(*self._submissions, return_exceptions=True)

    async def _run(self) -> None:
        delay = 1.0
        key = lock_key(self.cfg)
        while True:
            try:
                async with leadership(self.db, key) as leader:
                    if not leader:  # another replica reads this mailbox; take over if it goes away
                        await asyncio.sleep(min(self.settings.imap_rescan_seconds, STANDBY_SECONDS))
                        continue
                    await self._session()
            except Exception as exc:
                if being_cancelled():
                    raise asyncio.CancelledError from None
                log.warning(
                    "IMAP session on %s:%d ended: %s: %s",
                    self.cfg.host,
                    self.cfg.port,
                    type(exc).__name__,
                    exc,
                )
            if self.connected.is_set():
                delay = 1.0  # the session worked for a while: start the backoff over
            self.connected.clear()
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.settings.imap_reconnect_max_seconds)

    async def _connect(self) -> aioimaplib.IMAP4:
        timeout = self.settings.imap_timeout_seconds
        if self.cfg.use_tls:
            client: aioimaplib.IMAP4 = aioimaplib.IMAP4_SSL(self.cfg.host, self.cfg.port, timeout=timeout)
        else:
            client = aioimaplib.IMAP4(self.cfg.host, self.cfg.port, timeout=timeout)
        # Notice a dropped connection at once, not when the IDLE interval runs out.
        self._lost = asyncio.Event()
        client.protocol.conn_lost_cb = lambda _exc: self._lost.set()
        await client.wait_hello_from_server()
        _ok(await client.login(self.cfg.username, self.cfg.password), "LOGIN")
        return client

    async def _session(self) -> None:
        client = await self._connect()
        work = asyncio.ensure_future(self._work(client))
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            # Whatever the session is doing (a command, IDLE, processing a mail), a dropped connection
            # ends it now: an interrupted mail is safe (recorded or not in one transaction; a decision
            # not yet submitted is retried), and the next session resumes at the high-water mark.
            await asyncio.wait({work, lost}, return_when=asyncio.FIRST_COMPLETED)
            if work.done():
                work.result()
            raise ImapError("the server closed the connection")
        finally:
            for task in (work, lost):
                task.cancel()
            await asyncio.gather(work, lost, return_exceptions=True)
            if not self._lost.is_set():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.logout(), 5)

    async def _work(self, client: aioimaplib.IMAP4) -> None:
        folder = self.settings.processed_folder
        if folder:
            await client.create(folder)  # NO [ALREADYEXISTS] is fine
        selected = _ok(await client.select(self.cfg.mailbox), f"SELECT {self.cfg.mailbox}")
        match = next((m for m in map(_UIDVALIDITY.search, selected.lines) if m), None)
        if match is None:
            raise ImapError("the server did not send UIDVALIDITY")
        uidvalidity = int(match.group(1))
        self.connected.set()
        log.info("IMAP %s selected (UIDVALIDITY %d)", self.cfg.mailbox, uidvalidity)
        while True:
            await self._scan(client, uidvalidity)
            await self._wait_for_mail(client)

    async def _scan(self, client: aioimaplib.IMAP4, uidvalidity: int) -> int:
        """Process every mail above the high-water mark; returns how many."""
        async with self.db.transaction() as conn:
            last = await repo.last_uid(conn, self.cfg.mailbox, uidvalidity)
        processed = 0
        while True:
            found = _ok(await client.uid_search(f"UID {last + 1}:*", charset=None), "UID SEARCH")
            uids = [uid for uid in search_uids(found.lines) if uid > last]
            for uid in uids:
                fetched = _ok(await client.uid("fetch", str(uid), "(BODY.PEEK[])"), "UID FETCH")
                raw = fetched_body(fetched.lines)
                if raw is None:  # expunged meanwhile
                    continue
                position = (self.cfg.mailbox, uidvalidity, uid)
                try:
                    received = await self.pipeline.process(
                        raw, source="imap", position=position, submit=False
                    )
                    if received.outcome is None:  # a decision: submit it beside the mailbox, not in its way
                        self._spawn(self.pipeline.submit_quietly(received.inbound_id))
                except Exception as exc:
                    if not self._poisonous(uidvalidity, uid, exc):
                        raise  # reconnect with backoff and try again from the high-water mark
                    log.exception("giving up on UID %d after %d attempts", uid, POISON_ATTEMPTS)
                    await self.pipeline.record_unprocessable(
                        source="imap", position=position, error=repr(exc)
                    )
                await self._mark(client, uid)
                last, processed = uid, processed + 1
            # New mail reported while we searched may not be in the result: look once more.
            if not uids and not _has_exists(found.lines):
                return processed

    def _poisonous(self, uidvalidity: int, uid: int, exc: Exception) -> bool:
        """True once the same mail has failed POISON_ATTEMPTS times for a reason other than the database
        or the network being away (those are retried for as long as they last)."""
        if isinstance(exc, OSError | TimeoutError | DBAPIError) and not isinstance(
            exc, DataError | IntegrityError
        ):
            return False
        key = (uidvalidity, uid)
        self._failures[key] = self._failures.get(key, 0) + 1
        return self._failures[key] >= POISON_ATTEMPTS

    async def _mark(self, client: aioimaplib.IMAP4, uid: int) -> None:
        folder = self.settings.processed_folder
        try:
            if folder and client.has_capability("MOVE"):
                _ok(await client.uid("move", str(uid), folder), "UID MOVE")
            elif folder:
                _ok(await client.uid("copy", str(uid), folder), "UID COPY")
                _ok(await client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Seen \Deleted)"), "UID STORE")
                if client.has_capability("UIDPLUS"):
                    await client.uid("expunge", str(uid))
            else:
                _ok(await client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Seen)"), "UID STORE")
        except ImapError as exc:  # the high-water mark already covers it; flags are for people
            log.warning("could not mark UID %d as processed: %s", uid, exc)
            if folder:  # e.g. a folder name the server refuses: at least flag it
                with contextlib.suppress(ImapError):
                    _ok(await client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Seen)"), "UID STORE")

    async def _wait_for_mail(self, client: aioimaplib.IMAP4) -> None:
        """IDLE until the server reports new mail or the re-scan interval passes (polling without IDLE)."""
        interval = self.settings.imap_rescan_seconds
        if not client.has_capability("IDLE"):
            await asyncio.sleep(interval)
            return
        idle = await client.idle_start(timeout=interval)
        try:
            while True:
                try:
                    push = await client.wait_server_push(timeout=interval + 5)
                except TimeoutError:
                    break
                if push == _STOP or _has_exists(push if isinstance(push, list) else []):
                    break
        finally:
            if not self._lost.is_set():
                if client.has_pending_idle():
                    client.idle_done()
                await asyncio.wait_for(idle, self.settings.imap_timeout_seconds)
            else:
                idle.cancel()
