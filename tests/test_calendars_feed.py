"""The recruiter's calendar feed and the calendar page: the secret address, what the feed
holds (read back with icalendar), and the upload of .ics files from the web."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidly.activity.services import activity_log
from candidly.calendars.models import CalendarEvent, CalendarFeed
from candidly.calendars.services import calendar_feed_regenerate, calendar_import
from candidly.people.services import candidate_create
from candidly.pipeline.models import Interview
from candidly.pipeline.services import interview_cancel, interview_schedule, submission_create
from tests.test_calendars_ics import calendar, vevent

BERLIN = ZoneInfo("Europe/Berlin")


def _book(submission, days: int, *, kind="onsite", zone="Europe/Berlin", hour=10):
    local = (timezone.now() + timedelta(days=days)).astimezone(ZoneInfo(zone))
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return interview_schedule(
        submission=submission, kind=kind, starts_at=start, ends_at=start + timedelta(hours=1),
        time_zone=zone, location="1 Main Street, Boston", interviewers="Morgan Reyes",
    )  # fmt: skip


def _events(response) -> list[icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


@pytest.fixture
def feed(recruiter):
    return calendar_feed_regenerate(recruiter=recruiter)


def test_the_feed_holds_the_recruiters_interviews_in_their_own_zone(client, feed, submission):
    coming = _book(submission, 5)
    cancelled = _book(submission, 7, kind="phone", zone="America/Chicago")
    interview_cancel(interview=cancelled)
    _book(submission, -60)  # too long ago for the feed
    events = _events(client.get(reverse("calendar_feed", args=[feed.token])))
    assert len(events) == 2
    by_uid = {str(e["UID"]): e for e in events}
    one = by_uid[f"candidly-interview-{coming.pk}@127.0.0.1"]
    assert str(one["SUMMARY"]) == "Interview: Jordan Ellis — Backend Engineer"
    assert one["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert one.start == coming.starts_at and one.end == coming.ends_at
    assert one.start.astimezone(BERLIN).hour == 10
    assert str(one["LOCATION"]) == "1 Main Street, Boston"
    assert str(one["STATUS"]) == "CONFIRMED"
    assert sorted(str(a) for a in one["ATTENDEE"]) == [
        "mailto:jordan.ellis@example.com", "mailto:morgan.reyes@northwind.example"
    ]  # fmt: skip
    assert str(one["ORGANIZER"]) == "mailto:alex@agency.example"
    assert "Onsite interview for Backend Engineer at Northwind Labs." in str(one["DESCRIPTION"])
    gone = by_uid[f"candidly-interview-{cancelled.pk}@127.0.0.1"]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert gone["DTSTART"].params["TZID"] == "America/Chicago"
    body = client.get(reverse("calendar_feed", args=[feed.token])).content
    zones = {str(z["TZID"]) for z in icalendar.Calendar.from_ical(body).walk("VTIMEZONE")}
    assert zones == {"Europe/Berlin", "America/Chicago"}


def test_the_feed_holds_prep_sessions_logged_and_planned(client, feed, recruiter, submission):
    interview = _book(submission, 3)
    logged = activity_log(
        recruiter=recruiter, kind="prep", direction="outbound",
        candidate=submission.candidate, interview=interview, minutes=25,
        occurred_at=(timezone.now() - timedelta(hours=3)).replace(microsecond=0),
        subject="Went over the panel",
    )  # fmt: skip
    soon = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    ics = calendar(vevent("prep-soon", soon, soon + timedelta(minutes=30), summary="Prep",
                          attendees=["J jordan.ellis@example.com"]))  # fmt: skip
    calendar_import(files=[("p.ics", ics)], recruiter=recruiter)
    planned = CalendarEvent.objects.get(state="planned")
    events = _events(client.get(reverse("calendar_feed", args=[feed.token])))
    preps = {str(e["UID"]): e for e in events if "Prep" in str(e["SUMMARY"])}
    assert set(preps) == {
        f"candidly-prep-{logged.pk}@127.0.0.1", f"candidly-prep-planned-{planned.pk}@127.0.0.1"
    }  # fmt: skip
    one = preps[f"candidly-prep-{logged.pk}@127.0.0.1"]
    assert str(one["SUMMARY"]) == "Prep: Jordan Ellis — Backend Engineer"
    assert one.start == logged.occurred_at and one.end == logged.occurred_at + timedelta(minutes=25)
    later = preps[f"candidly-prep-planned-{planned.pk}@127.0.0.1"]
    assert later.start == soon.astimezone(UTC)


def test_another_recruiters_interviews_are_not_in_the_feed(
    client, feed, other_recruiter, submission, requisition
):
    theirs = candidate_create(first_name="Kim", last_name="Park", owner=other_recruiter)
    requisition.recruiter = other_recruiter
    requisition.save()
    _book(submission_create(candidate=theirs, requisition=requisition), 2)
    assert _events(client.get(reverse("calendar_feed", args=[feed.token]))) == []
    other = calendar_feed_regenerate(recruiter=other_recruiter)
    assert len(_events(client.get(reverse("calendar_feed", args=[other.token])))) == 1


def test_a_wrong_or_old_token_is_not_found(client, feed, recruiter):
    assert client.get(reverse("calendar_feed", args=["not-the-token"])).status_code == 404
    old = feed.token
    new = calendar_feed_regenerate(recruiter=recruiter)
    assert new.token != old and len(new.token) >= 40
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new.token])).status_code == 200
    recruiter.is_active = False
    recruiter.save()
    assert client.get(reverse("calendar_feed", args=[new.token])).status_code == 404


def test_names_cannot_add_events_or_properties_to_the_feed(client, feed, recruiter, requisition):
    sneaky = candidate_create(
        first_name="Eve\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x", last_name="Smith;CN=\"x\"\u2028Z",
        owner=recruiter, emails=["eve@example.com"],
    )  # fmt: skip
    _book(submission_create(candidate=sneaky, requisition=requisition), 2)
    body = client.get(reverse("calendar_feed", args=[feed.token])).content
    (event,) = _events(client.get(reverse("calendar_feed", args=[feed.token])))
    assert str(event["SUMMARY"]) == (
        'Interview: Eve\nEND:VEVENT\nBEGIN:VEVENT\nUID:x Smith;CN="x" Z — Backend Engineer'
    )
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert lines.count(b"BEGIN:VEVENT") == 1 and b"\xe2\x80\xa8" not in body
    attendee = next(a for a in event["ATTENDEE"] if "eve@" in str(a))
    assert attendee.params["CN"] == 'Eve END:VEVENT BEGIN:VEVENT UID:x Smith;CN="x" Z'


def test_the_feeds_queries_do_not_grow_with_its_events(client, feed, recruiter, submission):
    url = reverse("calendar_feed", args=[feed.token])
    _book(submission, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(2, 12):
        interview = _book(submission, day)
        activity_log(recruiter=recruiter, kind="prep", direction="outbound",
                     candidate=submission.candidate, interview=interview)  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        assert len(_events(client.get(url))) == 11 + 10
    assert len(many) == len(few) == 5


# --- the calendar page ----------------------------------------------------------------------


def test_the_page_needs_a_login(client):
    response = client.get(reverse("calendar_page"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_recruiter_creates_and_regenerates_their_feed_address(logged_in, recruiter):
    page = logged_in.get(reverse("calendar_page")).content.decode()
    assert "Create my feed address" in page
    page = logged_in.post(reverse("calendar_feed_new"), follow=True).content.decode()
    first = CalendarFeed.objects.get(recruiter=recruiter).token
    assert f"http://127.0.0.1:8000/calendar/{first}.ics" in page
    assert "subscribe to it from your calendar app" in page
    page = logged_in.post(reverse("calendar_feed_new"), follow=True).content.decode()
    second = CalendarFeed.objects.get(recruiter=recruiter).token
    assert second != first and second in page and first not in page
    assert logged_in.get(reverse("calendar_feed_new")).status_code == 405


def test_the_page_shows_only_the_recruiters_own_feed(client, other_recruiter, feed):
    client.force_login(other_recruiter)
    page = client.get(reverse("calendar_page")).content.decode()
    assert feed.token not in page and "Create my feed address" in page


def test_uploading_ics_files_shows_the_report(logged_in, submission):
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    good = calendar(vevent("up-1", start, start + timedelta(hours=1), summary="Interview <b>x</b>",
                           attendees=["J jordan.ellis@example.com",
                                      "M morgan.reyes@northwind.example"]))  # fmt: skip
    files = [
        SimpleUploadedFile("mine.ics", good, content_type="text/calendar"),
        SimpleUploadedFile("broken.ics", b"BEGIN:VEVENT\r\n", content_type="text/calendar"),
    ]
    response = logged_in.post(reverse("calendar_upload"), {"files": files, "time_zone": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 imported, 0 already present, 1 refused" in page
    assert "onsite interview" not in page and "phone interview: Jordan Ellis" in page
    assert "broken.ics" in page and "not an iCalendar file" in page
    assert "Interview &lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert Interview.objects.count() == 1
    # The same file again through htmx: only the report comes back.
    again = logged_in.post(
        reverse("calendar_upload"),
        {"files": [SimpleUploadedFile("mine.ics", good)]},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert again.lstrip().startswith('<section id="report">')
    assert "0 imported, 1 already present, 0 refused" in again


def test_an_upload_without_files_or_with_a_bad_zone_says_so(logged_in, settings):
    response = logged_in.post(reverse("calendar_upload"), {"time_zone": "Mars/Base"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one .ics file." in page or "This field is required." in page
    assert "“Mars/Base” is not a time zone" in page
    settings.CALENDAR_UPLOAD_MAX_BYTES = 10
    big = SimpleUploadedFile("big.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    response = logged_in.post(reverse("calendar_upload"), {"files": [big]})
    assert response.status_code == 400 and "big.ics: larger than" in response.content.decode()
    # Through htmx, what was wrong replaces the report.
    big = SimpleUploadedFile("big.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    response = logged_in.post(reverse("calendar_upload"), {"files": [big]}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="report">') and "big.ics: larger than" in page
