"""A recruiter's calendar feed (.ics): their interviews and prep sessions, for any calendar app
to subscribe to. Reads only.

Interviews are those of openings the recruiter works (or, for an opening without a recruiter,
of candidates they look after), from FEED_PAST_DAYS ago to FEED_AHEAD_DAYS ahead, in the
interview's own time zone (with its VTIMEZONE); cancelled ones stay, marked STATUS:CANCELLED,
so subscribed calendars drop them. Prep sessions are those the recruiter logged, and those
imported from their calendar that are still to come.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar.parser import param_value

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.calendars.models import CalendarEvent, CalendarFeed
from candidly.calendars.services import FEED_UID_PREFIX
from candidly.lib.timeutil import zone_or_none
from candidly.people.models import ContactPoint
from candidly.pipeline.models import Interview

FEED_PAST_DAYS, FEED_AHEAD_DAYS = 30, 365


def feed_for(recruiter: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(recruiter=recruiter).first()


def feed_url(feed: CalendarFeed) -> str:
    return f"{settings.SITE_URL}/calendar/{feed.token}.ics"


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "candidly.invalid"


def feed_interviews(recruiter: User, now: datetime):
    return (
        Interview.objects.filter(
            Q(submission__requisition__recruiter=recruiter)
            | Q(
                submission__requisition__recruiter__isnull=True,
                submission__candidate__owner=recruiter,
            ),
            starts_at__gte=now - timedelta(days=FEED_PAST_DAYS),
            starts_at__lte=now + timedelta(days=FEED_AHEAD_DAYS),
        )
        .select_related(
            "submission__candidate",
            "submission__requisition__company",
            "submission__requisition__hiring_manager",
        )
        .order_by("starts_at", "pk")
    )


def feed_preps(recruiter: User, now: datetime):
    logged = (
        Activity.objects.filter(
            recruiter=recruiter,
            kind=Activity.Kind.PREP,
            occurred_at__gte=now - timedelta(days=FEED_PAST_DAYS),
            candidate__isnull=False,
        )
        .select_related("candidate", "interview__submission__requisition")
        .order_by("occurred_at", "pk")
    )
    planned = (
        CalendarEvent.objects.filter(
            recruiter=recruiter,
            state=CalendarEvent.State.PLANNED,
            starts_at__lte=now + timedelta(days=FEED_AHEAD_DAYS),
        )
        .select_related("candidate", "interview__submission__requisition")
        .order_by("starts_at", "pk")
    )
    return list(logged), list(planned)


def _emails(candidate_ids, manager_ids) -> dict[tuple[str, int], str]:
    """The first email of each person: (“c”|“m”, id) → address."""
    found: dict[tuple[str, int], str] = {}
    points = (
        ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL)
        .filter(Q(candidate_id__in=candidate_ids) | Q(hiring_manager_id__in=manager_ids))
        .order_by("id")
        .values_list("candidate_id", "hiring_manager_id", "value")
    )
    for candidate_id, manager_id, value in points:
        key = ("c", candidate_id) if candidate_id else ("m", manager_id)
        found.setdefault(key, value)
    return found


# --- writing iCalendar text ----------------------------------------------------------------
# Written line by line rather than through icalendar's objects, which cost ten times as much
# for a feed of a few hundred events; icalendar still writes each zone's VTIMEZONE, and the
# tests read every feed back with it.

# Characters some parsers take as line breaks, and other controls: never written raw.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _CONTROLS.sub(" ", value)


def _param(value: str) -> str:
    value = value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return param_value(_CONTROLS.sub(" ", value))


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued after CRLF and a space; never inside a character."""
    if len(line.encode()) <= 75:
        return line
    parts, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n".join(parts)


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.zones: set[str] = set()

    def raw(self, name: str, content: str, **params: str) -> None:
        head = name + "".join(f";{k.upper()}={_param(v)}" for k, v in params.items())
        self.lines.append(_fold(f"{head}:{content}"))

    def text(self, name: str, content: str, **params: str) -> None:
        self.raw(name, _text(content), **params)

    def time(self, name: str, value: datetime, zone: str = "UTC") -> None:
        """In the event's own zone (its VTIMEZONE added), or UTC: a time the clocks repeat
        (fold) is written in UTC, which cannot be misread."""
        tz = zone_or_none(zone)
        local = value.astimezone(tz) if tz is not None and zone != "UTC" else None
        if local is None or local.fold:
            self.raw(name, f"{value.astimezone(UTC):%Y%m%dT%H%M%SZ}")
            return
        self.zones.add(zone)
        self.raw(name, f"{local:%Y%m%dT%H%M%S}", tzid=zone)

    def person(self, name: str, email: str, display: str, role: str = "") -> None:
        params = {"cn": display, **({"role": role} if role else {})}
        self.raw(name, f"mailto:{email}", **params)


