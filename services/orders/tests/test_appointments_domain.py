"""Appointment rules: numbers (`A-007`), the slot's day in the service's zone, slot shape, reminder times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sealflow_orders.config import OrdersSettings
from sealflow_orders.domain.appointments import (
    appointment_reminder_at,
    format_number,
    next_sequence,
    parse_number,
    remaining,
    returned_reminder_at,
    slot_day,
    slot_problems,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_numbers_have_three_digits_at_least() -> None:
    assert format_number(7) == "A-007"
    assert format_number(999) == "A-999"
    assert format_number(1000) == "A-1000"
    with pytest.raises(ValueError, match="start at 1"):
        format_number(0)


@given(st.integers(min_value=1, max_value=10**6))
def test_a_number_parses_back_to_its_sequence(sequence: int) -> None:
    assert parse_number(format_number(sequence)) == sequence


@pytest.mark.parametrize("text", ["A-7", "A-0007", "A-000", "B-007", "A-00a", "a-007", "A-007 "])
def test_malformed_numbers_do_not_parse(text: str) -> None:
    assert parse_number(text) is None


def test_the_days_counter_only_grows() -> None:
    assert next_sequence(None) == 1
    assert next_sequence(6) == 7


def test_the_slot_day_is_the_start_day_in_the_service_zone() -> None:
    late_utc = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)  # 01:30 the next day in Shanghai
    assert slot_day(late_utc, UTC) == date(2026, 3, 2)
    assert slot_day(late_utc, ZoneInfo("Asia/Shanghai")) == date(2026, 3, 3)


@pytest.mark.parametrize(
    ("end", "capacity", "fields"),
    [
        (START + timedelta(minutes=30), 10, []),
        (START, 10, ["end"]),
        (START - timedelta(minutes=1), 10, ["end"]),
        (START + timedelta(hours=25), 10, ["end"]),
        (START + timedelta(minutes=30), 0, ["capacity"]),
        (START, 0, ["end", "capacity"]),
    ],
)
def test_slot_shape(end: datetime, capacity: int, fields: list[str]) -> None:
    assert [f for f, _ in slot_problems(START, end, capacity)] == fields


def test_a_slot_needs_an_offset() -> None:
    assert slot_problems(START.replace(tzinfo=None), START + timedelta(hours=1), 1) == [
        ("start", "start and end need a UTC offset")
    ]


def test_remaining_places_never_go_below_zero() -> None:
    assert remaining(10, 3) == 7
    assert remaining(10, 12) == 0


def test_appointment_reminder_before_the_start() -> None:
    now = START - timedelta(days=3)
    assert appointment_reminder_at(START, 24, now) == START - timedelta(hours=24)
    # booked at short notice: remind at once; once begun: no reminder
    assert appointment_reminder_at(START, 24, START - timedelta(hours=2)) == START - timedelta(hours=2)
    assert appointment_reminder_at(START, 24, START) is None


def test_returned_reminder_after_the_return() -> None:
    assert returned_reminder_at(START, 48) == START + timedelta(hours=48)


def test_the_zone_setting_is_checked_at_start_up() -> None:
    assert OrdersSettings(appointment_zone="Asia/Shanghai").appointment_zone == "Asia/Shanghai"
    with pytest.raises(ValidationError, match="unknown time zone"):
        OrdersSettings(appointment_zone="Mars/Olympus_Mons")
