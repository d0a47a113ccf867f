"""Reading .ics files: one item per event (or per instance of a recurring event), or a
refusal with its reason. Nothing here touches the database; the import service matches what
this yields to people.

Read as calendar apps read it:

- Times with a TZID (an IANA name, a Windows name as Outlook writes it, a "globally unique"
  /vendor/Area/City name, or a VTIMEZONE defined in the file), UTC times, floating times (read
  in the zone the import is given) and all-day events (DATE values).
- A wall-clock time that falls in a daylight-saving gap moves forward by the gap, and an
  ambiguous one (clocks going back) is read as the first of the two (RFC 5545, 3.3.5).
- Recurrence: RRULE repeating daily, weekly, monthly or yearly (every BY… part, COUNT and
  UNTIL), RDATE (dates, times or periods), EXDATE, and instances moved or cancelled by a
  component with a RECURRENCE-ID; expanded within a window of time. A rule repeating more
  than once a day is refused; RANGE=THISANDFUTURE is read as that one instance.
- STATUS:CANCELLED on an event or on one instance, and METHOD:CANCEL on the calendar.
- Other components (VTODO, VJOURNAL, VFREEBUSY, VALARM) are passed over.

Each event is parsed on its own, so a broken one is refused with its reason and the rest of
the file goes on: a truncated file keeps the events that ended before the cut.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import groupby
from zoneinfo import ZoneInfo, available_timezones

import icalendar
from dateutil.rrule import rruleset, rrulestr
from django.core.exceptions import ValidationError
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from candidly.lib.timeutil import zone_or_none
from candidly.people.contacts import normalize_email

# Expanding a rule stops after this many instances from its start (a daily rule from 1900
# reaches today in about 46,000): anything that needs more is refused, never run for ever.
MAX_EXPANSION = 60_000
ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
EARLIEST_YEAR = 1900
# Long UIDs (some servers write whole URLs) are kept as a digest so the key fits its column.
MAX_UID = 250
MAX_TEXT = 10_000


class Unreadable(Exception):
    """An event that cannot be taken; the message says why, in a recruiter's words."""


@dataclass(frozen=True)
class Person:
    email: str  # normalised, or "" when the address is not an email
    name: str


@dataclass
class Instance:
    """One occurrence of an event: a single event, or one instance of a recurring one."""

    uid: str
    recurrence_id: str  # "" for an event that does not recur
    sequence: int
    stamp: datetime | None  # LAST-MODIFIED, else DTSTAMP
    created: datetime | None
    summary: str
    description: str
    location: str
    categories: tuple[str, ...]
    links: str  # URL, conference and description text: where a video link may be
    organizer: Person | None
    attendees: tuple[Person, ...]
    starts_at: datetime | None  # None for an all-day event
    ends_at: datetime | None  # None when the event gives no end
    day: date | None  # the first day of an all-day event
    time_zone: str  # an IANA name: where the event's times are read
    cancelled: bool
    source: str = ""  # the file it came from
    skipped: tuple[str, ...] = ()  # what of the event could not be read, and was left out

    @property
    def label(self) -> str:
        title = f"“{self.summary}”" if self.summary else "(no title)"
        if self.day is not None:
            when = f"{self.day:%Y-%m-%d}, all day"
        else:
            local = self.starts_at.astimezone(ZoneInfo(self.time_zone))
            when = f"{local:%Y-%m-%d %H:%M} {self.time_zone}"
        prefix = f"{self.source} › " if self.source else ""
        return f"{prefix}{title} {when}"

    @property
    def emails(self) -> list[str]:
        people = [*self.attendees, *([self.organizer] if self.organizer else [])]
        return list(dict.fromkeys(p.email for p in people if p.email))


@dataclass
class Series:
    """What the file says of one event as a whole: the instances the window holds, so that an
    instance imported before and now gone (an EXDATE added, the rule changed) is noticed."""

    uid: str
    sequence: int
    recurrence_ids: set[str]
    window: tuple[datetime, datetime]