@lru_cache(maxsize=64)
def _vtimezone(zone: str) -> tuple[str, ...]:
    text = icalendar.Timezone.from_tzid(zone).to_ical().decode()
    return tuple(line for line in text.split("\r\n") if line)


def feed_ics(recruiter: User, *, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    host = _host()
    interviews = list(feed_interviews(recruiter, now))
    logged, planned = feed_preps(recruiter, now)
    emails = _emails(
        {i.submission.candidate_id for i in interviews}
        | {a.candidate_id for a in logged}
        | {e.candidate_id for e in planned},
        {i.submission.requisition.hiring_manager_id for i in interviews},
    )
    page = settings.SITE_URL + reverse("candidate_detail", args=[0]).replace("/0/", "/{}/")
    stamp = f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    w = _Writer()

    def attendees(candidate, role=""):
        if ("c", candidate.pk) in emails:
            w.person("ATTENDEE", emails[("c", candidate.pk)], candidate.full_name, role)

    def common(uid: str) -> None:
        w.raw("UID", _text(f"{FEED_UID_PREFIX}{uid}@{host}"))
        w.raw("DTSTAMP", stamp)
        if recruiter.email:
            w.person("ORGANIZER", recruiter.email, str(recruiter))

    for interview in interviews:
        submission = interview.submission
        candidate, requisition = submission.candidate, submission.requisition
        manager = requisition.hiring_manager
        w.raw("BEGIN", "VEVENT")
        common(f"interview-{interview.pk}")
        w.time("DTSTART", interview.starts_at, interview.time_zone)
        w.time("DTEND", interview.ends_at, interview.time_zone)
        w.text("SUMMARY", f"Interview: {candidate.full_name} — {requisition.title}")
        lines = [
            f"{interview.get_kind_display()} interview for {requisition.title} at "
            f"{requisition.company.name}.",
            f"Hiring manager: {manager.full_name}",
        ]
        if interview.interviewers:
            lines.append(f"Interviewers: {interview.interviewers}")
        lines.append(f"Candidate: {page.format(candidate.pk)}")
        w.text("DESCRIPTION", "\n".join(lines))
        if interview.location:
            w.text("LOCATION", interview.location)
        w.raw("URL", page.format(candidate.pk))
        w.raw("CATEGORIES", "Interview")
        cancelled = interview.status == Interview.Status.CANCELLED
        w.raw("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
        attendees(candidate, "REQ-PARTICIPANT")
        if ("m", manager.pk) in emails:
            w.person("ATTENDEE", emails[("m", manager.pk)], manager.full_name, "REQ-PARTICIPANT")
        w.raw("END", "VEVENT")

    def prep(uid, starts_at, minutes, candidate, interview, note=""):
        w.raw("BEGIN", "VEVENT")
        common(uid)
        w.time("DTSTART", starts_at)
        w.time("DTEND", starts_at + timedelta(minutes=max(minutes, 1)))
        opening = f" — {interview.submission.requisition.title}" if interview else ""
        w.text("SUMMARY", f"Prep: {candidate.full_name}{opening}")
        if note:
            w.text("DESCRIPTION", note)
        w.raw("URL", page.format(candidate.pk))
        w.raw("CATEGORIES", "Prep")
        w.raw("STATUS", "CONFIRMED")
        attendees(candidate)
        w.raw("END", "VEVENT")

    for activity in logged:
        prep(f"prep-{activity.pk}", activity.occurred_at, activity.minutes or 30,
             activity.candidate, activity.interview, activity.subject)  # fmt: skip
    for event in planned:
        minutes = int((event.ends_at - event.starts_at).total_seconds() // 60)
        prep(f"prep-planned-{event.pk}", event.starts_at, minutes, event.candidate,
             event.interview, event.summary)  # fmt: skip

    head = _Writer()
    head.raw("BEGIN", "VCALENDAR")
    head.raw("VERSION", "2.0")
    head.raw("PRODID", "-//Candidly//Interviews and prep sessions//EN")
    head.raw("CALSCALE", "GREGORIAN")
    head.raw("METHOD", "PUBLISH")
    head.text("X-WR-CALNAME", f"Candidly: {recruiter}")
    head.raw("REFRESH-INTERVAL", "PT1H", value="DURATION")
    head.raw("X-PUBLISHED-TTL", "PT1H")
    for zone in sorted(w.zones):
        head.lines.extend(_vtimezone(zone))
    return ("\r\n".join([*head.lines, *w.lines, "END:VCALENDAR"]) + "\r\n").encode()
