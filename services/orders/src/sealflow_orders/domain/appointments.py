"""Appointment (预约号) rules as pure functions: slot shape, the day a slot belongs to, numbers, reminders.

A number is `A-` and a sequence of at least three digits (`A-007`, … `A-999`, `A-1000`), unique within
the slot's day: the day's counter only grows, so a freed number is never handed to someone else the
same day (a printed or remembered number keeps meaning one booking).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

NUMBER_PREFIX = "A"
_NUMBER = re.compile(r"^A-(\d{3,})$")
MAX_SLOT = timedelta(hours=24)


def slot_problems(start: datetime, end: datetime, capacity: int) -> list[tuple[str, str]]:
    """Why a slot is refused, as (field, reason); empty when it is fine."""
    problems: list[tuple[str, str]] = []
    if start.tzinfo is None or end.tzinfo is None:
        problems.append(("start", "start and end need a UTC offset"))
        return problems
    if end <= start:
        problems.append(("end", "end must be after start"))
    elif end - start > MAX_SLOT:
        problems.append(("end", "a slot lasts at most 24 hours"))
    if capacity < 1:
        problems.append(("capacity", "capacity must be at least 1"))
    return problems


def slot_day(start: datetime, zone: tzinfo) -> date:
    """The day a slot belongs to: the calendar day of its start in the service's time zone."""
    return start.astimezone(zone).date()


def format_number(sequence: int) -> str:
    if sequence < 1:
        raise ValueError("appointment sequences start at 1")
    return f"{NUMBER_PREFIX}-{sequence:03d}"


def parse_number(number: str) -> int | None:
    """The sequence of a well-formed number, else None."""
    match = _NUMBER.match(number)
    if match is None or (len(match.group(1)) > 3 and match.group(1).startswith("0")):
        return None
    sequence = int(match.group(1))
    return sequence if sequence >= 1 else None


def next_sequence(last_issued: int | None) -> int:
    """The sequence after the day's last issued one; freed numbers are not reused."""
    return 1 if last_issued is None else last_issued + 1


def remaining(capacity: int, booked: int) -> int:
    return max(0, capacity - booked)


def appointment_reminder_at(start: datetime, before_hours: float, now: datetime) -> datetime | None:
    """When to remind of an appointment: `before_hours` ahead, at once if that moment has passed,
    never once the appointment has begun."""
    if start <= now:
        return None
    return max(now, start - timedelta(hours=before_hours))


def returned_reminder_at(returned_at: datetime, after_hours: float) -> datetime:
    """When to remind an applicant of an application still returned `after_hours` later."""
    return returned_at + timedelta(hours=after_hours)
