"""Calendars: `candidly import-calendar`'s import of a generated .ics file, beside icalendar's
parse-only pass over the same file, and a recruiter's feed beside the same rows fetched with
hand-written SQL and written out by hand.

- parse-only: `icalendar.Calendar.from_ical(data)`, then every event's start, end and
  attendees read: the library reading the file, nothing matched or stored;
- first import: `calendar_import()` over the file (split per event, parsed, recurring events
  expanded, attendees matched, interviews booked through `interview_schedule`, prep sessions
  logged or planned, one savepoint per event, obligations opened and met);
- re-import: the same file again: it must add nothing;
- feed: `feed_ics()` for the recruiter with the most interviews (queries, icalendar objects,
  time zones, serialisation), beside one hand-written SQL query for the same interviews and
  the VEVENT text formatted by hand.

The file: per open submission, an interview with the candidate and the hiring manager (New
York time, half by video link, half at an address), a prep session the day before (half of
them already past), every tenth with a weekly prep series (RRULE with an EXDATE); plus one
event in five with nobody Candidly knows. Each run is a transaction rolled back, so every run
sees the same data; medians of the runs are reported.

    python -m bench --skip-pages --skip-obligations --skip-rebuild --skip-insert \\
        --skip-calls --skip-mail --skip-candidate-import
"""

import statistics
import time
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.db import connection, transaction
from django.utils import timezone

from bench.timing import compare
from candidly.calendars.feed import FEED_AHEAD_DAYS, FEED_PAST_DAYS, feed_ics
from candidly.calendars.services import calendar_import
from candidly.people.models import ContactPoint
from candidly.pipeline.models import OPEN_STAGES, Submission

NY = ZoneInfo("America/New_York")


class _Rollback(Exception):
    pass


def _first_emails(kind_field: str, ids) -> dict[int, str]:
    found: dict[int, str] = {}
    rows = (
        ContactPoint.objects.filter(kind="email", **{f"{kind_field}__in": ids})
        .order_by("id")
        .values_list(kind_field, "value")
    )
    for pk, value in rows:
        found.setdefault(pk, value)
    return found


