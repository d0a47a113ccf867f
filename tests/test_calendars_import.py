"""Importing .ics files: interviews and prep sessions from real calendar text, idempotent
re-import, reschedules and cancellations, recurring prep series, and refusals with reasons."""

import io
import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidly.activity.models import Activity
from candidly.calendars.ics import read_ics
from candidly.calendars.models import CalendarEvent
from candidly.calendars.services import (
    calendar_import,
    calendar_prep_record_due,
    interview_kind,
)
from candidly.obligations.models import Obligation
from candidly.people.services import candidate_create, hiring_manager_create
from candidly.pipeline.models import Interview, Stage
from candidly.pipeline.services import (
    interview_cancel,
    interview_schedule,
    requisition_open,
    submission_create,
)
from tests.test_calendars_ics import ICS_WORDS, calendar, vevent

NY = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
JORDAN = "Jordan jordan.ellis@example.com"
MORGAN = "Morgan Morgan.Reyes@Northwind.example"
ALEX = "alex@agency.example"


def at(days: int, hour: int, minute: int = 0, zone=NY) -> datetime:
    """A wall-clock time in `zone`, `days` from today."""
    day = (timezone.now().astimezone(zone) + timedelta(days=days)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def run(*files: bytes, **options):
    return calendar_import(files=[(f"cal{n}.ics", data) for n, data in enumerate(files)], **options)


def interview_event(uid="iv-1", start=None, end=None, *, sequence=None, lines=(), **kw):
    start = start or at(3, 10)
    return vevent(
        uid,
        start,
        end or start + timedelta(hours=1),
        tzid=kw.pop("tzid", "America/New_York"),
        summary=kw.pop("summary", "Jordan / Northwind"),
        organizer=kw.pop("organizer", ALEX),
        attendees=kw.pop("attendees", [JORDAN, MORGAN]),
        sequence=sequence,
        lines=lines,
        **kw,
    )


def counts(report) -> dict:
    data = report.as_json()
    data.pop("refused")
    return data


def snapshot() -> tuple:
    return (
        list(Interview.objects.order_by("pk").values_list("pk", "starts_at", "ends_at", "status")),
        list(Activity.objects.order_by("pk").values_list("pk", "kind", "occurred_at")),
        list(Obligation.objects.order_by("pk").values_list("pk", "kind", "state", "due_at")),
        list(CalendarEvent.objects.order_by("pk").values_list("pk", "state", "starts_at")),
    )


# --- interviews -----------------------------------------------------------------------------


def test_an_event_with_the_candidate_and_the_hiring_manager_books_an_interview(
    recruiter, submission
):
    start = at(3, 10, zone=CHICAGO)
    data = calendar(
        interview_event(
            start=start,
            tzid="America/Chicago",
            attendees=[JORDAN, MORGAN, "Pat pat@northwind.example"],
            lines=["LOCATION:https://northwind.zoom.us/j/123"],
        )
    )
    report = run(data, recruiter=recruiter)
    assert report.as_json() == {
        "imported": 1, "duplicates": 0, "refused": [], "interviews": 1, "prep_sessions": 0,
        "planned": 0, "rescheduled": 0, "cancelled": 0, "unmatched": 0, "outside_window": 0,
    }  # fmt: skip
    interview = Interview.objects.get()
    assert interview.submission == submission
    assert interview.kind == Interview.Kind.VIDEO
    assert interview.time_zone == "America/Chicago"
    assert interview.starts_at == start and interview.ends_at == start + timedelta(hours=1)
    assert interview.interviewers == "Morgan Reyes, Pat"
    assert interview.location == "https://northwind.zoom.us/j/123"
    submission.refresh_from_db()
    assert submission.stage == Stage.INTERVIEWING
    prep = Obligation.objects.get(interview=interview)
    assert prep.kind == "phone_prep" and prep.state == "open"
    assert prep.due_at == start - timedelta(hours=2)
    event = CalendarEvent.objects.get()
    assert (event.uid, event.recurrence_id, event.kind) == ("iv-1", "", "interview")
    assert "video interview: Jordan Ellis for Backend Engineer" in report.lines[0].note


@pytest.mark.parametrize(
    "lines, summary, kind",
    [
        (["LOCATION:1 Main Street\\, Boston MA"], "Interview", "onsite"),
        (["LOCATION:Northwind HQ\\, 4th floor"], "Interview", "onsite"),
        ([], "Onsite interview", "onsite"),
        (["DESCRIPTION:Join: https://meet.google.com/abc-defg-hij"], "Interview", "video"),
        (["X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup/1"],
         "Interview", "video"),
        (["LOCATION:Call +1 617 555 0100"], "Interview", "phone"),
        ([], "Interview", "phone"),
    ],
)  # fmt: skip
def test_the_kind_of_interview_follows_location_and_links(lines, summary, kind):
    data = calendar(vevent("k", datetime(2026, 6, 1, 9, tzinfo=UTC), summary=summary, lines=lines))
    window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    (instance,) = read_ics(data, name="k.ics", zone=NY, window=window).instances
    assert interview_kind(instance) == kind


def test_importing_the_same_calendar_again_adds_nothing(recruiter, submission):
    data = calendar(
        interview_event(),
        vevent(
            "prep-1",
            at(-1, 9),
            at(-1, 9, 30),
            tzid="America/New_York",
            summary="Prep call",
            organizer=ALEX,
            attendees=[JORDAN],
        ),  # fmt: skip
        vevent("lunch", at(1, 12), summary="Lunch", attendees=["Sam sam@elsewhere.example"]),
    )
    first = run(data, recruiter=recruiter)
    # The prep session yesterday is before the interview in three days: it is for it.
    assert (first.imported, first.duplicates) == (2, 0)
    before = snapshot()
    again = run(data, recruiter=recruiter)
    assert (again.imported, again.duplicates, len(again.refused)) == (0, 2, 1)
    assert again.counts["unmatched"] == 1
    assert snapshot() == before


def test_a_newer_sequence_at_another_time_reschedules_and_an_older_one_is_ignored(
    recruiter, submission
):
    run(calendar(interview_event(sequence=0)), recruiter=recruiter)
    interview = Interview.objects.get()
    moved = at(5, 15)
    report = run(calendar(interview_event(start=moved, sequence=1)), recruiter=recruiter)
    assert counts(report)["rescheduled"] == 1 and report.imported == 1
    interview.refresh_from_db()
    assert interview.starts_at == moved and interview.ends_at == moved + timedelta(hours=1)
    assert Obligation.objects.get(interview=interview).due_at == moved - timedelta(hours=2)
    assert "interview moved to" in report.lines[0].note

    stale = run(calendar(interview_event(sequence=0)), recruiter=recruiter)
    assert (stale.imported, stale.duplicates) == (0, 1)
    assert stale.lines[0].note == "an older version of this event"
    interview.refresh_from_db()
    assert interview.starts_at == moved
    assert Interview.objects.count() == 1


@pytest.mark.parametrize("how", ["status", "method"])
def test_a_cancelled_event_cancels_the_interview_and_waives_its_prep(recruiter, submission, how):
    run(calendar(interview_event()), recruiter=recruiter)
    interview = Interview.objects.get()
    if how == "status":
        data = calendar(interview_event(sequence=1, lines=["STATUS:CANCELLED"]))
    else:
        data = calendar(interview_event(sequence=1), method="CANCEL")
    report = run(data, recruiter=recruiter)
    assert counts(report)["cancelled"] == 1
    interview.refresh_from_db()
    assert interview.status == Interview.Status.CANCELLED
    prep = Obligation.objects.get(interview=interview)
    assert prep.state == "waived" and prep.waive_reason == "Interview cancelled"
    assert CalendarEvent.objects.get().state == "cancelled"
    # Again: nothing more to do.
    again = run(data, recruiter=recruiter)
    assert (again.imported, again.duplicates) == (0, 1)


def test_an_event_back_on_the_calendar_after_a_cancellation_is_booked_again(recruiter, submission):
    run(calendar(interview_event()), recruiter=recruiter)
    run(calendar(interview_event(sequence=1, lines=["STATUS:CANCELLED"])), recruiter=recruiter)
    report = run(calendar(interview_event(sequence=2)), recruiter=recruiter)
    assert counts(report)["interviews"] == 1
    statuses = sorted(Interview.objects.values_list("status", flat=True))
    assert statuses == ["cancelled", "scheduled"]
    event = CalendarEvent.objects.get()
    assert event.state == "active" and event.interview.status == "scheduled"


def test_an_interview_cancelled_in_candidly_is_not_moved_by_the_calendar(recruiter, submission):
    run(calendar(interview_event()), recruiter=recruiter)
    interview = Interview.objects.get()
    interview_cancel(interview=interview)
    before = snapshot()
    report = run(calendar(interview_event(start=at(6, 9), sequence=1)), recruiter=recruiter)
    ((line),) = report.refused
    assert "the interview is cancelled: it can't be moved" in line.note
    assert snapshot() == before


def test_an_interview_already_typed_into_candidly_is_not_booked_twice(recruiter, submission):
    start = at(3, 10)
    typed = interview_schedule(
        submission=submission, kind="onsite", starts_at=start,
        ends_at=start + timedelta(hours=1), time_zone="America/New_York",
    )  # fmt: skip
    report = run(calendar(interview_event(start=start)), recruiter=recruiter)
    assert (report.imported, report.duplicates) == (0, 1)
    assert Interview.objects.get() == typed
    assert CalendarEvent.objects.get().interview == typed


def test_an_all_day_event_is_refused_as_an_interview(recruiter, submission):
    day = (timezone.now() + timedelta(days=3)).date()
    data = calendar(vevent("allday", day, day + timedelta(days=1), summary="Interview day",
                           organizer=ALEX, attendees=[JORDAN, MORGAN]))  # fmt: skip
    report = run(data, recruiter=recruiter)
    ((line),) = report.refused
    assert "all day" in line.item
    assert line.note == "an all-day event: an interview needs a start time"
    assert not Interview.objects.exists() and not CalendarEvent.objects.exists()


def test_floating_times_are_read_in_the_zone_given(recruiter, submission):
    wall = at(4, 10, zone=BERLIN).replace(tzinfo=None)
    data = calendar(vevent("float", wall, wall + timedelta(minutes=45), summary="Interview",
                           attendees=[JORDAN, MORGAN]))  # fmt: skip
    run(data, recruiter=recruiter, time_zone="Europe/Berlin")
    interview = Interview.objects.get()
    assert interview.starts_at == wall.replace(tzinfo=BERLIN)
    assert interview.time_zone == "Europe/Berlin"


def test_which_opening_an_interview_is_for(recruiter, candidate, submission, company):
    other_manager = hiring_manager_create(
        company=company, first_name="Riley", last_name="Stone", emails=["riley@northwind.example"]
    )
    other = requisition_open(
        title="Data Engineer", hiring_manager=other_manager, recruiter=recruiter
    )
    submission_create(candidate=candidate, requisition=other)
    # The manager who attends says which opening.
    riley = "Riley riley@northwind.example"
    run(calendar(interview_event("by-manager", attendees=[JORDAN, riley])), recruiter=recruiter)
    assert Interview.objects.get().submission.requisition == other
    # Without a manager, only the title can tell.
    unclear = run(calendar(interview_event("unclear", summary="Interview", attendees=[JORDAN])),
                  recruiter=recruiter)  # fmt: skip
    assert "several openings (Backend Engineer, Data Engineer)" in unclear.refused[0].note
    clear = run(calendar(interview_event("clear", summary="Interview: Backend Engineer",
                                         attendees=[JORDAN])), recruiter=recruiter)  # fmt: skip
    assert clear.imported == 1
    assert Interview.objects.filter(submission=submission).count() == 1


def test_a_candidate_with_no_open_submission_is_refused(recruiter, candidate):
    report = run(calendar(interview_event(attendees=[JORDAN], summary="Interview")),
                 recruiter=recruiter)  # fmt: skip
    assert report.refused[0].note == "Jordan Ellis has no open submission to interview for"


# --- prep sessions --------------------------------------------------------------------------


@pytest.fixture
def interview(submission, recruiter):
    start = at(3, 10)
    return interview_schedule(
        submission=submission, kind="phone", starts_at=start,
        ends_at=start + timedelta(hours=1), time_zone="America/New_York", by=recruiter,
    )  # fmt: skip


def test_a_prep_session_that_happened_meets_the_interview_prep(recruiter, interview):
    start = at(-1, 16)
    data = calendar(
        vevent(
            "prep-1",
            start,
            start + timedelta(minutes=40),
            tzid="America/New_York",
            summary="Interview prep: Jordan",
            attendees=[JORDAN],
            lines=["DESCRIPTION:Walk through the system design round."],
        )
    )
    report = run(data, recruiter=recruiter)
    assert counts(report)["prep_sessions"] == 1
    activity = Activity.objects.get(kind=Activity.Kind.PREP)
    assert activity.interview == interview and activity.candidate == interview.submission.candidate
    assert (activity.occurred_at, activity.minutes) == (start, 40)
    assert (activity.source, activity.external_id) == ("ics", "prep-1")
    assert activity.body == "Walk through the system design round."
    prep = Obligation.objects.get(interview=interview)
    assert prep.state == "met" and prep.met_by == activity
    assert "for the phone interview (Backend Engineer" in report.lines[0].note


def test_a_prep_session_to_come_is_logged_once_it_has_happened(recruiter, interview, monkeypatch):
    start = at(1, 9)
    data = calendar(vevent("prep-soon", start, start + timedelta(minutes=30),
                           tzid="America/New_York", summary="Prep", organizer=ALEX,
                           attendees=[JORDAN]))  # fmt: skip
    report = run(data, recruiter=recruiter)
    assert counts(report)["planned"] == 1
    assert "planned: logged once it is over" in report.lines[0].note
    assert not Activity.objects.exists()
    assert CalendarEvent.objects.get().state == "planned"
    assert calendar_prep_record_due() == 0

    later = start + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert calendar_prep_record_due() == 1
    activity = Activity.objects.get(kind=Activity.Kind.PREP)
    assert activity.occurred_at == start and activity.interview == interview
    assert Obligation.objects.get(interview=interview).state == "met"
    assert calendar_prep_record_due() == 0  # once


def test_a_recurring_prep_series_with_exdate_and_an_instance_removed_later(recruiter, interview):
    # Daily at the same UTC time, from three days ago to tomorrow; the second one excluded.
    first = (timezone.now() - timedelta(days=3) + timedelta(hours=1)).replace(microsecond=0)
    day = [first + timedelta(days=n) for n in range(5)]
    key = [f"{d.astimezone(UTC):%Y%m%dT%H%M%SZ}" for d in day]
    series = ["RRULE:FREQ=DAILY;COUNT=5", f"EXDATE:{key[1]}"]
    data = calendar(vevent("prep-series", first, first + timedelta(minutes=20), summary="Prep",
                           attendees=[JORDAN], lines=series))  # fmt: skip
    report = run(data, recruiter=recruiter)
    # Days 0 and 2 have happened; 3 and 4 are to come.
    assert (counts(report)["prep_sessions"], counts(report)["planned"]) == (2, 2)
    logged = sorted(Activity.objects.filter(kind="prep").values_list("external_id", flat=True))
    assert logged == [f"prep-series#{key[0]}", f"prep-series#{key[2]}"]
    states = dict(CalendarEvent.objects.values_list("recurrence_id", "state"))
    assert states == {key[0]: "active", key[2]: "active", key[3]: "planned", key[4]: "planned"}

    # The organizer removes the last one (and bumps the sequence).
    again = calendar(vevent("prep-series", first, first + timedelta(minutes=20), summary="Prep",
                            attendees=[JORDAN], sequence=1,
                            lines=[*series, f"EXDATE:{key[4]}"]))  # fmt: skip
    report = run(again, recruiter=recruiter)
    assert counts(report)["cancelled"] == 1 and report.imported == 1
    assert any("no longer in its series" in line.note for line in report.lines)
    states = dict(CalendarEvent.objects.values_list("recurrence_id", "state"))
    assert states == {key[0]: "active", key[2]: "active", key[3]: "planned", key[4]: "cancelled"}
    assert Activity.objects.filter(kind="prep").count() == 2


def test_whose_prep_session_it_is_comes_from_the_organizer(recruiter, interview):
    past = at(-1, 9)
    by_alex = vevent("p1", past, summary="Prep", organizer=ALEX, attendees=[JORDAN])
    nobody = vevent("p2", past, summary="Prep", organizer="someone@else.example",
                    attendees=[JORDAN])  # fmt: skip
    report = run(calendar(by_alex, nobody))
    assert Activity.objects.get(kind="prep").recruiter == recruiter
    ((line),) = report.refused
    assert "whose prep session is it?" in line.note


# --- what is not taken ----------------------------------------------------------------------


def test_an_event_nobody_matches_is_reported_unmatched(recruiter, submission):
    data = calendar(vevent("dentist", at(2, 8), summary="Dentist",
                           attendees=["Dr Who drwho@clinic.example"]))  # fmt: skip
    report = run(data, recruiter=recruiter)
    assert report.counts["unmatched"] == 1
    assert report.as_json()["refused"] == [
        {"item": report.refused[0].item,
         "reason": "no candidate among its organizer and attendees"}
    ]  # fmt: skip
    assert "“Dentist”" in report.refused[0].item
    assert not CalendarEvent.objects.exists()


def test_a_meeting_that_is_neither_interview_nor_prep_is_refused(recruiter, submission):
    report = run(calendar(vevent("coffee", at(2, 8), summary="Coffee", attendees=[JORDAN])),
                 recruiter=recruiter)  # fmt: skip
    assert "neither an interview" in report.refused[0].note


def test_events_of_candidlys_own_feed_are_not_imported_back(recruiter, submission):
    data = calendar(interview_event("candidly-interview-7@candidly.example"))
    report = run(data, recruiter=recruiter)
    assert (report.imported, report.duplicates) == (0, 1)
    assert not Interview.objects.exists()


def test_a_broken_file_refuses_per_event_and_the_rest_goes_on(recruiter, submission):
    good = calendar(interview_event())
    broken = calendar(
        "\r\n".join(
            [
                "BEGIN:VEVENT",
                "UID:bad",
                "SUMMARY:Interview",
                "DTSTART:2026-13-45",
                f"ATTENDEE:mailto:{JORDAN.split()[1]}",
                "END:VEVENT",
            ]
        ),  # fmt: skip
        interview_event("second", start=at(4, 10)),
    )
    truncated = good[: good.index(b"END:VEVENT")]
    report = run(broken, good, truncated, b"not a calendar at all", recruiter=recruiter)
    assert report.imported == 2 and report.counts["interviews"] == 2
    reasons = [r.note for r in report.refused]
    assert len(reasons) == 3
    assert any("start (DTSTART) is not a valid date or time" in r for r in reasons)
    assert any("cut short" in r for r in reasons)
    assert any("not an iCalendar file" in r for r in reasons)
    assert Interview.objects.count() == 2


def test_an_event_taken_without_a_line_it_could_not_read_says_so(recruiter, submission):
    report = run(calendar(interview_event(lines=["SEQUENCE:soon", "not a property"])),
                 recruiter=recruiter)  # fmt: skip
    assert report.imported == 1
    assert report.lines[0].note.endswith(
        "(its SEQUENCE line; a line that is not a property could not be read and was left out)"
    )


def test_a_bad_time_zone_is_a_clear_error(recruiter):
    with pytest.raises(ValidationError, match="is not a time zone"):
        run(calendar(), recruiter=recruiter, time_zone="Mars/Olympus")


# --- the command ----------------------------------------------------------------------------


def test_the_command_prints_the_report_as_json(recruiter, submission, tmp_path):
    (tmp_path / "a.ics").write_bytes(calendar(interview_event()))
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "b.ics").write_bytes(calendar(vevent("x", at(1, 9), summary="Gym")))
    (folder / "notes.txt").write_text("not read")
    out = io.StringIO()
    paths = [str(tmp_path / "a.ics"), str(folder), str(tmp_path / "missing.ics")]
    call_command("import-calendar", *paths, "--recruiter", "alex", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["imported"], data["duplicates"], data["interviews"]) == (1, 0, 1)
    assert data["unmatched"] == 1
    reasons = {r["item"]: r["reason"] for r in data["refused"]}
    assert reasons[str(tmp_path / "missing.ics")].startswith("could not be opened")

    out = io.StringIO()
    call_command("import-calendar", str(tmp_path / "a.ics"), "--recruiter", "alex", stdout=out)
    text = out.getvalue()
    assert text.startswith("= ") and "0 imported, 1 already present, 0 refused" in text


