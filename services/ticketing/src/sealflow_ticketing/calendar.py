"""Business-hours calendar arithmetic for ticket SLAs (pure: no I/O, no clock).

Rules, the way Znuny/OTRS, RT and Zammad count an SLA:

* A calendar has an IANA time zone, working intervals per weekday (0=Monday .. 6=Sunday,
  several per day allowed, e.g. 09:00-12:00 and 13:00-18:00) and holidays (local dates).
  Only time inside a working interval counts; everything else is "closed".
* Intervals are local wall-clock times in the calendar's zone. ``end <= start`` means the
  interval runs past midnight into the next day (22:00-06:00 is a night shift);
  ``end == start`` means a full 24 hours. In JSON, ``"24:00"`` may be used as an end time
  and means midnight at the end of the day.
* An interval belongs to the day it STARTS on: on a holiday no interval starts, but a night
  shift that started the evening before a holiday still runs to its end.
* Overlapping intervals on different days (e.g. Monday 22:00-06:00 and Tuesday
  00:00-08:00) are counted once; overlapping intervals on the same day are rejected as a
  configuration mistake. Touching intervals (09:00-12:00, 12:00-13:00) are continuous.
* Daylight saving time: each interval boundary is converted from local wall time to a
  real instant, so on a day when the clocks jump an interval's real length changes
  (01:00-04:00 on the spring-forward day in Europe/Berlin lasts 2 real hours, and 3 real
  hours on a normal day; on the fall-back day 01:00-04:00 lasts 4 real hours).

  - A nonexistent local time (inside the spring-forward gap) resolves forward to the
    instant the clocks jump, i.e. the first moment that exists after the gap
    (Berlin 02:30 on the spring-forward day -> 03:00 CEST). So an interval lying wholly in
    the gap counts zero minutes.
  - An ambiguous local time (inside the fall-back overlap) takes its first occurrence
    (Berlin 02:30 on the fall-back day -> 02:30 CEST, not 02:30 CET).

  Both rules make local -> UTC conversion non-decreasing, so intervals never get a
  negative length and consecutive intervals never overlap because of DST.
* ``add_business_minutes(start, m, cal)``: if ``start`` is outside business time counting
  begins at the next business moment; ``m == 0`` returns that moment (or ``start`` itself
  when it is inside business time). A deadline that uses up an interval exactly lands on
  the interval's end (09:00 + 8h in a 09:00-17:00 calendar is 17:00 the same day, not
  09:00 the next). The result is always an aware UTC datetime.
* ``business_minutes_between(start, end, cal)`` counts business minutes in ``[start, end)``
  (0 when ``end <= start``). For every ``start`` and ``m >= 0``:
  ``business_minutes_between(start, add_business_minutes(start, m, cal), cal) == m``.
* ``calendar=None`` means plain wall-clock (real elapsed) minutes, every minute counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "BusinessCalendar",
    "Interval",
    "add_business_minutes",
    "business_minutes_between",
]

DAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_TIME_RE = re.compile(r"^(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Interval:
    """Local working time ``[start, end)``; ``end <= start`` runs into the next day, ``end == start`` is 24h."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if not isinstance(value, time):
                raise ValueError(f"interval {name} must be a datetime.time, got {type(value).__name__}")
            if value.tzinfo is not None:
                # The calendar's zone is the only zone; a per-interval zone would be ambiguous.
                raise ValueError(f"interval {name} must be a naive local time, got tzinfo={value.tzinfo!r}")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def local_bounds(self, day: date) -> tuple[datetime, datetime]:
        """Naive local start and end of this interval when it starts on ``day``."""
        start = datetime.combine(day, self.start)
        end = datetime.combine(day + _ONE_DAY if self.crosses_midnight else day, self.end)
        return start, end


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # OSError: some keys name a directory of the tz database (e.g. "America").
        raise ValueError(f"unknown time zone {name!r}") from exc


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in an IANA zone; see the module docstring for the counting rules."""

    timezone: str
    # Excluded from the hash (a dict is unhashable) but still compared, so hash/eq stay consistent.
    hours: dict[int, tuple[Interval, ...]] = field(hash=False)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, str) or not self.timezone:
            raise ValueError("timezone must be a non-empty IANA zone name")
        _zone(self.timezone)
        if not isinstance(self.hours, Mapping):
            raise ValueError("hours must be a mapping of weekday (0=Monday..6=Sunday) to intervals")
        normalized: dict[int, tuple[Interval, ...]] = {}
        for weekday in sorted(self.hours):
            if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be an int 0 (Monday) .. 6 (Sunday), got {weekday!r}")
            intervals = tuple(self.hours[weekday])
            for iv in intervals:
                if not isinstance(iv, Interval):
                    raise ValueError(f"hours[{weekday}] must hold Interval values, got {type(iv).__name__}")
            # Sorted so equal calendars compare equal and the span walk sees starts in order.
            intervals = tuple(sorted(intervals, key=lambda iv: (iv.start, iv.end)))
            _reject_same_day_overlap(weekday, intervals)
            if intervals:
                # "Missing weekday = closed"; dropping empty days keeps equality and to_json round-trips exact.
                normalized[weekday] = intervals
        object.__setattr__(self, "hours", normalized)
        holidays = frozenset(self.holidays)
        for d in holidays:
            if not isinstance(d, date) or isinstance(d, datetime):
                raise ValueError(f"holidays must be dates, got {d!r}")
        object.__setattr__(self, "holidays", holidays)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    @property
    def has_working_time(self) -> bool:
        return any(self.hours.values())

    @classmethod
    def parse(cls, data: Any) -> BusinessCalendar:
        """Build a calendar from the REST JSON shape; ``ValueError`` with a clear message on bad input.

        ``{"timezone": "Asia/Shanghai", "working_hours": {"mon": [["09:00", "12:00"], ...], ...},
        "holidays": ["2026-10-01", ...]}``. Day keys are ``mon`` .. ``sun`` (case-insensitive);
        times are ``HH:MM`` (or ``HH:MM:SS``); ``"24:00"`` is allowed as an end time (and comes
        back from ``to_json`` as ``"00:00"``, which means the same); ``holidays`` is optional.
        A calendar without any working interval is rejected.
        """
        if not isinstance(data, dict):
            raise ValueError("business calendar must be a JSON object")
        unknown = sorted(set(data) - {"timezone", "working_hours", "holidays"})
        if unknown:
            raise ValueError(f"business calendar: unknown field(s) {', '.join(map(repr, unknown))}")
        if "timezone" not in data:
            raise ValueError("business calendar: 'timezone' is required")
        tz = data["timezone"]
        if not isinstance(tz, str) or not tz:
            raise ValueError("business calendar: 'timezone' must be a non-empty string")
        _zone(tz)

        if "working_hours" not in data:
            raise ValueError("business calendar: 'working_hours' is required")
        raw_hours = data["working_hours"]
        if not isinstance(raw_hours, dict):
            raise ValueError("business calendar: 'working_hours' must be an object keyed by day (mon..sun)")
        hours: dict[int, tuple[Interval, ...]] = {}
        for key, raw_intervals in raw_hours.items():
            day_key = key.lower() if isinstance(key, str) else key
            if day_key not in DAY_KEYS:
                raise ValueError(
                    f"business calendar: bad day key {key!r} in 'working_hours' (use {', '.join(DAY_KEYS)})"
                )
            weekday = DAY_KEYS.index(day_key)
            if weekday in hours:
                raise ValueError(f"business calendar: day {day_key!r} given more than once")
            hours[weekday] = _parse_intervals(day_key, raw_intervals)
        if not any(hours.values()):
            raise ValueError("business calendar: 'working_hours' has no working interval at all")

        raw_holidays = data.get("holidays", [])
        if not isinstance(raw_holidays, list):
            raise ValueError("business calendar: 'holidays' must be a list of YYYY-MM-DD dates")
        holidays: set[date] = set()
        for raw in raw_holidays:
            if not isinstance(raw, str) or not _DATE_RE.match(raw):
                raise ValueError(f"business calendar: bad holiday {raw!r} (expected YYYY-MM-DD)")
            try:
                holidays.add(date.fromisoformat(raw))
            except ValueError as exc:
                raise ValueError(f"business calendar: bad holiday {raw!r} ({exc})") from exc

        try:
            return cls(timezone=tz, hours=hours, holidays=frozenset(holidays))
        except ValueError as exc:
            raise ValueError(f"business calendar: {exc}") from exc

    def to_json(self) -> dict[str, Any]:
        """The ``parse`` shape; days without intervals are left out, holidays sorted."""
        return {
            "timezone": self.timezone,
            "working_hours": {
                DAY_KEYS[weekday]: [[_format_time(iv.start), _format_time(iv.end)] for iv in intervals]
                for weekday, intervals in sorted(self.hours.items())
                if intervals
            },
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
        }


def _reject_same_day_overlap(weekday: int, intervals: tuple[Interval, ...]) -> None:
    # Overlap within one day is almost certainly a typo; overlap across days (a night shift
    # running into the next day's early shift) is legitimate and merged when counting.
    previous_end: datetime | None = None
    anchor = date(2001, 1, 1)  # any date; only the local time-of-day ordering matters here
    for iv in intervals:
        start, end = iv.local_bounds(anchor)
        if previous_end is not None and start < previous_end:
            raise ValueError(f"overlapping intervals on {DAY_KEYS[weekday]}")
        previous_end = end if previous_end is None else max(previous_end, end)


def _parse_time(day_key: str, raw: Any, *, is_end: bool) -> time:
    if isinstance(raw, str):
        if is_end and raw == "24:00":
            # Midnight at the end of the day: an end <= start runs into the next day.
            return time(0, 0)
        m = _TIME_RE.match(raw)
        if m:
            return time(int(m["h"]), int(m["m"]), int(m["s"] or 0))
    raise ValueError(f"business calendar: bad time {raw!r} on {day_key!r} (expected HH:MM, 00:00-23:59)")


def _parse_intervals(day_key: str, raw: Any) -> tuple[Interval, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"business calendar: {day_key!r} must be a list of [start, end] pairs")
    out: list[Interval] = []
    for pair in raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"business calendar: {day_key!r} interval {pair!r} must be a [start, end] pair")
        out.append(
            Interval(_parse_time(day_key, pair[0], is_end=False), _parse_time(day_key, pair[1], is_end=True))
        )
    return tuple(out)


def _format_time(t: time) -> str:
    return t.strftime("%H:%M:%S") if t.second or t.microsecond else t.strftime("%H:%M")


def _local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Real instant of a naive local wall time: gaps resolve forward, overlaps take the first occurrence."""
    first = local.replace(tzinfo=zone, fold=0)
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) == local:
        # Exists; for an ambiguous time fold=0 already is the first occurrence.
        return as_utc
    # In a gap: fold=0 and fold=1 map to the two instants bracketing the jump. Find the jump
    # (the first instant whose wall time is >= local) by bisection over whole seconds; tz
    # database transitions are always on whole seconds.
    other = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo = min(as_utc, other).replace(microsecond=0)
    hi = max(as_utc, other)
    lo_s, hi_s = 0, int((hi - lo).total_seconds()) + 1
    while lo_s < hi_s:
        mid = (lo_s + hi_s) // 2
        if (lo + mid * _ONE_SECOND).astimezone(zone).replace(tzinfo=None) >= local:
            hi_s = mid
        else:
            lo_s = mid + 1
    return lo + lo_s * _ONE_SECOND