@dataclass
class Reading:
    instances: list[Instance] = field(default_factory=list)
    refusals: list[tuple[str, str]] = field(default_factory=list)  # (item, reason)
    outside_window: int = 0
    series: list[Series] = field(default_factory=list)


def read_ics(
    data: bytes,
    *,
    name: str,
    zone: ZoneInfo,
    window: tuple[datetime, datetime],
) -> Reading:
    """Everything in one .ics file that starts within `window` (aware datetimes). Never
    raises: whatever cannot be read is a refusal."""
    reading = Reading()
    try:
        text = _decode(data)
        calendars = _split(text)
    except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the import
        reading.refusals.append((name, f"could not be read: {_short(exc)}"))
        return reading
    if not calendars:
        reading.refusals.append(
            (name, "not an iCalendar file: there is no BEGIN:VCALENDAR … END:VCALENDAR")
        )
        return reading
    for calendar in calendars:
        try:
            _read_calendar(calendar, reading, name=name, zone=zone, window=window)
        except Exception as exc:  # noqa: BLE001 - defensive: refuse the calendar, go on
            reading.refusals.append((name, f"could not be read: {_short(exc)}"))
    return reading


# --- splitting the text into calendars, time zones and events --------------------------------


@dataclass
class _Block:
    lines: list[str]
    number: int  # the n-th event of the file, for refusals
    problem: str = ""

    @property
    def text(self) -> str:
        return "\r\n".join(self.lines) + "\r\n"

    def raw(self, prop: str) -> str:
        """A property's raw value, for naming an event that does not parse."""
        for line in self.lines:
            head, _, value = line.partition(":")
            if head.split(";", 1)[0].strip().upper() == prop:
                return value.strip()
        return ""


