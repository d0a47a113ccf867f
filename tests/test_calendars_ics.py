"""Reading .ics text (candidly.calendars.ics): time zones, all-day and recurring events,
cancellations, and broken files refused per event. No database needed."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidly.calendars.ics import MAX_EXPANSION, read_ics

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))


# --- building .ics text ---------------------------------------------------------------------


def prop(name: str, value, tzid: str | None = None) -> str:
    """A DATE, DATE-TIME (UTC when aware, floating when naive) or wall time in `tzid`."""
    if isinstance(value, datetime):
        if tzid:
            wall = value.astimezone(ZoneInfo(tzid)) if value.tzinfo else value
            return f"{name};TZID={tzid}:{wall:%Y%m%dT%H%M%S}"
        if value.tzinfo is not None:
            return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        return f"{name}:{value:%Y%m%dT%H%M%S}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def vevent(
    uid: str,
    start,
    end=None,
    *,
    summary: str = "",
    tzid: str | None = None,
    organizer: str | None = None,
    attendees=(),
    sequence: int | None = None,
    lines=(),
) -> str:
    out = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", prop("DTSTART", start, tzid)]
    if end is not None:
        out.append(prop("DTEND", end, tzid))
    if summary:
        out.append(f"SUMMARY:{summary}")
    if sequence is not None:
        out.append(f"SEQUENCE:{sequence}")
    if organizer:
        out.append(f"ORGANIZER;CN=Organizer:mailto:{organizer}")
    for attendee in attendees:
        name, _, email = attendee.rpartition(" ")
        out.append(f"ATTENDEE;CN={name or email};PARTSTAT=ACCEPTED:mailto:{email}")
    out += list(lines)
    out.append("END:VEVENT")
    return "\r\n".join(out)


def calendar(*events: str, method: str | None = None, extra: str = "") -> bytes:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Calendar//EN"]
    if method:
        head.append(f"METHOD:{method}")
    parts = [*head, *([extra] if extra else []), *events, "END:VCALENDAR"]
    return ("\r\n".join(parts) + "\r\n").encode()


def read(data: bytes, *, zone=NY, window=WINDOW, name="test.ics"):
    return read_ics(data, name=name, zone=zone, window=window)


CUSTOM_ZONE = """BEGIN:VTIMEZONE
TZID:Our Office Time
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE""".replace("\n", "\r\n")


# --- time zones -----------------------------------------------------------------------------


def test_a_tzid_time_is_read_in_its_zone():
    r = read(
        calendar(
            vevent(
                "a",
                datetime(2026, 3, 10, 10, 0),
                datetime(2026, 3, 10, 11, 0),
                tzid="Europe/Berlin",
            )
        )
    )
    (one,) = r.instances
    assert one.starts_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert one.ends_at - one.starts_at == timedelta(hours=1)
    assert one.time_zone == "Europe/Berlin"
    assert one.recurrence_id == ""


def test_a_utc_time_keeps_its_moment_and_takes_the_import_zone_as_its_place():
    r = read(calendar(vevent("a", datetime(2026, 7, 1, 14, 30, tzinfo=UTC))), zone=BERLIN)
    (one,) = r.instances
    assert one.starts_at == datetime(2026, 7, 1, 14, 30, tzinfo=UTC)
    assert one.time_zone == "Europe/Berlin"
    assert one.ends_at is None  # no DTEND, no DURATION


def test_a_floating_time_is_read_in_the_zone_given():
    data = calendar(vevent("a", datetime(2026, 7, 1, 9, 0)))
    assert read(data, zone=NY).instances[0].starts_at == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert read(data, zone=BERLIN).instances[0].starts_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_outlook_windows_zone_names_and_globally_unique_tzids_are_understood():
    r = read(
        calendar(
            vevent("w", datetime(2026, 7, 1, 9, 0), tzid="Eastern Standard Time"),
            vevent("g", datetime(2026, 7, 1, 9, 0), tzid="/mozilla.org/20050126_1/Asia/Tokyo"),
        ),
        zone=BERLIN,
    )
    by_uid = {i.uid: i for i in r.instances}
    assert by_uid["w"].starts_at == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert by_uid["w"].time_zone == "America/New_York"
    assert by_uid["g"].starts_at == datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    assert by_uid["g"].time_zone == "Asia/Tokyo"


def test_a_zone_defined_in_the_file_is_used_and_named_by_its_iana_equivalent():
    data = calendar(
        vevent("w", datetime(2026, 1, 15, 9, 0), tzid="Our Office Time"),
        vevent("s", datetime(2026, 7, 15, 9, 0), tzid="Our Office Time"),
        extra=CUSTOM_ZONE,
    )
    r = read(data, zone=BERLIN)
    by_uid = {i.uid: i for i in r.instances}
    assert by_uid["w"].starts_at == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # +01:00
    assert by_uid["s"].starts_at == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)  # +02:00
    assert by_uid["w"].time_zone == "Europe/Berlin"
    # Read from New York, the same file's zone is still named by a zone with its offsets.
    other = read(data, zone=NY).instances[0].time_zone
    w, s = datetime(2026, 1, 15, 9, 0), datetime(2026, 7, 15, 9, 0)
    assert ZoneInfo(other).utcoffset(w) == timedelta(hours=1)
    assert ZoneInfo(other).utcoffset(s) == timedelta(hours=2)


def test_an_unknown_zone_refuses_that_event_only():
    r = read(
        calendar(
            vevent("bad", datetime(2026, 7, 1, 9, 0), tzid="Nowhere/Atlantis", summary="Lost"),
            vevent("good", datetime(2026, 7, 1, 9, 0), tzid="Europe/Berlin"),
        )
    )
    assert [i.uid for i in r.instances] == ["good"]
    ((item, reason),) = r.refusals
    assert "Lost" in item and "Nowhere/Atlantis" in reason


def test_a_time_in_the_spring_forward_gap_moves_forward_by_the_gap():
    # 2026-03-08 02:30 does not exist in New York; calendar apps show 03:30 EDT.
    r = read(calendar(vevent("gap", datetime(2026, 3, 8, 2, 30), tzid="America/New_York")))
    assert r.instances[0].starts_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert r.instances[0].starts_at.astimezone(NY).hour == 3


def test_a_weekly_event_keeps_its_wall_clock_time_across_the_change_of_clocks():
    data = calendar(
        vevent(
            "weekly",
            datetime(2026, 2, 24, 10, 0),
            datetime(2026, 2, 24, 10, 30),
            tzid="America/New_York",
            lines=["RRULE:FREQ=WEEKLY;COUNT=4"],
        )
    )
    r = read(data)
    local = [i.starts_at.astimezone(NY) for i in r.instances]
    assert [(t.month, t.day, t.hour) for t in local] == [
        (2, 24, 10),
        (3, 3, 10),
        (3, 10, 10),
        (3, 17, 10),
    ]
    utc_hours = [i.starts_at.astimezone(UTC).hour for i in r.instances]
    assert utc_hours == [15, 15, 14, 14]  # EST, then EDT from March 8
    assert all(i.ends_at - i.starts_at == timedelta(minutes=30) for i in r.instances)
    assert [i.recurrence_id for i in r.instances] == [
        "20260224T150000Z",
        "20260303T150000Z",
        "20260310T140000Z",
        "20260317T140000Z",
    ]


# --- all-day events -------------------------------------------------------------------------


def test_an_all_day_event_has_a_day_and_no_time():
    r = read(calendar(vevent("day", date(2026, 5, 4), date(2026, 5, 5), summary="Offsite")))
    (one,) = r.instances
    assert one.day == date(2026, 5, 4)
    assert one.starts_at is None and one.ends_at is None
    assert "2026-05-04, all day" in one.label


def test_a_start_and_end_of_different_kinds_are_refused():
    r = read(calendar(vevent("mixed", date(2026, 5, 4), datetime(2026, 5, 4, 10, 0))))
    assert not r.instances
    assert "both dates or both times" in r.refusals[0][1]


# --- recurrence -----------------------------------------------------------------------------


def test_exdate_removes_an_instance_and_a_recurrence_id_moves_one():
    data = calendar(
        vevent(
            "prep",
            datetime(2026, 4, 6, 9, 0),
            datetime(2026, 4, 6, 9, 30),
            tzid="America/New_York",
            summary="Prep series",
            lines=["RRULE:FREQ=DAILY;COUNT=5", "EXDATE;TZID=America/New_York:20260407T090000"],
        ),
        "\r\n".join(
            [
                "BEGIN:VEVENT",
                "UID:prep",
                "DTSTAMP:20260101T000000Z",
                "RECURRENCE-ID;TZID=America/New_York:20260409T090000",
                "DTSTART;TZID=America/New_York:20260409T160000",
                "DTEND;TZID=America/New_York:20260409T163000",
                "SUMMARY:Prep series (moved)",
                "END:VEVENT",
            ]
        ),
    )
    r = read(data)
    assert not r.refusals
    days = sorted(
        (i.starts_at.astimezone(NY).day, i.starts_at.astimezone(NY).hour) for i in r.instances
    )
    assert days == [(6, 9), (8, 9), (9, 16), (10, 9)]
    moved = next(i for i in r.instances if i.summary.endswith("(moved)"))
    assert moved.recurrence_id == "20260409T130000Z"  # keyed by its original start
    (series,) = r.series
    assert series.recurrence_ids == {i.recurrence_id for i in r.instances}


def test_an_instance_cancelled_on_its_own():
    data = calendar(
        vevent("s", datetime(2026, 4, 6, 9, 0, tzinfo=UTC), lines=["RRULE:FREQ=WEEKLY;COUNT=3"]),
        "\r\n".join(
            [
                "BEGIN:VEVENT",
                "UID:s",
                "RECURRENCE-ID:20260413T090000Z",
                "DTSTART:20260413T090000Z",
                "STATUS:CANCELLED",
                "END:VEVENT",
            ]
        ),
    )
    r = read(data)
    assert [(i.starts_at.day, i.cancelled) for i in r.instances] == [
        (6, False),
        (13, True),
        (20, False),
    ]


def test_until_in_utc_rdate_and_all_day_recurrence():
    data = calendar(
        vevent(
            "u",
            datetime(2026, 6, 1, 9, 0),
            tzid="Europe/Berlin",
            lines=[
                "RRULE:FREQ=WEEKLY;UNTIL=20260615T070000Z",
                "RDATE;TZID=Europe/Berlin:20260620T120000",
            ],
        ),
        vevent("d", date(2026, 6, 1), lines=["RRULE:FREQ=MONTHLY;COUNT=2"]),
    )
    r = read(data, zone=BERLIN)
    u = sorted(i.starts_at for i in r.instances if i.uid == "u")
    assert [t.astimezone(BERLIN).strftime("%d %H") for t in u] == [
        "01 09",
        "08 09",
        "15 09",
        "20 12",
    ]
    assert sorted(i.day for i in r.instances if i.uid == "d") == [
        date(2026, 6, 1),
        date(2026, 7, 1),
    ]
    assert {i.recurrence_id for i in r.instances if i.uid == "d"} == {"20260601", "20260701"}


def test_only_instances_within_the_window_are_taken():
    window = (datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 6, 20, tzinfo=UTC))
    r = read(
        calendar(
            vevent("daily", datetime(2026, 6, 1, 9, 0, tzinfo=UTC), lines=["RRULE:FREQ=DAILY"]),
            vevent("old", datetime(2025, 1, 1, 9, 0, tzinfo=UTC)),
        ),
        window=window,
    )
    assert sorted(i.starts_at.day for i in r.instances) == list(range(10, 20))
    assert r.outside_window == 1


def test_rules_that_repeat_within_a_day_never_happen_or_run_too_long_are_refused():
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # a Monday
    rules = {
        "hourly": "FREQ=HOURLY",
        "byhour": "FREQ=DAILY;BYHOUR=1,2,3",
        "feb30": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "interval0": "FREQ=DAILY;INTERVAL=0",
        "fifth-on-1st": "FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1",
        "weekly-tuesday-every-7-days": "FREQ=DAILY;INTERVAL=7;BYDAY=TU",
        "setpos": "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2",
    }
    r = read(
        calendar(
            *(vevent(uid, start, lines=[f"RRULE:{rule}"]) for uid, rule in rules.items()),
            vevent("ok", start, lines=["RRULE:FREQ=DAILY;INTERVAL=7;BYDAY=MO;COUNT=2"]),
        )
    )
    assert sorted(i.starts_at.day for i in r.instances) == [1, 8]
    refused = {item.split("UID ")[1].rstrip(")"): reason for item, reason in r.refusals}
    assert set(refused) == set(rules)
    assert "only daily, weekly, monthly and yearly" in refused["hourly"]
    assert "BYHOUR" in refused["byhour"]
    assert "no month in it has" in refused["feb30"]
    assert "INTERVAL is out of range" in refused["interval0"]
    assert "never comes" in refused["fifth-on-1st"]
    assert "never reaches" in refused["weekly-tuesday-every-7-days"]
    assert "BYSETPOS is out of range" in refused["setpos"]


def test_bysetpos_picks_from_each_period_and_count_follows_it():
    r = read(
        calendar(
            vevent("last-workday", datetime(2026, 1, 1, 9, 0, tzinfo=UTC),
                   lines=["RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4"]),
            vevent("second-and-last-friday", datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
                   lines=["RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=2,-1;UNTIL=20260630T235959Z"]),
        )
    )  # fmt: skip
    days = {uid: sorted(i.starts_at.date().isoformat() for i in r.instances if i.uid == uid)
            for uid in ("last-workday", "second-and-last-friday")}  # fmt: skip
    # DTSTART (Jan 1) is always an instance; then the last workday of Jan to Apr.
    assert days["last-workday"] == ["2026-01-01", "2026-01-30", "2026-02-27", "2026-03-31",
                                    "2026-04-30"]  # fmt: skip
    assert days["second-and-last-friday"] == ["2026-05-01", "2026-05-08", "2026-05-29",
                                              "2026-06-12", "2026-06-26"]  # fmt: skip


def test_a_rule_with_too_many_instances_before_the_window_ends_is_refused():
    far = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))
    r = read(
        calendar(
            vevent("daily", datetime(1901, 1, 1, 9, 0, tzinfo=UTC), lines=["RRULE:FREQ=DAILY"])
        ),
        window=far,
    )
    assert not r.instances
    assert f"more than {MAX_EXPANSION:,}" in r.refusals[0][1]


# --- cancellations and versions -------------------------------------------------------------


def test_method_cancel_and_status_cancelled_mark_events_cancelled():
    cancel = read(calendar(vevent("c", datetime(2026, 6, 1, 9, 0, tzinfo=UTC)), method="CANCEL"))
    status = read(
        calendar(vevent("s", datetime(2026, 6, 1, 9, 0, tzinfo=UTC), lines=["STATUS:CANCELLED"]))
    )
    plain = read(calendar(vevent("p", datetime(2026, 6, 1, 9, 0, tzinfo=UTC))))
    assert cancel.instances[0].cancelled and status.instances[0].cancelled
    assert not plain.instances[0].cancelled


def test_of_two_copies_of_an_event_the_newer_is_used():
    r = read(
        calendar(
            vevent("x", datetime(2026, 6, 2, 9, 0, tzinfo=UTC), sequence=3, summary="New"),
            vevent("x", datetime(2026, 6, 1, 9, 0, tzinfo=UTC), sequence=1, summary="Old"),
        )
    )
    assert [(i.summary, i.sequence) for i in r.instances] == [("New", 3)]
    assert "newer one is used" in r.refusals[0][1] and "Old" in r.refusals[0][0]


def test_attendees_organizer_and_text():
    data = calendar(
        vevent(
            "t",
            datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
            summary="Interview\\, round 2",
            organizer="Recruiter@Agency.example",
            attendees=["Jordan Jordan.Ellis@Example.com", "not-an-address"],
            lines=[
                "ATTENDEE;CUTYPE=ROOM;CN=Room 4:mailto:room4@agency.example",
                "LOCATION:1 Main Street\\, Boston",
                "CATEGORIES:Hiring,Onsite",
                "URL:https://example.zoom.us/j/1",
            ],
        )
    )
    (one,) = read(data).instances
    assert one.summary == "Interview, round 2"
    assert one.organizer.email == "recruiter@agency.example"
    # The room is left out; an address that is not an email keeps only its name.
    assert [(a.email, a.name) for a in one.attendees] == [
        ("jordan.ellis@example.com", "Jordan"),
        ("", "not-an-address"),
    ]
    assert one.emails == ["jordan.ellis@example.com", "recruiter@agency.example"]
    assert one.location == "1 Main Street, Boston"
    assert one.categories == ("Hiring", "Onsite")
    assert "zoom.us" in one.links


# --- broken files ---------------------------------------------------------------------------


def test_a_truncated_file_keeps_the_events_before_the_cut():
    whole = calendar(
        vevent("one", datetime(2026, 6, 1, 9, 0, tzinfo=UTC), summary="First"),
        vevent("two", datetime(2026, 6, 2, 9, 0, tzinfo=UTC), summary="Second"),
    )
    cut = whole[: whole.index(b"SUMMARY:Second") + 10]
    r = read(cut)
    assert [i.uid for i in r.instances] == ["one"]
    ((item, reason),) = r.refusals
    assert "UID two" in item and "cut short" in reason


def test_a_file_without_a_calendar_is_refused_whole():
    event = vevent("one", datetime(2026, 6, 1, 9, 0, tzinfo=UTC)).encode()
    for data in (event, b"", b"hello\r\nworld\r\n", b"\x00\xff\xfe garbage"):
        r = read(data, name="notes.ics")
        assert not r.instances
        assert r.refusals == [("notes.ics", r.refusals[0][1])]
        assert "not an iCalendar file" in r.refusals[0][1]


def test_bad_dates_and_bad_lines_refuse_their_event_and_the_rest_goes_on():
    r = read(
        calendar(
            "\r\n".join(
                [
                    "BEGIN:VEVENT",
                    "UID:bad-date",
                    "SUMMARY:Bad date",
                    "DTSTART:20261345T100000Z",
                    "END:VEVENT",
                ]
            ),
            "\r\n".join(
                [
                    "BEGIN:VEVENT",
                    "UID:bad-line",
                    "SUMMARY:Bad line",
                    "DTSTART:20260601T100000Z",
                    "this line has no colon",
                    "END:VEVENT",
                ]
            ),
            "\r\n".join(
                ["BEGIN:VEVENT", "SUMMARY:No UID", "DTSTART:20260601T100000Z", "END:VEVENT"]
            ),
            vevent(
                "backwards",
                datetime(2026, 6, 2, 9, 0, tzinfo=UTC),
                datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
            ),
            "\r\n".join(["BEGIN:VEVENT", "UID:no-start", "SUMMARY:No start", "END:VEVENT"]),
            vevent("good", datetime(2026, 6, 3, 9, 0, tzinfo=UTC)),
        )
    )
    # A line that is not a property is left out; the rest of its event is taken.
    assert [i.uid for i in r.instances] == ["bad-line", "good"]
    assert r.instances[0].skipped == ("a line that is not a property",)
    assert r.instances[1].skipped == ()
    assert len(r.refusals) == 4
    by_item = {item.split("›")[1].strip(): reason for item, reason in r.refusals}
    assert "start (DTSTART) is not a valid date or time" in by_item["“Bad date” (UID bad-date)"]
    assert "no UID" in by_item["“No UID”"]
    assert "ends before it starts" in by_item["event 4 (UID backwards)"]
    assert "DTSTART" in by_item["“No start” (UID no-start)"]


def test_an_event_closed_by_the_wrong_end_is_refused():
    data = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260601T100000Z\r\nEND:VCALENDAR\r\n"
    )
    r = read(data)
    assert not r.instances
    assert "no END:VEVENT" in r.refusals[0][1]


def test_a_latin1_file_is_read():
    data = calendar(vevent("l", datetime(2026, 6, 1, 9, 0, tzinfo=UTC), summary="Café")).replace(
        "Café".encode(), "Café".encode("latin-1")
    )
    assert read(data).instances[0].summary == "Café"


# --- never a crash --------------------------------------------------------------------------

SAMPLE = calendar(
    vevent(
        "a",
        datetime(2026, 3, 1, 10, 0),
        datetime(2026, 3, 1, 11, 0),
        tzid="Our Office Time",
        summary="Interview",
        organizer="alex@agency.example",
        attendees=["Jordan jordan@example.com"],
        lines=[
            "RRULE:FREQ=WEEKLY;COUNT=5;BYDAY=MO,WE",
            "EXDATE;TZID=Our Office Time:20260304T100000",
            "LOCATION:1 Main St",
            "BEGIN:VALARM",
            "TRIGGER:-PT15M",
            "ACTION:DISPLAY",
            "END:VALARM",
        ],
    ),
    "\r\n".join(
        [
            "BEGIN:VEVENT",
            "UID:a",
            "RECURRENCE-ID;TZID=Our Office Time:20260302T100000",
            "DTSTART;VALUE=DATE:20260303",
            "STATUS:CANCELLED",
            "END:VEVENT",
        ]
    ),
    vevent("b", date(2026, 4, 1), date(2026, 4, 2), lines=["RRULE:FREQ=YEARLY;UNTIL=20280101"]),
    vevent("c", datetime(2026, 5, 1, 9, 0, tzinfo=UTC), lines=["DURATION:PT45M"]),
    extra=CUSTOM_ZONE,
)


def _check(reading) -> None:
    for one in reading.instances:
        assert one.uid
        if one.day is None:
            assert one.starts_at.tzinfo is not None
            assert WINDOW[0] <= one.starts_at <= WINDOW[1]
            assert one.ends_at is None or one.ends_at >= one.starts_at
        ZoneInfo(one.time_zone)
        assert isinstance(one.label, str)
    for item, reason in reading.refusals:
        assert isinstance(item, str) and reason


def test_the_sample_reads_cleanly():
    r = read(SAMPLE, zone=BERLIN)
    assert not r.refusals
    assert {i.uid for i in r.instances} == {"a", "b", "c"}
    _check(r)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash(data):
    # Inside an event, so the bytes reach the parser rather than the "not a calendar" check.
    _check(
        read(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + data + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    )


LINES = SAMPLE.decode().split("\r\n")
ICS_WORDS = [
    "BEGIN:VEVENT",
    "END:VEVENT",
    "BEGIN:VCALENDAR",
    "END:VCALENDAR",
    "DTSTART",
    "DTEND",
    "RRULE:FREQ=",
    "TZID=",
    "VALUE=DATE",
    "RECURRENCE-ID",
    "EXDATE",
    "RDATE",
    ";",
    ":",
    ",",
    "\r\n",
    "\r\n ",
    "Z",
    "T",
    "20260301",
    "99999999",
    "-",
    "=",
    "\\",
]


@st.composite
def mutated(draw):
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 8))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "swap", "edit", "insert", "cut"]))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "edit":
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            cut = draw(st.integers(0, 6))
            piece = draw(st.one_of(st.sampled_from(ICS_WORDS), st.text(max_size=6)))
            lines[i] = line[:at] + piece + line[at + cut :]
        elif action == "insert":
            lines.insert(i, draw(st.one_of(st.sampled_from(LINES), st.text(max_size=40))))
        else:
            lines = lines[:i]
    return "\r\n".join(lines).encode("utf-8", errors="replace")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_calendars_never_crash(data):
    _check(read(data, zone=BERLIN))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=st.fixed_dictionaries(
        {
            "FREQ": st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "X"]),
            "INTERVAL": st.integers(-1, 400),
            "COUNT": st.integers(-1, 10**9),
            "BYMONTH": st.integers(0, 14),
            "BYMONTHDAY": st.integers(-32, 32),
            "BYDAY": st.sampled_from(["MO", "-1SU", "5FR", "TU,TH", "XX", "53MO"]),
            "BYSETPOS": st.integers(-400, 400),
            "BYHOUR": st.integers(-1, 30),
            "WKST": st.sampled_from(["MO", "SU", "XX"]),
            "UNTIL": st.sampled_from(["20260301T000000Z", "20260301", "1999", "20261301"]),
        }
    ).flatmap(
        lambda d: st.sets(st.sampled_from(sorted(d)), min_size=1).map(
            lambda keys: ";".join(f"{k}={d[k]}" for k in sorted(keys, key=lambda k: k != "FREQ"))
        )
    ),
    start_year=st.integers(1890, 2030),
)
def test_random_recurrence_rules_never_crash_or_run_away(rule, start_year):
    data = calendar(
        vevent(
            "r", datetime(start_year, 1, 31, 9, 0), tzid="America/New_York", lines=[f"RRULE:{rule}"]
        )
    )
    reading = read(data)
    _check(reading)
    assert len(reading.instances) <= 366 * 24


@pytest.mark.parametrize("size", [1, 50])
def test_a_large_file_of_many_events(size):
    events = [
        vevent(f"e{i}", datetime(2026, 6, 1, 9, 0, tzinfo=UTC) + timedelta(hours=i))
        for i in range(size * 20)
    ]
    r = read(calendar(*events))
    assert len(r.instances) == size * 20 and not r.refusals
