"""Business-time arithmetic: working days and hours in a team's time zone, public holidays.

Every moment is handled as an aware datetime; each working day's window (its start and end
on the wall clock) is turned into UTC before any subtraction, so a day on which the clocks
change is exactly as long as it really is.
"""

from collections.abc import Container
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
# A calendar with no working day at all would never reach a due time; give up after this.
MAX_DAYS = 3 * 366


class BusinessCalendar:
    """When a team works: weekdays (0 = Monday), daily hours, and holidays, in one zone."""

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        workdays: Container[int] = (0, 1, 2, 3, 4),
        starts: time = time(9),
        ends: time = time(17),
        holidays: Container[date] = (),
    ):
        if ends <= starts:
            raise ValueError("A working day must end after it starts.")
        self.zone = zone
        self.workdays = frozenset(d for d in range(7) if d in workdays)
        if not self.workdays:
            raise ValueError("A calendar needs at least one working day.")
        self.starts, self.ends = starts, ends
        self.holidays = holidays
        # One working day, as written on the policy: "1 business day" is this many minutes.
        self.day = datetime.combine(date.min, ends) - datetime.combine(date.min, starts)
        self.window = lru_cache(maxsize=4096)(self._window)

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's working hours in UTC, or None on a day off."""
        if not self.is_workday(day):
            return None
        start = datetime.combine(day, self.starts, tzinfo=self.zone).astimezone(UTC)
        end = datetime.combine(day, self.ends, tzinfo=self.zone).astimezone(UTC)
        return start, end

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def add(self, moment: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `moment`.

        Time outside working hours does not count: a call at 18:00 on Friday with four
        business hours to answer is due at 13:00 on Monday (with 9–17 hours).
        """
        if duration < timedelta(0):
            raise ValueError("Business time only moves forward.")
        now = moment.astimezone(UTC)
        day = self.local_date(now)
        left = duration
        for _ in range(MAX_DAYS):
            window = self.window(day)
            if window is not None:
                start, end = window
                if now < start:
                    now = start
                if now < end:
                    available = end - now
                    if left <= available:
                        return now + left
                    left -= available
            day += timedelta(days=1)
        raise ValueError("No working time within three years of that moment.")

    def add_days(self, moment: datetime, days: int) -> datetime:
        """`days` business days later; one business day is one working day's hours."""
        return self.add(moment, self.day * days)

    def between(self, earlier: datetime, later: datetime) -> timedelta:
        """Working time from `earlier` to `later` (zero when `later` is not after it)."""
        if later <= earlier:
            return timedelta(0)
        earlier, later = earlier.astimezone(UTC), later.astimezone(UTC)
        total = timedelta(0)
        day = self.local_date(earlier)
        last = self.local_date(later)
        while day <= last:
            window = self.window(day)
            if window is not None:
                start, end = max(window[0], earlier), min(window[1], later)
                if end > start:
                    total += end - start
            day += timedelta(days=1)
        return total

    def end_of_day(self, day: date) -> datetime:
        """Close of business on `day`, or on the first working day after it."""
        for _ in range(MAX_DAYS):
            window = self.window(day)
            if window is not None:
                return window[1]
            day += timedelta(days=1)
        raise ValueError("No working day within three years of that date.")