@dataclass
class _Calendar:
    method: str = ""
    timezones: list[_Block] = field(default_factory=list)
    events: list[_Block] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _unfold(text: str) -> list[str]:
    """Content lines: a line break followed by a space or tab continues the line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return re.sub(r"\n[ \t]", "", text).split("\n")


def _split(text: str) -> list[_Calendar]:
    calendars: list[_Calendar] = []
    stack: list[str] = []
    block: _Block | None = None
    events = 0
    for line in _unfold(text):
        if not line.strip():
            continue
        head, _, value = line.partition(":")
        prop = head.split(";", 1)[0].strip().upper()
        component = value.strip().upper()
        if prop == "BEGIN":
            if not stack:
                if component != "VCALENDAR":
                    stack.append(component)  # outside any calendar: passed over
                    continue
                calendars.append(_Calendar())
            elif (
                len(stack) == 1
                and stack[0] == "VCALENDAR"
                and component
                in (
                    "VEVENT",
                    "VTIMEZONE",
                )
            ):
                if component == "VEVENT":
                    events += 1
                block = _Block([], events)
                target = calendars[-1].events if component == "VEVENT" else calendars[-1].timezones
                target.append(block)
            stack.append(component)
            if block is not None:
                block.lines.append(line)
        elif prop == "END":
            if block is not None and component != "VCALENDAR":
                block.lines.append(line)
            if component not in stack:
                continue  # an END without its BEGIN: nothing to close
            while stack and stack[-1] != component:
                closed = stack.pop()
                if block is not None and len(stack) == 1:
                    block.problem = f"it has no END:{closed} (END:{component} came first)"
                    block = None
            stack.pop()
            if block is not None and len(stack) == 1:
                block = None
        elif block is not None:
            block.lines.append(line)
        elif stack == ["VCALENDAR"] and prop == "METHOD":
            calendars[-1].method = component
    if block is not None:
        block.problem = "the file ends inside this event (is it cut short?)"
    return calendars


# --- one calendar ---------------------------------------------------------------------------


def _read_calendar(
    calendar: _Calendar, reading: Reading, *, name: str, zone: ZoneInfo, window
) -> None:
    zones = _file_zones(calendar.timezones)
    groups: dict[str, _Group] = {}
    for block in calendar.events:
        item = _block_item(name, block)
        if block.problem:
            reading.refusals.append((item, block.problem))
            continue
        try:
            event = _parse_event(block)
            uid = _uid(event)
        except Unreadable as exc:
            reading.refusals.append((item, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - icalendar's own errors, whatever they are
            reading.refusals.append((item, f"could not be read: {_short(exc)}"))
            continue
        groups.setdefault(uid, _Group(uid)).add(event, item, reading)
    cancel_all = calendar.method == "CANCEL"
    for group in groups.values():
        try:
            group.expand(
                reading, name=name, zone=zone, zones=zones, window=window, cancel_all=cancel_all
            )
        except Unreadable as exc:
            reading.refusals.append((group.item, str(exc)))
        except Exception as exc:  # noqa: BLE001
            reading.refusals.append((group.item, f"could not be read: {_short(exc)}"))


def _block_item(name: str, block: _Block) -> str:
    summary = block.raw("SUMMARY")[:80]
    what = f"“{summary}”" if summary else f"event {block.number}"
    uid = block.raw("UID")[:80]
    return f"{name} › {what}" + (f" (UID {uid})" if uid else "")


def _parse_event(block: _Block) -> icalendar.Event:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a /vendor/Area/City TZID: resolved below
        event = icalendar.Event.from_ical(block.text.encode("utf-8", errors="replace"))
    if not isinstance(event, icalendar.Event):
        raise Unreadable("not an event")
    return event


def _uid(event: icalendar.Event) -> str:
    uid = _text(event, "UID")
    if not uid:
        raise Unreadable("it has no UID, so a later change or cancellation could not find it")
    if len(uid) > MAX_UID:
        uid = "sha256:" + hashlib.sha256(uid.encode()).hexdigest()
    return uid


def _file_zones(blocks: list[_Block]) -> dict[str, tzinfo | None]:
    """The time zones a file defines, by TZID (None: defined, but unreadable)."""
    zones: dict[str, tzinfo | None] = {}
    for block in blocks:
        tzid = block.raw("TZID")
        try:
            component = icalendar.Timezone.from_ical(block.text.encode("utf-8", errors="replace"))
            zones[tzid] = component.to_tz(lookup_tzid=False)
        except Exception:  # noqa: BLE001 - an event that needs it is refused, naming it
            zones[tzid] = None
    return zones


# --- times ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Moment:
    """A DATE-TIME or DATE as written: a wall-clock value and the zone it is read in."""

    wall: datetime | date
    tz: tzinfo | None  # None for a DATE
    floating: bool = False

    @property
    def all_day(self) -> bool:
        return self.tz is None

    def aware(self) -> datetime:
        """The moment (a wall time in a DST gap reads with the offset before the gap)."""
        return self.wall.replace(tzinfo=self.tz)

    def key(self) -> str:
        """The instance's RECURRENCE-ID as this import keys it."""
        if self.all_day:
            return f"{self.wall:%Y%m%d}"
        if self.floating:
            return f"{self.wall:%Y%m%dT%H%M%S}"
        return f"{self.aware().astimezone(UTC):%Y%m%dT%H%M%SZ}"

    def in_zone_of(self, other: _Moment) -> datetime | date:
        """This value as a wall-clock time in `other`'s zone (for RDATE / EXDATE)."""
        if other.all_day:
            return self.wall if self.all_day else self.aware().astimezone(other.tz).date()
        if self.all_day:
            return datetime.combine(self.wall, time(0, 0))
        if self.floating and other.floating:
            return self.wall
        return self.aware().astimezone(other.tz).replace(tzinfo=None)


