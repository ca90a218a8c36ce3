"""Ids: UUIDv7, time-ordered, so rows made in one process sort in the order they were made."""

from __future__ import annotations

import random
import threading
import time
from uuid import UUID

# Ids are not secrets (every read checks ownership), so a seeded PRNG will do: os.urandom per id is a
# syscall, and syscalls are what this service's hot paths are short of.
_random = random.Random()
_lock = threading.Lock()
_last_ms = 0
_sequence = 0


def new_id() -> UUID:
    """A UUIDv7 (RFC 9562): 48-bit milliseconds, a 12-bit sequence within the millisecond, random rest.

    Rows written in one transaction share their timestamp; ordering by (time, id) then keeps the order
    they were written in (approvers as given, a decision before the settlement it caused).
    """
    global _last_ms, _sequence
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms, _sequence = _last_ms, _sequence + 1
            if _sequence > 0xFFF:
                ms, _sequence = ms + 1, 0
        else:
            _sequence = 0
        _last_ms = ms
        value = (ms << 80) | (0x7 << 76) | (_sequence << 64) | (0b10 << 62) | _random.getrandbits(62)
    return UUID(int=value)