def _calendar(submissions: int) -> tuple[bytes, int]:
    rows = list(
        Submission.objects.filter(stage__in=OPEN_STAGES, requisition__status="open")
        .order_by("pk")
        .values_list(
            "candidate_id", "requisition__hiring_manager_id", "requisition__recruiter__email"
        )[:submissions]
    )
    candidates = _first_emails("candidate_id", {r[0] for r in rows})
    managers = _first_emails("hiring_manager_id", {r[1] for r in rows})
    now = timezone.now().astimezone(NY)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//Calendars//EN"]
    events = 0

    def event(uid, start, minutes, summary, people, organizer, *extra):
        nonlocal events
        events += 1
        end = start + timedelta(minutes=minutes)
        lines.extend(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z",
                      f"DTSTART;TZID=America/New_York:{start:%Y%m%dT%H%M%S}",
                      f"DTEND;TZID=America/New_York:{end:%Y%m%dT%H%M%S}",
                      f"SUMMARY:{summary}"])  # fmt: skip
        if organizer:
            lines.append(f"ORGANIZER:mailto:{organizer}")
        lines.extend(f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{p}" for p in people)
        lines.extend(extra)
        lines.append("END:VEVENT")

    for n, (candidate, manager, recruiter) in enumerate(rows):
        if candidate not in candidates or manager not in managers:
            continue
        day = (now + timedelta(days=2 + n % 60)).replace(hour=10, minute=0, second=0)
        where = (
            "LOCATION:https://northwind.zoom.us/j/1"
            if n % 2
            else "LOCATION:1 Main Street\\, Boston"
        )
        people = [candidates[candidate], managers[manager]]
        event(f"bench-iv-{n}", day, 60, "Interview", people, recruiter, where)
        prep = day - timedelta(days=1) if n % 2 else now - timedelta(days=1 + n % 5)
        event(f"bench-prep-{n}", prep.replace(hour=9, minute=0, second=0), 30, "Prep call",
              [candidates[candidate]], recruiter)  # fmt: skip
        if n % 10 == 0:
            first = (now - timedelta(days=14)).replace(hour=8, minute=0, second=0)
            skip = first + timedelta(days=7)
            event(f"bench-series-{n}", first, 20, "Weekly prep", [candidates[candidate]],
                  recruiter, "RRULE:FREQ=WEEKLY;COUNT=6",
                  f"EXDATE;TZID=America/New_York:{skip:%Y%m%dT%H%M%S}")  # fmt: skip
        if n % 2 == 0:
            event(f"bench-other-{n}", day + timedelta(hours=3), 30, "Dentist",
                  [f"someone{n}@elsewhere.example"], recruiter)  # fmt: skip
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode(), events


def _parse_only(data: bytes) -> int:
    seen = 0
    for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        event.start, event.end  # noqa: B018 - reading is the point
        event.get("ATTENDEE")
        seen += 1
    return seen


INTERVIEWS_SQL = """
    SELECT i.id, i.starts_at, i.ends_at, i.kind, i.status, i.location, i.interviewers,
           c.id, c.first_name, c.last_name, r.title, co.name, m.id, m.first_name, m.last_name
    FROM pipeline_interview i
    JOIN pipeline_submission s ON s.id = i.submission_id
    JOIN pipeline_requisition r ON r.id = s.requisition_id
    JOIN people_company co ON co.id = r.company_id
    JOIN people_hiringmanager m ON m.id = r.hiring_manager_id
    JOIN people_candidate c ON c.id = s.candidate_id
    WHERE (r.recruiter_id = %s OR (r.recruiter_id IS NULL AND c.owner_id = %s))
      AND i.starts_at >= %s AND i.starts_at <= %s
    ORDER BY i.starts_at, i.id
"""
PREPS_SQL = """
    SELECT a.id, a.occurred_at, a.minutes, a.subject, c.id, c.first_name, c.last_name, r.title
    FROM activity_activity a
    JOIN people_candidate c ON c.id = a.candidate_id
    LEFT JOIN pipeline_interview i ON i.id = a.interview_id
    LEFT JOIN pipeline_submission s ON s.id = i.submission_id
    LEFT JOIN pipeline_requisition r ON r.id = s.requisition_id
    WHERE a.recruiter_id = %s AND a.kind = 'prep' AND a.occurred_at >= %s
    ORDER BY a.occurred_at, a.id
"""
EMAILS_SQL = """
    SELECT candidate_id, hiring_manager_id, value FROM people_contactpoint
    WHERE kind = 'email' AND (candidate_id IN ({c}) OR hiring_manager_id IN ({m})) ORDER BY id
"""


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _feed_by_hand(recruiter_id: int, now) -> bytes:
    """The feed's interviews and prep sessions with hand-written queries, written out by
    string formatting (times in UTC, no VTIMEZONE, no escaping or folding)."""
    since, until = now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_AHEAD_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(INTERVIEWS_SQL, [recruiter_id, recruiter_id, since, until])
        interviews = cursor.fetchall()
        cursor.execute(PREPS_SQL, [recruiter_id, since])
        preps = cursor.fetchall()
        candidates = {r[7] for r in interviews} | {r[4] for r in preps} or {0}
        managers = {r[12] for r in interviews} or {0}
        cursor.execute(EMAILS_SQL.format(c=",".join(map(str, candidates)),
                                         m=",".join(map(str, managers))))  # fmt: skip
        emails = {}
        for candidate, manager, value in cursor.fetchall():
            emails.setdefault(("c", candidate) if candidate else ("m", manager), value)
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//Feed//EN"]
    for (pk, start, end, kind, status, location, interviewers, cid, first, last, title, company,
         mid, mfirst, mlast) in interviews:  # fmt: skip
        out += ["BEGIN:VEVENT", f"UID:interview-{pk}@bench",
                f"DTSTART:{_aware(start).astimezone(UTC):%Y%m%dT%H%M%SZ}",
                f"DTEND:{_aware(end).astimezone(UTC):%Y%m%dT%H%M%SZ}",
                f"SUMMARY:Interview: {first} {last} — {title}",
                f"DESCRIPTION:{kind} interview for {title} at {company}.\\nHiring manager: "
                f"{mfirst} {mlast}\\nInterviewers: {interviewers}",
                f"LOCATION:{location}", f"STATUS:{status}",
                f"ATTENDEE;CN={first} {last}:mailto:{emails.get(('c', cid), '')}",
                f"ATTENDEE;CN={mfirst} {mlast}:mailto:{emails.get(('m', mid), '')}",
                "END:VEVENT"]  # fmt: skip
    for pk, at, minutes, subject, cid, first, last, title in preps:
        at = _aware(at)
        out += ["BEGIN:VEVENT", f"UID:prep-{pk}@bench",
                f"DTSTART:{at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                f"DTEND:{(at + timedelta(minutes=minutes)).astimezone(UTC):%Y%m%dT%H%M%SZ}",
                f"SUMMARY:Prep: {first} {last} — {title}", f"DESCRIPTION:{subject}",
                f"ATTENDEE;CN={first} {last}:mailto:{emails.get(('c', cid), '')}",
                "END:VEVENT"]  # fmt: skip
    out.append("END:VCALENDAR")
    return "\r\n".join(out).encode()


def run(report_rate, report_ms, submissions: int = 1_000, repeat: int = 3) -> None:
    data, events = _calendar(submissions)
    if events == 0:
        print("calendar import: no open submissions with emails in the data set; skipped")
        return
    parse_s, first_s, again_s, feed_ms, hand_ms = [], [], [], [], []
    outcome = {}
    for _ in range(repeat):
        started = time.perf_counter()
        _parse_only(data)
        parse_s.append(time.perf_counter() - started)
        try:
            with transaction.atomic():
                started = time.perf_counter()
                first = calendar_import(files=[("bench.ics", data)])
                middle = time.perf_counter()
                again = calendar_import(files=[("bench.ics", data)])
                first_s.append(middle - started)
                again_s.append(time.perf_counter() - middle)
                outcome = {"first": first.as_json(), "again": again.as_json()}
                busiest = (
                    Submission.objects.filter(interviews__calendar_events__isnull=False)
                    .values_list("requisition__recruiter", flat=True)
                    .order_by("requisition__recruiter")
                    .first()
                )
                if busiest is not None:
                    from candidly.accounts.models import User

                    recruiter = User.objects.get(pk=busiest)
                    now = timezone.now()
                    ours, ref = compare(
                        lambda r=recruiter, n=now: feed_ics(r, now=n),
                        lambda r=recruiter, n=now: _feed_by_hand(r.pk, n),
                        10,
                    )
                    feed_ms.append(ours)
                    hand_ms.append(ref)
                raise _Rollback
        except _Rollback:
            pass
    first, again = outcome["first"], outcome["again"]
    parse_rate = events / statistics.median(parse_s)
    first_rate = events / statistics.median(first_s)
    again_rate = events / statistics.median(again_s)
    report_rate(
        f"calendar import, {events:,} events (first)",
        first_rate,
        parse_rate,
        f"events/s vs icalendar parse-only; {first['imported']:,} taken "
        f"({first['interviews']:,} interviews, {first['prep_sessions']:,} prep logged, "
        f"{first['planned']:,} planned), {len(first['refused']):,} refused "
        f"({first['unmatched']:,} unmatched)",
    )
    report_rate(
        "calendar re-import of the same file",
        again_rate,
        first_rate,
        f"events/s vs the first import (goal ≥ 5×); added {again['imported']:,}, "
        f"{again['duplicates']:,} already present",
    )
    if feed_ms:
        report_ms(
            "calendar feed of the busiest recruiter",
            statistics.median(feed_ms),
            statistics.median(hand_ms),
            "feed_ics() vs the same rows by hand-written SQL, lines formatted by hand",
        )