def _resolve_zone(tzid: str, zones: dict[str, tzinfo | None]) -> tuple[tzinfo, str | None]:
    """The zone a TZID names, and its IANA name when it has one."""
    clean = tzid.strip().strip("/")
    candidates = [clean, WINDOWS_TO_OLSON.get(clean, "")]
    if tzid.strip().startswith("/"):
        parts = clean.split("/")
        candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    for candidate in candidates:
        if candidate and candidate in _iana_names():
            found = zone_or_none(candidate)
            if found is not None:
                return found, candidate
    for key in (tzid, clean):
        if key in zones:
            if zones[key] is None:
                raise Unreadable(f"its time zone “{tzid}” is defined in the file, but unreadably")
            return zones[key], None
    raise Unreadable(f"its time zone “{tzid}” is unknown and not defined in the file")


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _moment(prop, zones, default: ZoneInfo, what: str) -> _Moment:
    if prop is None:
        raise Unreadable(f"it has no {what}")
    if isinstance(prop, list):
        raise Unreadable(f"it has {len(prop)} {what} lines")
    if isinstance(prop, icalendar.prop.vBroken):
        raise Unreadable(f"its {what} is not a valid date or time: {str(prop)[:60]}")
    value = prop.dt
    if isinstance(value, datetime):
        tzid = prop.params.get("TZID")
        if tzid:
            tz, _ = _resolve_zone(str(tzid), zones)
            return _Moment(_plain(value.replace(tzinfo=None), what), tz)
        if value.tzinfo is not None:
            return _Moment(_plain(value.astimezone(UTC).replace(tzinfo=None), what), UTC)
        return _Moment(_plain(value, what), default, floating=True)
    if isinstance(value, date):
        return _Moment(_plain(value, what), None)
    raise Unreadable(f"its {what} is not a date or time")


def _plain(value, what):
    if value.year < EARLIEST_YEAR:
        raise Unreadable(f"its {what} is before {EARLIEST_YEAR}")
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return value


def _zone_name(moment: _Moment, default: ZoneInfo, zones) -> str:
    """The IANA name of the zone an event takes place in."""
    tz = moment.tz
    if tz is None or moment.floating or tz is UTC:
        return default.key
    if isinstance(tz, ZoneInfo):
        return tz.key
    return _equivalent_zone(tz, moment.wall, default.key)


def _equivalent_zone(tz: tzinfo, at: datetime, default: str) -> str:
    """A zone a file defines itself: the IANA zone with the same offsets (around `at`, and
    half a year on), the import's own zone first."""
    probes = [at, at + timedelta(days=182)]
    offsets = [p.replace(tzinfo=tz).utcoffset() for p in probes]
    for name in [default, *sorted(_iana_names())]:
        candidate = ZoneInfo(name)
        if [p.replace(tzinfo=candidate).utcoffset() for p in probes] == offsets:
            return name
    return "UTC"


# --- one event and its instances ------------------------------------------------------------


