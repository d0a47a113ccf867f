"""A recruiter's calendar feed (.ics): their interviews and prep sessions, for any calendar app
to subscribe to. Reads only.

Interviews are those of openings the recruiter works (or, for an opening without a recruiter,
of candidates they look after), from FEED_PAST_DAYS ago to FEED_AHEAD_DAYS ahead, in the
interview's own time zone (with its VTIMEZONE); cancelled ones stay, marked STATUS:CANCELLED,
so subscribed calendars drop them. Prep sessions are those the recruiter logged, and those
imported from their calendar that are still to come.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

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


def _address(email: str, name: str, role: str | None = None) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    if role:
        address.params["ROLE"] = role
    return address


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
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Candidly//Interviews and prep sessions//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Candidly: {recruiter}")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    stamp = now.astimezone(UTC)
    organizer = _address(recruiter.email, str(recruiter)) if recruiter.email else None

    for interview in interviews:
        submission = interview.submission
        candidate, requisition = submission.candidate, submission.requisition
        manager = requisition.hiring_manager
        zone = zone_or_none(interview.time_zone) or UTC
        event = icalendar.Event()
        event.add("uid", f"{FEED_UID_PREFIX}interview-{interview.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", interview.starts_at.astimezone(zone))
        event.add("dtend", interview.ends_at.astimezone(zone))
        event.add("summary", f"Interview: {candidate.full_name} — {requisition.title}")
        lines = [
            f"{interview.get_kind_display()} interview for {requisition.title} at "
            f"{requisition.company.name}.",
            f"Hiring manager: {manager.full_name}",
        ]
        if interview.interviewers:
            lines.append(f"Interviewers: {interview.interviewers}")
        lines.append(f"Candidate: {settings.SITE_URL}{candidate.get_absolute_url()}")
        event.add("description", "\n".join(lines))
        if interview.location:
            event.add("location", interview.location)
        event.add("url", f"{settings.SITE_URL}{candidate.get_absolute_url()}")
        event.add("categories", ["Interview"])
        cancelled = interview.status == Interview.Status.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        if organizer is not None:
            event.add("organizer", organizer)
        if ("c", candidate.pk) in emails:
            event.add(
                "attendee",
                _address(emails[("c", candidate.pk)], candidate.full_name, "REQ-PARTICIPANT"),
            )
        if ("m", manager.pk) in emails:
            event.add(
                "attendee",
                _address(emails[("m", manager.pk)], manager.full_name, "REQ-PARTICIPANT"),
            )
        cal.add_component(event)

    def prep_event(uid, starts_at, minutes, candidate, interview, note=""):
        event = icalendar.Event()
        event.add("uid", f"{FEED_UID_PREFIX}{uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", starts_at.astimezone(UTC))
        event.add("dtend", (starts_at + timedelta(minutes=max(minutes, 1))).astimezone(UTC))
        opening = f" — {interview.submission.requisition.title}" if interview else ""
        event.add("summary", f"Prep: {candidate.full_name}{opening}")
        if note:
            event.add("description", note)
        event.add("url", f"{settings.SITE_URL}{candidate.get_absolute_url()}")
        event.add("categories", ["Prep"])
        event.add("status", "CONFIRMED")
        if organizer is not None:
            event.add("organizer", organizer)
        if ("c", candidate.pk) in emails:
            event.add("attendee", _address(emails[("c", candidate.pk)], candidate.full_name))
        cal.add_component(event)

    for activity in logged:
        prep_event(
            f"prep-{activity.pk}",
            activity.occurred_at,
            activity.minutes or 30,
            activity.candidate,
            activity.interview,
            activity.subject,
        )
    for planned_event in planned:
        minutes = int((planned_event.ends_at - planned_event.starts_at).total_seconds() // 60)
        prep_event(
            f"prep-planned-{planned_event.pk}",
            planned_event.starts_at,
            minutes,
            planned_event.candidate,
            planned_event.interview,
            planned_event.summary,
        )
    cal.add_missing_timezones()
    return cal.to_ical()
