"""Business-hours calendar: worked examples, DST edge cases, parse errors and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealflow_ticketing.calendar import (
    BusinessCalendar,
    Interval,
    add_business_minutes,
    business_minutes_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

# 2026 DST switch days (Sundays): Berlin 03-29 / 10-25, New York 03-08 / 11-01.
BERLIN_SPRING = date(2026, 3, 29)
BERLIN_FALL = date(2026, 10, 25)
NY_SPRING = date(2026, 3, 8)
NY_FALL = date(2026, 11, 1)

PROPS = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def iv(start: str, end: str) -> Interval:
    return Interval(time.fromisoformat(start), time.fromisoformat(end))


def at(zone: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=zone, fold=fold)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


WEEKDAYS_LUNCH = (iv("09:00", "12:00"), iv("13:00", "18:00"))


def office(tz: str = "Asia/Shanghai", holidays: frozenset[date] = frozenset()) -> BusinessCalendar:
    """Mon-Fri 09:00-12:00 + 13:00-18:00: 480 minutes a day, 2400 a week."""
    return BusinessCalendar(tz, dict.fromkeys(range(5), WEEKDAYS_LUNCH), holidays)


def always(tz: str) -> BusinessCalendar:
    return BusinessCalendar(tz, dict.fromkeys(range(7), (iv("00:00", "00:00"),)))


def sundays(tz: str, *intervals: Interval) -> BusinessCalendar:
    return BusinessCalendar(tz, {6: intervals})


def minutes_of_local_day(cal: BusinessCalendar, zone: ZoneInfo, day: date) -> float:
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return business_minutes_between(start, end, cal)


# --------------------------------------------------------------------------- add: basics


class TestAddBasics:
    # 2026-03-02 is a Monday.
    @pytest.mark.parametrize(
        ("start", "minutes", "expected"),
        [
            pytest.param(at(SHANGHAI, 2026, 3, 2, 10), 60, at(SHANGHAI, 2026, 3, 2, 11), id="inside"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 11, 30), 60, at(SHANGHAI, 2026, 3, 2, 13, 30), id="lunch"),
            pytest.param(
                at(SHANGHAI, 2026, 3, 2, 12, 15), 30, at(SHANGHAI, 2026, 3, 2, 13, 30), id="in-lunch"
            ),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 7), 30, at(SHANGHAI, 2026, 3, 2, 9, 30), id="before-open"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 19), 30, at(SHANGHAI, 2026, 3, 3, 9, 30), id="after-close"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 18), 30, at(SHANGHAI, 2026, 3, 3, 9, 30), id="at-close"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 9), 480, at(SHANGHAI, 2026, 3, 2, 18), id="fills-day"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 9), 481, at(SHANGHAI, 2026, 3, 3, 9, 1), id="day-plus-one"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 9), 180, at(SHANGHAI, 2026, 3, 2, 12), id="fills-morning"),
            pytest.param(at(SHANGHAI, 2026, 3, 6, 17), 120, at(SHANGHAI, 2026, 3, 9, 10), id="over-weekend"),
            pytest.param(at(SHANGHAI, 2026, 3, 7, 12), 15, at(SHANGHAI, 2026, 3, 9, 9, 15), id="saturday"),
            pytest.param(
                at(SHANGHAI, 2026, 3, 8, 23, 59), 1, at(SHANGHAI, 2026, 3, 9, 9, 1), id="sunday-night"
            ),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 9), 3 * 2400, at(SHANGHAI, 2026, 3, 20, 18), id="3-weeks"),
            pytest.param(
                at(SHANGHAI, 2026, 3, 2, 9),
                3 * 2400 + 1,
                at(SHANGHAI, 2026, 3, 23, 9, 1),
                id="3-weeks-plus-1",
            ),
            # 10,000 = 4 weeks (9,600) + 180 (morning) + 220 (13:00 -> 16:40), week 5's Monday.
            pytest.param(at(SHANGHAI, 2026, 3, 2, 9), 10_000, at(SHANGHAI, 2026, 3, 30, 16, 40), id="10k"),
        ],
    )
    def test_office_hours(self, start: datetime, minutes: int, expected: datetime) -> None:
        assert add_business_minutes(start, minutes, office()) == expected

    @pytest.mark.parametrize(
        ("start", "expected"),
        [
            pytest.param(
                at(SHANGHAI, 2026, 3, 2, 10, 17), at(SHANGHAI, 2026, 3, 2, 10, 17), id="inside=start"
            ),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 9), at(SHANGHAI, 2026, 3, 2, 9), id="at-open"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 12), at(SHANGHAI, 2026, 3, 2, 13), id="at-lunch"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 18), at(SHANGHAI, 2026, 3, 3, 9), id="at-close"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 3), at(SHANGHAI, 2026, 3, 2, 9), id="early"),
            pytest.param(at(SHANGHAI, 2026, 3, 6, 20), at(SHANGHAI, 2026, 3, 9, 9), id="friday-night"),
        ],
    )
    def test_zero_minutes_is_next_business_moment(self, start: datetime, expected: datetime) -> None:
        assert add_business_minutes(start, 0, office()) == expected

    def test_result_is_utc_whatever_the_input_zone(self) -> None:
        result = add_business_minutes(at(SHANGHAI, 2026, 3, 2, 10), 60, office())
        assert result.tzinfo is UTC
        assert result == utc(2026, 3, 2, 3)
        tokyo = datetime(2026, 3, 2, 11, tzinfo=ZoneInfo("Asia/Tokyo"))  # 10:00 in Shanghai
        assert add_business_minutes(tokyo, 60, office()) == utc(2026, 3, 2, 3)
        assert add_business_minutes(tokyo, 60, None).tzinfo is UTC

    def test_large_sla_walks_spans_not_minutes(self) -> None:
        # 1,000,000 minutes = 416 weeks + 1,600 minutes (Mon..Thu 18:00 is 1,920; 1,600 = Mon-Wed + 160).
        start = at(SHANGHAI, 2026, 3, 2, 9)
        expected = at(SHANGHAI, 2026, 3, 2, 9) + timedelta(weeks=416, days=3, hours=2, minutes=40)
        assert add_business_minutes(start, 1_000_000, office()) == expected

    def test_naive_start_rejected(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            add_business_minutes(datetime(2026, 3, 2, 10), 5, office())
        with pytest.raises(ValueError, match="timezone-aware"):
            add_business_minutes(datetime(2026, 3, 2, 10), 5, None)

    def test_negative_minutes_rejected(self) -> None:
        with pytest.raises(ValueError, match=">= 0"):
            add_business_minutes(utc(2026, 3, 2), -1, office())

    @pytest.mark.parametrize("hours", [{}, {0: ()}, dict.fromkeys(range(7), ())])
    def test_no_working_time_raises(self, hours: dict[int, tuple[Interval, ...]]) -> None:
        cal = BusinessCalendar("UTC", hours)
        with pytest.raises(ValueError, match="no working time"):
            add_business_minutes(utc(2026, 3, 2), 10, cal)
        assert business_minutes_between(utc(2026, 3, 2), utc(2026, 3, 9), cal) == 0


class TestHolidays:
    # 2026-10-01 is a Thursday; 10-01..10-02 off, then the weekend.
    HOLIDAYS = frozenset({date(2026, 10, 1), date(2026, 10, 2)})

    def test_add_skips_holidays_and_weekend(self) -> None:
        cal = office(holidays=self.HOLIDAYS)
        assert add_business_minutes(at(SHANGHAI, 2026, 9, 30, 17), 120, cal) == at(SHANGHAI, 2026, 10, 5, 10)

    def test_start_on_holiday(self) -> None:
        cal = office(holidays=self.HOLIDAYS)
        assert add_business_minutes(at(SHANGHAI, 2026, 10, 1, 10), 0, cal) == at(SHANGHAI, 2026, 10, 5, 9)

    def test_between_excludes_holidays(self) -> None:
        cal = office(holidays=self.HOLIDAYS)
        week = (at(SHANGHAI, 2026, 9, 28), at(SHANGHAI, 2026, 10, 5))
        assert business_minutes_between(*week, cal) == 3 * 480
        assert business_minutes_between(*week, office()) == 5 * 480

    def test_holiday_on_a_closed_day_changes_nothing(self) -> None:
        cal = office(holidays=frozenset({date(2026, 10, 3)}))  # Saturday
        assert business_minutes_between(at(SHANGHAI, 2026, 9, 28), at(SHANGHAI, 2026, 10, 5), cal) == 2400

    def test_night_shift_from_holiday_eve_runs_into_holiday(self) -> None:
        # An interval belongs to its start day: Wed's shift runs into the Thursday holiday,
        # Thursday's own shift does not start.
        cal = BusinessCalendar(
            "Asia/Shanghai", dict.fromkeys(range(7), (iv("22:00", "06:00"),)), frozenset({date(2026, 10, 1)})
        )
        day = (at(SHANGHAI, 2026, 10, 1), at(SHANGHAI, 2026, 10, 2))
        assert business_minutes_between(*day, cal) == 6 * 60
        assert add_business_minutes(at(SHANGHAI, 2026, 10, 1, 5), 120, cal) == at(SHANGHAI, 2026, 10, 2, 23)


# --------------------------------------------------------------------------- between


class TestBetween:
    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            pytest.param(at(SHANGHAI, 2026, 3, 2, 10), at(SHANGHAI, 2026, 3, 2, 11), 60, id="inside"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 11), at(SHANGHAI, 2026, 3, 2, 14), 120, id="lunch"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 0), at(SHANGHAI, 2026, 3, 3, 0), 480, id="day"),
            pytest.param(at(SHANGHAI, 2026, 3, 6, 17), at(SHANGHAI, 2026, 3, 9, 10), 120, id="weekend"),
            pytest.param(at(SHANGHAI, 2026, 3, 7, 0), at(SHANGHAI, 2026, 3, 9, 0), 0, id="only-weekend"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 0), at(SHANGHAI, 2026, 3, 30, 0), 4 * 2400, id="4-weeks"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 11), at(SHANGHAI, 2026, 3, 2, 11), 0, id="empty"),
            pytest.param(at(SHANGHAI, 2026, 3, 2, 11), at(SHANGHAI, 2026, 3, 2, 10), 0, id="reversed"),
        ],
    )
    def test_office_hours(self, start: datetime, end: datetime, expected: float) -> None:
        assert business_minutes_between(start, end, office()) == expected

    def test_fractional_minutes(self) -> None:
        start = at(SHANGHAI, 2026, 3, 2, 10)
        assert business_minutes_between(start, start + timedelta(seconds=90), office()) == 1.5

    def test_naive_rejected(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            business_minutes_between(datetime(2026, 3, 2), utc(2026, 3, 3), office())
        with pytest.raises(ValueError, match="timezone-aware"):
            business_minutes_between(utc(2026, 3, 2), datetime(2026, 3, 3), office())

    def test_calendar_none_is_wall_clock(self) -> None:
        assert business_minutes_between(utc(2026, 3, 7), utc(2026, 3, 8, 1, 30), None) == 1530
        assert business_minutes_between(utc(2026, 3, 8), utc(2026, 3, 7), None) == 0
        assert add_business_minutes(utc(2026, 3, 7, 23), 90, None) == utc(2026, 3, 8, 0, 30)


# --------------------------------------------------------------------------- interval shapes


class TestIntervals:
    def test_night_shift_crosses_midnight(self) -> None:
        cal = BusinessCalendar("Asia/Shanghai", dict.fromkeys(range(5), (iv("22:00", "06:00"),)))
        # 2026-03-02 Monday
        assert add_business_minutes(at(SHANGHAI, 2026, 3, 2, 23), 120, cal) == at(SHANGHAI, 2026, 3, 3, 1)
        assert add_business_minutes(at(SHANGHAI, 2026, 3, 3, 5), 120, cal) == at(SHANGHAI, 2026, 3, 3, 23)
        # Monday 00:00-06:00 would be Sunday's shift: closed.
        assert add_business_minutes(at(SHANGHAI, 2026, 3, 2, 1), 0, cal) == at(SHANGHAI, 2026, 3, 2, 22)
        # Friday's shift runs into Saturday morning.
        assert add_business_minutes(at(SHANGHAI, 2026, 3, 7, 5), 120, cal) == at(SHANGHAI, 2026, 3, 9, 23)
        assert business_minutes_between(at(SHANGHAI, 2026, 3, 7), at(SHANGHAI, 2026, 3, 8), cal) == 360
        assert business_minutes_between(at(SHANGHAI, 2026, 3, 2), at(SHANGHAI, 2026, 3, 9), cal) == 5 * 480

    def test_start_inside_a_shift_that_started_yesterday(self) -> None:
        cal = BusinessCalendar("Asia/Shanghai", {0: (iv("20:00", "08:00"),)})
        assert add_business_minutes(at(SHANGHAI, 2026, 3, 3, 7), 30, cal) == at(SHANGHAI, 2026, 3, 3, 7, 30)
        assert add_business_minutes(at(SHANGHAI, 2026, 3, 3, 7, 30), 60, cal) == at(
            SHANGHAI, 2026, 3, 9, 20, 30
        )

    def test_equal_start_and_end_is_24_hours(self) -> None:
        cal = BusinessCalendar("Asia/Shanghai", {2: (iv("00:00", "00:00"),)})
        assert business_minutes_between(at(SHANGHAI, 2026, 3, 2), at(SHANGHAI, 2026, 3, 9), cal) == 1440
        cal = BusinessCalendar("Asia/Shanghai", {2: (iv("12:00", "12:00"),)})
        assert (
            business_minutes_between(at(SHANGHAI, 2026, 3, 4, 12), at(SHANGHAI, 2026, 3, 5, 12), cal) == 1440
        )

    def test_consecutive_24h_days_are_continuous(self) -> None:
        cal = always("Asia/Shanghai")
        start = at(SHANGHAI, 2026, 3, 2, 23, 30)
        assert add_business_minutes(start, 60, cal) == at(SHANGHAI, 2026, 3, 3, 0, 30)
        assert add_business_minutes(start, 7 * 1440, cal) == start + timedelta(days=7)

    def test_cross_day_overlap_counted_once(self) -> None:
        cal = BusinessCalendar("Asia/Shanghai", {0: (iv("22:00", "06:00"),), 1: (iv("00:00", "08:00"),)})
        assert (
            business_minutes_between(at(SHANGHAI, 2026, 3, 2, 20), at(SHANGHAI, 2026, 3, 3, 12), cal) == 600
        )
        assert add_business_minutes(at(SHANGHAI, 2026, 3, 2, 22), 600, cal) == at(SHANGHAI, 2026, 3, 3, 8)

    def test_touching_intervals_merge(self) -> None:
        cal = BusinessCalendar("UTC", {0: (iv("09:00", "12:00"), iv("12:00", "13:00"))})
        assert add_business_minutes(utc(2026, 3, 2, 11), 120, cal) == utc(2026, 3, 2, 13)

    def test_unsorted_intervals_are_normalised(self) -> None:
        a = BusinessCalendar("UTC", {1: (iv("13:00", "18:00"), iv("09:00", "12:00"))})
        b = BusinessCalendar("UTC", {1: (iv("09:00", "12:00"), iv("13:00", "18:00"))})
        assert a == b
        assert hash(a) == hash(b)
        assert add_business_minutes(utc(2026, 3, 3, 8), 200, a) == utc(2026, 3, 3, 13, 20)


# --------------------------------------------------------------------------- DST


class TestDaylightSaving:
    @pytest.mark.parametrize(
        ("tz", "zone", "day", "expected"),
        [
            pytest.param("Europe/Berlin", BERLIN, BERLIN_SPRING, 23 * 60, id="berlin-spring"),
            pytest.param("Europe/Berlin", BERLIN, BERLIN_FALL, 25 * 60, id="berlin-fall"),
            pytest.param("Europe/Berlin", BERLIN, date(2026, 3, 22), 24 * 60, id="berlin-normal"),
            pytest.param("America/New_York", NEW_YORK, NY_SPRING, 23 * 60, id="ny-spring"),
            pytest.param("America/New_York", NEW_YORK, NY_FALL, 25 * 60, id="ny-fall"),
            pytest.param("Asia/Shanghai", SHANGHAI, BERLIN_SPRING, 24 * 60, id="shanghai-no-dst"),
        ],
    )
    def test_24h_day_has_real_length(self, tz: str, zone: ZoneInfo, day: date, expected: int) -> None:
        assert minutes_of_local_day(always(tz), zone, day) == expected

    @pytest.mark.parametrize(
        ("day", "expected"),
        [(BERLIN_SPRING, 120), (BERLIN_FALL, 240), (date(2026, 3, 22), 180)],
    )
    def test_berlin_01_to_04(self, day: date, expected: int) -> None:
        cal = sundays("Europe/Berlin", iv("01:00", "04:00"))
        assert minutes_of_local_day(cal, BERLIN, day) == expected

    def test_berlin_spring_interval_starting_in_gap_resolves_forward(self) -> None:
        cal = sundays("Europe/Berlin", iv("02:30", "05:00"))
        # 02:30 does not exist; it becomes 03:00 CEST (01:00 UTC), so the interval lasts 2h.
        assert minutes_of_local_day(cal, BERLIN, BERLIN_SPRING) == 120
        assert add_business_minutes(at(BERLIN, 2026, 3, 28, 12), 0, cal) == utc(2026, 3, 29, 1)

    def test_berlin_spring_interval_wholly_in_gap_counts_nothing(self) -> None:
        cal = sundays("Europe/Berlin", iv("02:00", "03:00"))
        assert minutes_of_local_day(cal, BERLIN, BERLIN_SPRING) == 0
        # The empty span is skipped: next business moment is the following Sunday 02:00 CEST.
        assert add_business_minutes(at(BERLIN, 2026, 3, 28, 12), 0, cal) == utc(2026, 4, 5, 0)
        assert add_business_minutes(at(BERLIN, 2026, 3, 28, 12), 30, cal) == utc(2026, 4, 5, 0, 30)

    def test_berlin_fall_ambiguous_boundary_takes_first_occurrence(self) -> None:
        first = sundays("Europe/Berlin", iv("01:00", "02:30"))
        second = sundays("Europe/Berlin", iv("02:30", "04:00"))
        # 02:30 is the first (CEST) 02:30 = 00:30 UTC.
        assert minutes_of_local_day(first, BERLIN, BERLIN_FALL) == 90
        assert minutes_of_local_day(second, BERLIN, BERLIN_FALL) == 150
        assert add_business_minutes(at(BERLIN, 2026, 10, 24, 12), 0, second) == utc(2026, 10, 25, 0, 30)
        assert add_business_minutes(at(BERLIN, 2026, 10, 24, 12), 90, first) == utc(2026, 10, 25, 0, 30)

    def test_berlin_second_occurrence_of_ambiguous_time_is_inside_interval(self) -> None:
        cal = sundays("Europe/Berlin", iv("02:00", "03:00"))
        # Compared in UTC: Python's == across zones is always False for a fold=1 ambiguous time.
        second_0215 = utc(2026, 10, 25, 1, 15)
        assert second_0215.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 25, 2, 15)
        assert at(BERLIN, 2026, 10, 25, 2, 15, fold=1).astimezone(UTC) == second_0215
        assert add_business_minutes(second_0215, 0, cal) == second_0215
        assert add_business_minutes(second_0215, 45, cal) == utc(2026, 10, 25, 2)
        assert minutes_of_local_day(cal, BERLIN, BERLIN_FALL) == 120

    @pytest.mark.parametrize(
        ("saturday", "expected"), [(date(2026, 3, 28), 7 * 60), (date(2026, 10, 24), 9 * 60)]
    )
    def test_berlin_night_shift_across_switch(self, saturday: date, expected: int) -> None:
        cal = BusinessCalendar("Europe/Berlin", {5: (iv("22:00", "06:00"),)})
        start = datetime.combine(saturday, time(12), BERLIN)
        assert business_minutes_between(start, start + timedelta(days=1), cal) == expected
        assert add_business_minutes(start, expected, cal) == datetime.combine(
            saturday + timedelta(days=1), time(6), BERLIN
        )

    def test_berlin_office_deadline_over_spring_weekend(self) -> None:
        cal = office("Europe/Berlin")
        # Fri 17:00 CET + 2h business -> Mon 10:00 CEST; in UTC the offset changed underneath.
        assert add_business_minutes(at(BERLIN, 2026, 3, 27, 17), 120, cal) == utc(2026, 3, 30, 8)
        assert add_business_minutes(at(BERLIN, 2026, 10, 23, 17), 120, cal) == utc(2026, 10, 26, 9)

    def test_new_york_spring_gap(self) -> None:
        cal = sundays("America/New_York", iv("01:30", "02:30"))
        # 01:30 EST = 06:30 UTC; 02:30 does not exist -> 03:00 EDT = 07:00 UTC.
        assert minutes_of_local_day(cal, NEW_YORK, NY_SPRING) == 30
        assert add_business_minutes(at(NEW_YORK, 2026, 3, 7, 12), 30, cal) == utc(2026, 3, 8, 7)

    def test_new_york_fall_overlap(self) -> None:
        early = sundays("America/New_York", iv("00:00", "01:30"))
        late = sundays("America/New_York", iv("01:30", "03:00"))
        # 01:30 = first occurrence, 01:30 EDT = 05:30 UTC.
        assert minutes_of_local_day(early, NEW_YORK, NY_FALL) == 90
        assert minutes_of_local_day(late, NEW_YORK, NY_FALL) == 150
        assert add_business_minutes(at(NEW_YORK, 2026, 10, 31, 12), 90, early) == utc(2026, 11, 1, 5, 30)

    def test_new_york_night_shift_across_spring(self) -> None:
        cal = BusinessCalendar("America/New_York", {5: (iv("20:00", "08:00"),)})
        # Sat 20:00 EST (01:00 UTC Sun) to Sun 08:00 EDT (12:00 UTC): 11 real hours.
        assert business_minutes_between(utc(2026, 3, 7), utc(2026, 3, 9), cal) == 660
        assert add_business_minutes(utc(2026, 3, 7), 660, cal) == utc(2026, 3, 8, 12)

    def test_new_york_24_7_across_fall_back_is_wall_clock(self) -> None:
        cal = always("America/New_York")
        start = at(NEW_YORK, 2026, 11, 1, 0)  # 04:00 UTC
        assert add_business_minutes(start, 120, cal) == utc(2026, 11, 1, 6)  # 01:00 EST

    def test_shanghai_every_weekday_is_480(self) -> None:
        cal = office()
        for offset in range(14):
            day = date(2026, 3, 23) + timedelta(days=offset)
            assert minutes_of_local_day(cal, SHANGHAI, day) == (480 if day.weekday() < 5 else 0)


# --------------------------------------------------------------------------- parse / to_json


SPEC_EXAMPLE: dict[str, Any] = {
    "timezone": "Asia/Shanghai",
    "working_hours": {
        "mon": [["09:00", "12:00"], ["13:00", "18:00"]],
        "tue": [["09:00", "12:00"], ["13:00", "18:00"]],
        "wed": [["09:00", "12:00"], ["13:00", "18:00"]],
        "thu": [["09:00", "12:00"], ["13:00", "18:00"]],
        "fri": [["09:00", "12:00"], ["13:00", "18:00"]],
    },
    "holidays": ["2026-10-01", "2026-10-02"],
}


class TestParse:
    def test_spec_example(self) -> None:
        cal = BusinessCalendar.parse(SPEC_EXAMPLE)
        assert cal == office(holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}))
        assert cal.to_json() == SPEC_EXAMPLE

    def test_to_json_round_trip_and_shape(self) -> None:
        cal = BusinessCalendar(
            "Europe/Berlin",
            {6: (iv("22:00", "06:00"),), 0: (), 2: (iv("08:00", "08:00"),)},
            frozenset({date(2026, 12, 25), date(2026, 1, 1)}),
        )
        data = cal.to_json()
        assert data == {
            "timezone": "Europe/Berlin",
            "working_hours": {"wed": [["08:00", "08:00"]], "sun": [["22:00", "06:00"]]},
            "holidays": ["2026-01-01", "2026-12-25"],
        }
        assert BusinessCalendar.parse(data) == cal

    def test_24_00_end_and_case_insensitive_keys(self) -> None:
        cal = BusinessCalendar.parse(
            {"timezone": "UTC", "working_hours": {"Sat": [["18:00", "24:00"]], "SUN": [["00:00", "24:00"]]}}
        )
        assert cal.hours == {5: (iv("18:00", "00:00"),), 6: (iv("00:00", "00:00"),)}
        assert cal.holidays == frozenset()
        # Sat 18:00 .. Mon 00:00 continuously.
        assert business_minutes_between(utc(2026, 3, 7), utc(2026, 3, 9), cal) == 30 * 60

    def test_seconds_are_accepted_and_kept(self) -> None:
        cal = BusinessCalendar.parse({"timezone": "UTC", "working_hours": {"mon": [["09:00:30", "10:00"]]}})
        assert cal.to_json()["working_hours"] == {"mon": [["09:00:30", "10:00"]]}

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            pytest.param([], "JSON object", id="not-object"),
            pytest.param(
                {"working_hours": {"mon": [["09:00", "10:00"]]}}, "'timezone' is required", id="no-tz"
            ),
            pytest.param(
                {**SPEC_EXAMPLE, "timezone": "Mars/Olympus_Mons"}, "unknown time zone", id="unknown-tz"
            ),
            pytest.param({**SPEC_EXAMPLE, "timezone": "Asia"}, "unknown time zone", id="tz-directory"),
            pytest.param({**SPEC_EXAMPLE, "timezone": "../etc/passwd"}, "unknown time zone", id="tz-path"),
            pytest.param({**SPEC_EXAMPLE, "timezone": ""}, "non-empty string", id="empty-tz"),
            pytest.param({**SPEC_EXAMPLE, "timezone": 8}, "non-empty string", id="int-tz"),
            pytest.param({"timezone": "UTC"}, "'working_hours' is required", id="no-hours"),
            pytest.param({"timezone": "UTC", "working_hours": []}, "must be an object", id="hours-list"),
            pytest.param({"timezone": "UTC", "working_hours": {}}, "no working interval", id="empty"),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [], "sat": []}},
                "no working interval",
                id="all-empty",
            ),
            pytest.param({"timezone": "UTC", "working_hours": {"monday": []}}, "bad day key", id="day-long"),
            pytest.param({"timezone": "UTC", "working_hours": {"0": []}}, "bad day key", id="day-number"),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [], "Mon": []}}, "more than once", id="day-dup"
            ),
            pytest.param({"timezone": "UTC", "working_hours": {"mon": "09-17"}}, "list of", id="day-str"),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [["09:00"]]}},
                r"\[start, end\] pair",
                id="not-pair",
            ),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": ["09:00-17:00"]}},
                r"\[start, end\]",
                id="pair-str",
            ),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [["9:00", "17:00"]]}}, "bad time", id="h"
            ),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [["25:00", "26:00"]]}}, "bad time", id="25"
            ),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [["09:60", "17:00"]]}}, "bad time", id="60"
            ),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [["24:00", "06:00"]]}}, "bad time", id="s24"
            ),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [["noon", "17:00"]]}}, "bad time", id="word"
            ),
            pytest.param({"timezone": "UTC", "working_hours": {"mon": [[900, 1700]]}}, "bad time", id="int"),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}},
                "overlapping intervals on mon",
                id="overlap",
            ),
            pytest.param(
                {"timezone": "UTC", "working_hours": {"mon": [["22:00", "06:00"], ["23:00", "23:30"]]}},
                "overlapping",
                id="overlap-night",
            ),
            pytest.param(
                {**SPEC_EXAMPLE, "holidays": "2026-10-01"}, "'holidays' must be a list", id="hol-str"
            ),
            pytest.param({**SPEC_EXAMPLE, "holidays": ["2026-13-01"]}, "bad holiday", id="hol-month"),
            pytest.param({**SPEC_EXAMPLE, "holidays": ["20261001"]}, "bad holiday", id="hol-basic"),
            pytest.param({**SPEC_EXAMPLE, "holidays": [20261001]}, "bad holiday", id="hol-int"),
            pytest.param({**SPEC_EXAMPLE, "extra": 1}, "unknown field", id="extra-field"),
        ],
    )
    def test_errors(self, data: Any, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            BusinessCalendar.parse(data)


class TestConstructor:
    def test_unknown_zone(self) -> None:
        with pytest.raises(ValueError, match="unknown time zone"):
            BusinessCalendar("Nowhere/Special", {0: WEEKDAYS_LUNCH})

    @pytest.mark.parametrize("weekday", [-1, 7])
    def test_bad_weekday(self, weekday: int) -> None:
        with pytest.raises(ValueError, match="weekday"):
            BusinessCalendar("UTC", {weekday: WEEKDAYS_LUNCH})

    def test_aware_interval_time_rejected(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            Interval(time(9, tzinfo=UTC), time(17))

    def test_same_day_overlap_rejected(self) -> None:
        with pytest.raises(ValueError, match="overlapping"):
            BusinessCalendar("UTC", {0: (iv("00:00", "00:00"), iv("10:00", "11:00"))})

    def test_empty_calendar_allowed_but_unusable(self) -> None:
        cal = BusinessCalendar("UTC", {})
        assert not cal.has_working_time
        with pytest.raises(ValueError, match="no working time"):
            add_business_minutes(utc(2026, 1, 1), 0, cal)

    def test_hashable_and_usable_as_key(self) -> None:
        assert {office(): 1}[office()] == 1


# --------------------------------------------------------------------------- properties

PROPERTY_ZONES = (
    "UTC",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute DST shift
)
NO_DST_ZONES = ("UTC", "Asia/Shanghai", "Asia/Kolkata")
BASE = datetime(2025, 12, 1, tzinfo=UTC)
RANGE_MINUTES = 500 * 24 * 60  # covers both 2026 DST switches in every property zone


def _nominal_minutes(interval: Interval) -> int:
    start = interval.start.hour * 60 + interval.start.minute
    end = interval.end.hour * 60 + interval.end.minute
    return (end - start) % 1440 or 1440


@st.composite
def day_intervals(draw: st.DrawFn) -> tuple[Interval, ...]:
    count = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(st.integers(0, 24 * 60 - 1), min_size=2 * count, max_size=2 * count)))
    pairs = [(points[i], points[i + 1]) for i in range(0, len(points), 2)]
    night_shift = draw(st.booleans())
    if pairs and night_shift:
        # Turn the last interval into a night shift: from its start round to the day's first point.
        pairs[-1] = (pairs[-1][0], points[0])
    return tuple(Interval(time(a // 60, a % 60), time(b // 60, b % 60)) for a, b in pairs)


@st.composite
def calendars(draw: st.DrawFn, zones: tuple[str, ...] = PROPERTY_ZONES) -> BusinessCalendar:
    tz = draw(st.sampled_from(zones))
    hours = {d: draw(day_intervals()) for d in range(7) if draw(st.booleans())}
    if sum(_nominal_minutes(i) for intervals in hours.values() for i in intervals) < 240:
        # Keeps the walk short: a 1-minute-a-week calendar would turn 20,000 minutes into centuries.
        hours[draw(st.integers(0, 6))] = (Interval(time(9), time(17)),)
    holidays = draw(st.frozensets(st.dates(date(2025, 12, 1), date(2027, 6, 1)), max_size=20))
    return BusinessCalendar(tz, hours, holidays)


instants = st.integers(0, RANGE_MINUTES).map(lambda m: BASE + timedelta(minutes=m))
sla_minutes = st.integers(0, 20_000)


@PROPS
@given(calendars(), instants, sla_minutes)
def test_round_trip(cal: BusinessCalendar, start: datetime, minutes: int) -> None:
    due = add_business_minutes(start, minutes, cal)
    assert due >= start
    assert business_minutes_between(start, due, cal) == minutes


@PROPS
@given(calendars(), instants, sla_minutes, sla_minutes)
def test_more_minutes_never_earlier(cal: BusinessCalendar, start: datetime, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert add_business_minutes(start, lo, cal) <= add_business_minutes(start, hi, cal)


@PROPS
@given(calendars(), instants, st.integers(0, 3 * 24 * 60))
def test_later_start_never_earlier_due(cal: BusinessCalendar, start: datetime, delay: int) -> None:
    later = start + timedelta(minutes=delay)
    assert add_business_minutes(start, 240, cal) <= add_business_minutes(later, 240, cal)


@PROPS
@given(calendars(), instants, sla_minutes, st.integers(1, 5_000))
def test_add_is_additive(cal: BusinessCalendar, start: datetime, a: int, b: int) -> None:
    # b >= 1: add(x, 0) moves a closing-time deadline on to the next opening.
    assert add_business_minutes(add_business_minutes(start, a, cal), b, cal) == add_business_minutes(
        start, a + b, cal
    )


@PROPS
@given(calendars(), st.lists(instants, min_size=3, max_size=3))
def test_between_is_additive_and_bounded(cal: BusinessCalendar, points: list[datetime]) -> None:
    a, b, c = sorted(points)
    ab = business_minutes_between(a, b, cal)
    bc = business_minutes_between(b, c, cal)
    assert ab + bc == business_minutes_between(a, c, cal)
    assert 0 <= ab <= (b - a) / timedelta(minutes=1)


@PROPS
@given(calendars(), instants)
def test_zero_minutes_lands_in_business_time(cal: BusinessCalendar, start: datetime) -> None:
    moment = add_business_minutes(start, 0, cal)
    assert moment >= start
    assert business_minutes_between(start, moment, cal) == 0
    # The next minute counts in full: the moment opens a span at least one minute long
    # (generated intervals are whole minutes and at least a minute long).
    assert business_minutes_between(moment, moment + timedelta(minutes=1), cal) == 1


@PROPS
@given(st.sampled_from(PROPERTY_ZONES), instants, sla_minutes, st.integers(0, 5 * 24 * 60))
def test_24_7_calendar_is_wall_clock(tz: str, start: datetime, minutes: int, span: int) -> None:
    cal = always(tz)
    assert add_business_minutes(start, minutes, cal) == add_business_minutes(start, minutes, None)
    assert add_business_minutes(start, minutes, None) == start + timedelta(minutes=minutes)
    end = start + timedelta(minutes=span)
    assert business_minutes_between(start, end, cal) == business_minutes_between(start, end, None) == span


def _brute_force_is_business(cal: BusinessCalendar, moment: datetime) -> bool:
    """Independent oracle for zones without DST: compare local wall clock against each interval."""
    wall = moment.astimezone(ZoneInfo(cal.timezone)).replace(tzinfo=None)
    for day in (wall.date() - timedelta(days=1), wall.date()):
        if day in cal.holidays:
            continue
        for interval in cal.hours.get(day.weekday(), ()):
            begin = datetime.combine(day, interval.start)
            end_day = day + timedelta(days=1) if interval.end <= interval.start else day
            if begin <= wall < datetime.combine(end_day, interval.end):
                return True
    return False


@settings(max_examples=60, deadline=None, database=None)
@given(calendars(NO_DST_ZONES), instants, st.integers(0, 2 * 24 * 60))
def test_between_matches_minute_by_minute_oracle(cal: BusinessCalendar, start: datetime, span: int) -> None:
    expected = sum(_brute_force_is_business(cal, start + timedelta(minutes=i)) for i in range(span))
    assert business_minutes_between(start, start + timedelta(minutes=span), cal) == expected


@PROPS
@given(calendars())
def test_json_round_trip(cal: BusinessCalendar) -> None:
    assert BusinessCalendar.parse(cal.to_json()) == cal