@dataclass
class _Group:
    """The components of a file that share a UID: the event and its moved instances."""

    uid: str
    master: icalendar.Event | None = None
    item: str = ""
    overrides: list[tuple[icalendar.Event, str]] = field(default_factory=list)

    def add(self, event: icalendar.Event, item: str, reading: Reading) -> None:
        if "RECURRENCE-ID" in event:
            self.overrides.append((event, item))
            self.item = self.item or item
            return
        if self.master is not None:
            newer, older = sorted(
                [(event, item), (self.master, self.item)], key=lambda e: _version(e[0])
            )[::-1]
            reading.refusals.append(
                (older[1], "the file holds another copy of this event; the newer one is used")
            )
            event, item = newer
        self.master, self.item = event, item

    def expand(self, reading: Reading, *, name, zone, zones, window, cancel_all) -> None:
        start, end = window
        master = self.master
        seen: set[str] = set()
        keyed: dict[str, Instance] = {}
        generated: set[str] = set()
        if master is not None:
            first = _moment(master.get("DTSTART"), zones, zone, "start (DTSTART)")
            length = _length(master, first, zones, zone)
            base = _instance(master, self.uid, first, length, zones, zone, cancel_all, name)
            if _recurs(master):
                for moment in _occurrences(master, first, zones, zone, window):
                    keyed[moment.key()] = _moved(base, moment, length, zone, zones)
                generated = set(keyed)
            else:
                keyed[""] = base
        for event, item in self.overrides:
            try:
                rid = _moment(event.get("RECURRENCE-ID"), zones, zone, "RECURRENCE-ID").key()
                if master is not None and not _recurs(master):
                    raise Unreadable("it changes one instance of an event that does not recur")
                if master is not None and _version(event)[0] < _version(master)[0]:
                    continue  # an instance changed before the series was: the series wins
                moment = _moment(event.get("DTSTART"), zones, zone, "start (DTSTART)")
                length = _length(event, moment, zones, zone)
                one = _instance(event, self.uid, moment, length, zones, zone, cancel_all, name)
                one.recurrence_id = rid
                seen.add(rid)
                keyed[rid] = one
            except Unreadable as exc:
                reading.refusals.append((item, str(exc)))
        for key, one in keyed.items():
            seen.add(key)
            if key:
                one.recurrence_id = key
            at = one.starts_at if one.starts_at is not None else _day_start(one.day, zone)
            if start <= at <= end:
                reading.instances.append(one)
            elif key not in generated:  # a series' instances beyond the window go unsaid
                reading.outside_window += 1
        if master is not None and not cancel_all:
            reading.series.append(Series(self.uid, _version(master)[0], seen, window))


def _version(event: icalendar.Event) -> tuple[int, datetime]:
    return _sequence(event), _stamp(event) or datetime.min.replace(tzinfo=UTC)


def _sequence(event: icalendar.Event) -> int:
    value = event.get("SEQUENCE")
    try:
        return max(0, min(int(value), 2**31 - 1)) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def _stamp(event: icalendar.Event, *names: str) -> datetime | None:
    for prop in names or ("LAST-MODIFIED", "DTSTAMP"):
        value = getattr(event.get(prop), "dt", None)
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return None


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def _recurs(event: icalendar.Event) -> bool:
    return "RRULE" in event or "RDATE" in event


def _length(event, first: _Moment, zones, zone) -> timedelta | None:
    """How long each instance lasts; None when the event gives no end."""
    if "DTEND" in event:
        last = _moment(event.get("DTEND"), zones, zone, "end (DTEND)")
        if last.all_day != first.all_day:
            raise Unreadable("its start and end are not both dates or both times")
        length = last.wall - first.wall if first.all_day else last.aware() - first.aware()
    elif "DURATION" in event:
        value = getattr(event.get("DURATION"), "dt", None)
        if not isinstance(value, timedelta):
            raise Unreadable("its DURATION is not a length of time")
        length = value
    else:
        return timedelta(days=1) if first.all_day else None
    if length < timedelta(0):
        raise Unreadable("it ends before it starts")
    if length > timedelta(days=366):
        raise Unreadable("it lasts more than a year")
    return length


def _instance(event, uid, moment: _Moment, length, zones, zone, cancel_all, name) -> Instance:
    starts_at = None if moment.all_day else moment.aware().astimezone(UTC)
    ends_at = starts_at + length if starts_at is not None and length is not None else None
    return Instance(
        uid=uid,
        recurrence_id="",
        sequence=_sequence(event),
        stamp=_stamp(event),
        created=_stamp(event, "CREATED"),
        summary=_text(event, "SUMMARY")[:300],
        description=_text(event, "DESCRIPTION"),
        location=_text(event, "LOCATION"),
        categories=_categories(event),
        links=" ".join(_links(event)),
        organizer=_person(event.get("ORGANIZER")),
        attendees=_attendees(event),
        starts_at=starts_at,
        ends_at=ends_at,
        day=moment.wall if moment.all_day else None,
        time_zone=_zone_name(moment, zone, zones),
        cancelled=cancel_all or _text(event, "STATUS").upper() == "CANCELLED",
        source=name,
        skipped=tuple(dict.fromkeys(_skipped(event))),
    )