def _raw_spans(calendar: BusinessCalendar, first_day: date) -> Iterator[tuple[datetime, datetime]]:
    zone = calendar.zone
    day = first_day
    while True:
        if day not in calendar.holidays:
            for iv in calendar.hours.get(day.weekday(), ()):
                local_start, local_end = iv.local_bounds(day)
                yield _local_to_utc(local_start, zone), _local_to_utc(local_end, zone)
        day += _ONE_DAY


def _spans(calendar: BusinessCalendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Disjoint, non-empty business spans (UTC) in time order, from the first one that may contain ``start``.

    Raw intervals come in start order: a day's intervals are sorted, every interval starts
    on its own day, and local -> UTC is non-decreasing. Overlaps (a night shift running into
    the next day's early shift) are clipped rather than merged, because merging would never
    finish on a 24/7 calendar. An interval lasts at most ~25 real hours, so starting one
    local day early catches a night shift still running at ``start``. Infinite; callers stop
    when they have what they need.
    """
    first_day = start.astimezone(calendar.zone).date() - _ONE_DAY
    covered_until: datetime | None = None
    for span_start, span_end in _raw_spans(calendar, first_day):
        if covered_until is not None:
            span_start = max(span_start, covered_until)
        if span_end <= span_start:
            continue  # wholly inside a DST gap, or already counted by an overlapping interval
        covered_until = span_end
        yield span_start, span_end


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def add_business_minutes(start: datetime, minutes: int, calendar: BusinessCalendar | None) -> datetime:
    """The moment ``minutes`` business minutes after ``start``, as an aware UTC datetime.

    Walks whole business spans, so cost grows with the number of calendar days covered,
    not with ``minutes``. ``ValueError`` for a naive ``start``, negative ``minutes`` or a
    calendar with no working time at all.
    """
    _require_aware("start", start)
    if minutes < 0:
        raise ValueError(f"minutes must be >= 0, got {minutes}")
    start_utc = start.astimezone(UTC)
    remaining = minutes * _MINUTE
    if calendar is None:
        return start_utc + remaining
    if not calendar.has_working_time:
        # Without this the span walk would never find a span and loop forever.
        raise ValueError("business calendar has no working time at all")
    for span_start, span_end in _spans(calendar, start_utc):
        if span_end <= start_utc:
            continue
        cursor = max(span_start, start_utc)
        available = span_end - cursor
        if remaining <= available:
            return cursor + remaining
        remaining -= available
    raise AssertionError("unreachable: _spans is infinite")  # pragma: no cover


def business_minutes_between(start: datetime, end: datetime, calendar: BusinessCalendar | None) -> float:
    """Business minutes elapsed in ``[start, end)``; 0 when ``end <= start``."""
    _require_aware("start", start)
    _require_aware("end", end)
    start_utc = start.astimezone(UTC)
    end_utc = end.astimezone(UTC)
    if end_utc <= start_utc:
        return 0.0
    if calendar is None:
        return (end_utc - start_utc) / _MINUTE
    if not calendar.has_working_time:
        return 0.0
    total = timedelta(0)
    for span_start, span_end in _spans(calendar, start_utc):
        if span_start >= end_utc:
            break
        overlap = min(span_end, end_utc) - max(span_start, start_utc)
        if overlap > timedelta(0):
            total += overlap
    return total / _MINUTE