def test_the_command_refuses_an_unknown_recruiter_or_zone(tmp_path, db):
    (tmp_path / "a.ics").write_bytes(calendar())
    with pytest.raises(CommandError, match="No user called"):
        call_command("import-calendar", str(tmp_path / "a.ics"), "--recruiter", "nobody")
    with pytest.raises(CommandError, match="not a time zone"):
        call_command("import-calendar", str(tmp_path / "a.ics"), "--time-zone", "Nowhere")


def test_only_candidates_people_are_matched_by_normalised_email(recruiter, requisition):
    shouty = candidate_create(first_name="Sam", last_name="Lee", emails=["Sam.Lee@Example.ORG"])
    submission_create(candidate=shouty, requisition=requisition)
    data = calendar(interview_event(attendees=["Sam SAM.LEE@example.org", MORGAN]))
    assert run(data, recruiter=recruiter).imported == 1
    assert Interview.objects.get().submission.candidate == shouty


# --- never a crash, whatever the file -------------------------------------------------------


@st.composite
def mutated(draw):
    """A realistic calendar, its lines dropped, repeated, swapped, edited or cut."""
    base = calendar(
        interview_event(),
        vevent(
            "prep-m",
            at(-1, 9),
            at(-1, 9, 30),
            tzid="America/New_York",
            summary="Prep",
            attendees=[JORDAN],
            lines=["RRULE:FREQ=DAILY;COUNT=3"],
        ),  # fmt: skip
    ).decode()
    lines = base.split("\r\n")
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "swap", "edit", "cut"]))
        if action == "drop" and len(lines) > 1:
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "edit":
            at_ = draw(st.integers(0, len(lines[i])))
            piece = draw(st.one_of(st.sampled_from(ICS_WORDS), st.text(max_size=5)))
            lines[i] = lines[i][:at_] + piece + lines[i][at_ + draw(st.integers(0, 4)) :]
        elif action == "cut":
            lines = lines[: max(i, 1)]
    return "\r\n".join(lines).encode("utf-8", errors="replace")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutated())
def test_mutated_calendars_never_crash_the_import(recruiter, submission, data):
    # One database for every example: whatever earlier examples stored, importing again
    # must report every event and never raise.
    report = run(data, recruiter=recruiter)
    assert all(line.note for line in report.refused)
    assert len(report.lines) == report.imported + report.duplicates + len(report.refused)
    for interview in Interview.objects.all():
        assert interview.ends_at > interview.starts_at