def _skipped(event) -> list[str]:
    """Lines icalendar could not read: the event is taken without them."""
    found = []
    for prop, _ in getattr(event, "errors", []):
        found.append(f"its {prop} line" if prop else "a line that is not a property")
    return found


def _moved(base: Instance, moment: _Moment, length, zone, zones) -> Instance:
    """An instance of a recurring event, at `moment`."""
    starts_at = None if moment.all_day else moment.aware().astimezone(UTC)
    return Instance(
        **{
            **base.__dict__,
            "starts_at": starts_at,
            "ends_at": starts_at + length if starts_at is not None and length is not None else None,
            "day": moment.wall if moment.all_day else None,
        }
    )


def _occurrences(event, first: _Moment, zones, zone, window) -> list[_Moment]:
    """The instances of a recurring event that start within the window, EXDATEs removed.
    Rules are expanded in wall-clock time, so 10:00 stays 10:00 across a change of clocks."""
    start, end = window
    wall_first = first.wall if not first.all_day else datetime.combine(first.wall, time(0, 0))
    rules = rruleset()
    rules.rdate(wall_first)  # DTSTART is always the first instance
    for prop in _as_list(event.get("RRULE")):
        rules.rrule(_rule(prop, first, wall_first, zone, end))
    for prop in _as_list(event.get("RDATE")):
        for value in _dates(prop, zones, zone, "RDATE"):
            rules.rdate(_as_wall(value.in_zone_of(first)))
    for prop in _as_list(event.get("EXDATE")):
        for value in _dates(prop, zones, zone, "EXDATE"):
            rules.exdate(_as_wall(value.in_zone_of(first)))
    # Compared as wall-clock times (cheap), with a day's slack for the zone's offset.
    tz = first.tz or zone
    low = (start - timedelta(days=2)).astimezone(tz).replace(tzinfo=None)
    high = (end + timedelta(days=2)).astimezone(tz).replace(tzinfo=None)
    found = []
    for n, wall in enumerate(rules):
        if n >= MAX_EXPANSION:
            raise Unreadable(
                f"it recurs too often to expand (more than {MAX_EXPANSION:,} instances)"
            )
        if wall > high:
            break
        if wall >= low:
            found.append(_Moment(wall.date() if first.all_day else wall, first.tz, first.floating))
    return found


