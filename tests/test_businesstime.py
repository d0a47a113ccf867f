"""Business-time arithmetic: weekends, holidays, daylight-saving changes, zones far from the
server's. Properties where they fit, worked examples where a person would check by hand."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from candidly.obligations.businesstime import BusinessCalendar

NY = ZoneInfo("America/New_York")
US = BusinessCalendar(zone=NY, holidays=holidays.country_holidays("US"))
# Sunday to Thursday, in a zone the server is not in, with its own holidays.
IL = BusinessCalendar(
    zone=ZoneInfo("Asia/Jerusalem"),
    workdays=(6, 0, 1, 2, 3),
    starts=time(8, 30),
    ends=time(17),
    holidays=holidays.country_holidays("IL"),
)
LONDON = BusinessCalendar(zone=ZoneInfo("Europe/London"), holidays=holidays.country_holidays("GB"))

moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(0, 5 * 8 * 60).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from([US, IL, LONDON])


def within_hours(cal: BusinessCalendar, moment: datetime) -> bool:
    local = moment.astimezone(cal.zone)
    return cal.is_workday(local.date()) and cal.starts <= local.time() <= cal.ends


@given(cal=calendars, start=moments, duration=durations)
def test_adding_working_time_lands_in_working_hours_and_counts_back_exactly(cal, start, duration):
    due = cal.add(start, duration)
    assert due >= start
    assert within_hours(cal, due)
    assert cal.between(start, due) == duration


@given(cal=calendars, start=moments, a=durations, b=durations)
def test_adding_in_two_steps_is_adding_once(cal, start, a, b):
    assert cal.add(cal.add(start, a), b) == cal.add(start, a + b)


@given(cal=calendars, start=moments, later=st.integers(1, 10_000), duration=durations)
def test_a_later_start_is_never_due_earlier(cal, start, later, duration):
    assert cal.add(start + timedelta(minutes=later), duration) >= cal.add(start, duration)


@given(cal=calendars, start=moments, days=st.integers(1, 5))
def test_business_days_skip_days_off(cal, start, days):
    due = cal.add_days(start, days)
    assert cal.between(start, due) == cal.day * days
    off = [
        d
        for d in (cal.local_date(start) + timedelta(n) for n in range((due - start).days + 2))
        if not cal.is_workday(d)
    ]
    for day in off:  # nothing of a day off was counted
        window_start = datetime.combine(day, cal.starts, tzinfo=cal.zone)
        assert cal.between(window_start, window_start + timedelta(hours=8)) == timedelta(0)


@pytest.mark.parametrize(
    ("cal", "start", "hours", "due"),
    [
        # Friday afternoon: the rest of Friday, then Monday morning.
        (US, datetime(2026, 11, 6, 15, 30, tzinfo=NY), 4, datetime(2026, 11, 9, 11, 30, tzinfo=NY)),
        # Wednesday before Thanksgiving: Thursday is a holiday, Friday counts.
        (US, datetime(2026, 11, 25, 16, 0, tzinfo=NY), 4, datetime(2026, 11, 27, 12, 0, tzinfo=NY)),
        # Saturday night: all of it on Monday.
        (US, datetime(2026, 3, 7, 23, 0, tzinfo=NY), 4, datetime(2026, 3, 9, 13, 0, tzinfo=NY)),
        # Friday in Tel Aviv: the week starts on Sunday.
        (IL, datetime(2026, 11, 6, 12, 0, tzinfo=ZoneInfo("Asia/Jerusalem")), 2,
         datetime(2026, 11, 8, 10, 30, tzinfo=ZoneInfo("Asia/Jerusalem"))),
    ],
)  # fmt: skip
def test_worked_examples(cal, start, hours, due):
    assert cal.add(start, timedelta(hours=hours)) == due


def test_the_day_the_clocks_change_is_as_long_as_the_wall_clock_says():
    """Spring forward in New York on 8 March 2026: 9:00 to 17:00 is still eight hours of work,
    and the UTC offset of the due time is the new one."""
    friday = datetime(2026, 3, 6, 13, 0, tzinfo=NY)  # 18:00 UTC, EST
    due = US.add(friday, timedelta(hours=8))
    assert due == datetime(2026, 3, 9, 13, 0, tzinfo=NY)
    assert due.astimezone(NY).utcoffset() == timedelta(hours=-4)
    assert due.astimezone(UTC) - friday.astimezone(UTC) == timedelta(days=3) - timedelta(hours=1)


def test_working_hours_that_cross_a_clock_change_count_real_time():
    """A night shift 00:00–06:00 in London loses an hour on the last Sunday of March."""
    nights = BusinessCalendar(
        zone=ZoneInfo("Europe/London"), workdays=range(7), starts=time(0), ends=time(6)
    )
    sunday = date(2026, 3, 29)
    start = datetime.combine(sunday, time(0), tzinfo=ZoneInfo("Europe/London"))
    end = datetime.combine(sunday, time(6), tzinfo=ZoneInfo("Europe/London"))
    assert nights.between(start, end) == timedelta(hours=5)


def test_close_of_business_moves_past_weekends_and_holidays():
    assert US.end_of_day(date(2026, 12, 25)) == datetime(2026, 12, 28, 17, 0, tzinfo=NY)
    assert US.end_of_day(date(2026, 12, 24)) == datetime(2026, 12, 24, 17, 0, tzinfo=NY)


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(ValueError, match="at least one working day"):
        BusinessCalendar(zone=NY, workdays=())
    with pytest.raises(ValueError, match="end after it starts"):
        BusinessCalendar(zone=NY, starts=time(17), ends=time(9))