def _rule(prop, first: _Moment, wall_first: datetime, zone: ZoneInfo, end: datetime):
    if isinstance(prop, icalendar.prop.vBroken):
        raise Unreadable(f"its RRULE cannot be read: {str(prop)[:60]}")
    frequency, positions = _check_rule(prop, wall_first)
    # BYSETPOS (and then COUNT) are applied by _Positions, not dateutil: see there.
    dropped = {"UNTIL", "BYSETPOS", "COUNT"} if positions else {"UNTIL"}
    parts = {k: v for k, v in prop.items() if k.upper() not in dropped}
    text = icalendar.prop.vRecur(parts).to_ical().decode()
    try:
        rule = rrulestr(text, dtstart=wall_first, ignoretz=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise Unreadable(f"its RRULE cannot be read: {_short(exc)}") from None
    # Expansion stops at the window's end whatever the rule says (COUNT included).
    limit = end.astimezone(first.tz or zone).replace(tzinfo=None) + timedelta(days=2)
    until = prop.get("UNTIL")
    if until:
        value = until[0]
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(first.tz or zone).replace(tzinfo=None)
        else:
            value = datetime.combine(value, time.max)
        limit = min(limit, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # COUNT with UNTIL
        if not positions:
            return rule.replace(until=limit)
        # Whole periods, so that "the last Friday of the month" is not cut short.
        rule = rule.replace(until=limit + timedelta(days=367))
    count = prop.get("COUNT")
    week_start = WEEKDAYS.index(str((prop.get("WKST") or ["MO"])[0]).upper())
    return _Positions(
        rule, positions, frequency, week_start, limit, int(count[0]) if count else None
    )


class _Positions:
    """A rule's BYSETPOS, applied to the instances of the rule without it, period by period.

    dateutil applies BYSETPOS inside its search, and searches a rule whose positions never
    exist (the 5th of a set that holds 4) up to the year 9999; here the rule without it always
    reaches the window's end, and each period's set is picked from."""

    def __init__(self, rule, positions, frequency, week_start, until, count):
        self.rule, self.positions, self.frequency = rule, positions, frequency
        self.week_start, self.until, self.count = week_start, until, count

    def _period(self, value: datetime):
        if self.frequency == "YEARLY":
            return value.year
        if self.frequency == "MONTHLY":
            return value.year, value.month
        day = value.date()
        if self.frequency == "WEEKLY":
            return day - timedelta(days=(day.weekday() - self.week_start) % 7)
        return day

    def __iter__(self):
        emitted = 0
        for _, members in groupby(self.rule, key=self._period):
            members = list(members)
            size = len(members)
            picked = sorted({members[p - 1 if p > 0 else p] for p in self.positions
                             if 0 < abs(p) <= size})  # fmt: skip
            for value in picked:
                if value > self.until or (self.count is not None and emitted >= self.count):
                    return
                emitted += 1
                yield value


# The parts of a rule that are read. With these, and the checks below, every rule either
# happens within a few decades or is refused: dateutil searches a rule that never happens
# up to the year 9999, which for a daily rule takes minutes.
RULE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH",
              "BYSETPOS", "WKST"}  # fmt: skip
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def _check_rule(prop, wall_first: datetime) -> tuple[str, list[int]]:
    parts = {str(k).upper(): _as_list(v) for k, v in prop.items()}
    unknown = sorted(set(parts) - RULE_PARTS)
    if unknown:
        raise Unreadable(f"its RRULE uses {', '.join(unknown)}, which this import does not read")
    frequency = str((parts.get("FREQ") or [""])[0]).upper()
    if frequency not in ALLOWED_FREQUENCIES:
        raise Unreadable(
            f"it repeats {frequency.lower() or 'without a frequency'}: only daily, weekly, "
            "monthly and yearly rules are read"
        )

    def numbers(name: str, low: int, high: int) -> list[int]:
        try:
            values = [int(v) for v in parts.get(name, [])]
        except (TypeError, ValueError):
            raise Unreadable(f"its RRULE's {name} is not a number") from None
        if any(not low <= abs(v) <= high for v in values) or (low > 0 and 0 in values):
            raise Unreadable(f"its RRULE's {name} is out of range")
        return values

    interval = (numbers("INTERVAL", 1, 1000) or [1])[0]
    if interval < 1:
        raise Unreadable("its RRULE's INTERVAL is out of range")
    months = numbers("BYMONTH", 1, 12)
    if any(m < 0 for m in months):
        raise Unreadable("its RRULE's BYMONTH is out of range")
    month_days = numbers("BYMONTHDAY", 1, 31)
    days = []
    for value in parts.get("BYDAY", []):
        match = BYDAY.match(str(value).upper())
        if not match:
            raise Unreadable(f"its RRULE's BYDAY “{value}” is not a day of the week")
        days.append((int(match.group(1) or 0), match.group(2)))
    ordinals = [n for n, _ in days if n]
    if ordinals:
        limit = 53 if frequency == "YEARLY" and not months else 5
        if frequency in ("DAILY", "WEEKLY") or month_days or any(abs(n) > limit for n in ordinals):
            raise Unreadable("its RRULE asks for a numbered weekday that never comes")
    if (
        months
        and month_days
        and not any(abs(d) <= MONTH_DAYS[m - 1] for m in months for d in month_days)
    ):
        raise Unreadable("its RRULE asks for a day that no month in it has")
    if frequency == "DAILY" and interval % 7 == 0 and days:
        if WEEKDAYS[wall_first.weekday()] not in {d for _, d in days}:
            raise Unreadable("its RRULE asks for a weekday its interval never reaches")
    if frequency == "MONTHLY" and months:
        reachable = {(wall_first.month - 1 + n * interval) % 12 + 1 for n in range(12)}
        if not reachable & set(months):
            raise Unreadable("its RRULE asks for months its interval never reaches")
    largest = _largest_set(frequency, days, ordinals, months, month_days)
    return frequency, numbers("BYSETPOS", 1, largest)


def _largest_set(frequency, days, ordinals, months, month_days) -> int:
    """How many instances one period of a rule can hold at most (what BYSETPOS picks from).
    Without BYDAY or BYMONTHDAY a rule repeats the start's day: one per period."""
    if not days and not month_days:
        return len(months) or 1 if frequency == "YEARLY" else 1
    if frequency == "DAILY":
        return 1
    if frequency == "WEEKLY":
        return len(days) or 1
    per_month = 31
    if month_days:
        per_month = min(per_month, len(month_days))
    if days:
        per_month = min(per_month, len(days) if ordinals else 5 * len(days))
    if frequency == "MONTHLY":
        return per_month
    if ordinals and not months:
        return len(days)
    return min(366, per_month * (len(months) or 12))


def _dates(prop, zones, zone, what: str) -> list[_Moment]:
    if isinstance(prop, icalendar.prop.vBroken):
        raise Unreadable(f"its {what} cannot be read: {str(prop)[:60]}")
    moments = []
    for value in getattr(prop, "dts", []):
        dt = value.dt
        if isinstance(dt, tuple):  # a PERIOD: its start
            dt = dt[0]
            value = icalendar.prop.vDDDTypes(dt)
            value.params = prop.params
        moments.append(_moment(value, zones, zone, what))
    return moments


def _as_wall(value: datetime | date) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time(0, 0))


# --- text, people, links --------------------------------------------------------------------


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(event, name: str) -> str:
    values = _as_list(event.get(name))
    if not values or isinstance(values[0], icalendar.prop.vBroken):
        return ""
    return str(values[0]).strip()[:MAX_TEXT]


def _categories(event) -> tuple[str, ...]:
    found = []
    for prop in _as_list(event.get("CATEGORIES")):
        found += [str(c).strip() for c in getattr(prop, "cats", [])]
    return tuple(c for c in found if c)


LINK_PROPERTIES = (
    "URL",
    "CONFERENCE",
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
)


def _links(event) -> list[str]:
    found = [_text(event, name) for name in LINK_PROPERTIES]
    return [text for text in [*found, _text(event, "DESCRIPTION")] if text]


def _attendees(event) -> tuple[Person, ...]:
    people = []
    for prop in _as_list(event.get("ATTENDEE")):
        if str(getattr(prop, "params", {}).get("CUTYPE", "")).upper() in ("ROOM", "RESOURCE"):
            continue
        person = _person(prop)
        if person is not None:
            people.append(person)
    return tuple(people)


def _person(prop) -> Person | None:
    if prop is None or isinstance(prop, list | icalendar.prop.vBroken):
        return None
    params = getattr(prop, "params", {})
    raw = str(params.get("EMAIL", "") or prop).strip()
    if raw.lower().startswith("mailto:"):
        raw = raw[7:]
    try:
        email = normalize_email(raw) if raw else ""
    except ValidationError:
        email = ""
    name = str(params.get("CN", "")).strip()[:200]
    return Person(email, name) if email or name else None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"
