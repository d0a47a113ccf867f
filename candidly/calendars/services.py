"""Every write of the calendars app: importing .ics files and the secret of a recruiter's feed.

An imported event whose attendees include a candidate becomes one of two things:

- a **prep session** when its title or categories say so ("prep", "preparation", "debrief
  before") and no hiring manager attends: an activity of kind prep for the candidate, tied to
  their next scheduled interview (which meets that interview's prep obligation). A prep
  session still to come is kept as planned and logged once its time has passed (at the next
  import, or by `calendar_prep_record_due`);
- an **interview** when a hiring manager attends or its title says "interview": booked through
  `interview_schedule` on the candidate's open submission (the one for that manager's opening,
  or their only one), as onsite, video or phone by its location and links.

Each event is applied in its own transaction: a refused one never undoes or blocks the rest.
Importing again changes only what changed: a newer version (SEQUENCE, then LAST-MODIFIED /
DTSTAMP) at another time reschedules, a cancellation (STATUS:CANCELLED, METHOD:CANCEL, an
instance removed from a series) cancels, and the pipeline services move or waive the prep
obligations that follow.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.calendars.ics import Instance, Reading, read_ics
from candidly.calendars.models import CalendarEvent, CalendarFeed
from candidly.lib.importreport import TAKEN, ImportReport
from candidly.lib.timeutil import zone_or_none
from candidly.people.models import Candidate, ContactPoint, HiringManager
from candidly.pipeline.models import OPEN_STAGES, Interview, Submission
from candidly.pipeline.services import interview_cancel, interview_reschedule, interview_schedule

SOURCE = "ics"  # Activity.source of logged prep sessions
FEED_UID_PREFIX = "candidly-"  # UIDs of the events in a recruiter's feed
PAST_DAYS, AHEAD_DAYS = 30, 180  # the default window of events taken from a file
DEFAULT_INTERVIEW = timedelta(minutes=45)  # an interview whose event gives no end
COUNTS = (
    "interviews",
    "prep_sessions",
    "planned",
    "rescheduled",
    "cancelled",
    "unmatched",
    "outside_window",
)

PREP = re.compile(r"\b(prep|prepping|preparation|prepare|debrief before)\b", re.IGNORECASE)
INTERVIEW = re.compile(r"\binterview", re.IGNORECASE)
VIDEO = re.compile(
    r"\b(zoom\.us|meet\.google\.com|teams\.microsoft\.com|teams\.live\.com|webex\.com|"
    r"whereby\.com|gotomeet(ing)?\.com|meet\.jit\.si|chime\.aws|bluejeans\.com|"
    r"video call|video interview)\b",
    re.IGNORECASE,
)
ONSITE = re.compile(
    r"\b(on-?site|in[- ]person|office|hq|headquarters|floor|suite|building|lobby)\b"
    r"|\b\d+[a-z]?\s+(\w+\s+){0,4}(street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|"
    r"drive|dr|way|place|pl|square|sq|court|ct|parkway|pkwy|highway|hwy|strasse|straße|"
    r"rue|plaza)\b",
    re.IGNORECASE,
)


# --- the feed's secret ----------------------------------------------------------------------


@transaction.atomic
def calendar_feed_regenerate(*, recruiter: User) -> CalendarFeed:
    """Give the recruiter a feed address with a new secret; the old address stops working."""
    feed, _ = CalendarFeed.objects.update_or_create(
        recruiter=recruiter,
        defaults={"token": secrets.token_urlsafe(32), "created_at": timezone.now()},
    )
    return feed


# --- import ---------------------------------------------------------------------------------


@dataclass
class _Run:
    """What one import knows beyond the event in hand."""

    report: ImportReport
    recruiter: User | None
    now: datetime
    people: dict[str, Candidate | HiringManager] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    existing: dict[tuple[str, str], CalendarEvent] = field(default_factory=dict)


def import_zone(time_zone: str = "", recruiter: User | None = None) -> ZoneInfo:
    """The zone floating times are read in: as given, else the recruiter's, else the site's."""
    name = time_zone or (recruiter.time_zone if recruiter else "") or settings.TIME_ZONE
    zone = zone_or_none(name)
    if zone is None:
        raise ValidationError(f"“{name}” is not a time zone (try Europe/Berlin).")
    return zone


def calendar_import(
    *,
    files,
    recruiter: User | None = None,
    time_zone: str = "",
    past_days: int = PAST_DAYS,
    ahead_days: int = AHEAD_DAYS,
    now: datetime | None = None,
) -> ImportReport:
    """Import .ics files, given as (name, bytes) pairs, into interviews and prep sessions.

    `recruiter` is whose calendar it is; without one, each event's organizer (or an attendee)
    who is a user. Events starting outside [now - past_days, now + ahead_days] are left out.
    """
    now = now or timezone.now()
    zone = import_zone(time_zone, recruiter)
    window = (now - timedelta(days=past_days), now + timedelta(days=ahead_days))
    report = ImportReport()
    for name in COUNTS:
        report.count(name, 0)
    run = _Run(report=report, recruiter=recruiter, now=now)
    for name, data in files:
        reading = read_ics(data, name=name, zone=zone, window=window)
        for item, reason in reading.refusals:
            report.refuse(item, reason)
        report.count("outside_window", reading.outside_window)
        _import_reading(reading, run)
    calendar_prep_record_due(now=now, report=report)
    return report


def _import_reading(reading: Reading, run: _Run) -> None:
    _load(reading, run)
    # Interviews first, so a prep session finds an interview booked by the same file.
    for instance in sorted(reading.instances, key=lambda i: (_looks_like_prep(i, run), _when(i))):
        _take(instance, run)
    by_uid: dict[str, list[CalendarEvent]] = {}
    for event in run.existing.values():
        by_uid.setdefault(event.uid, []).append(event)
    for series in reading.series:
        if any(e.recurrence_id not in series.recurrence_ids for e in by_uid.get(series.uid, ())):
            _cancel_removed(series, by_uid[series.uid], run)


def _when(instance: Instance) -> datetime:
    return instance.starts_at or datetime.combine(instance.day, datetime.min.time(), tzinfo=UTC)


def _load(reading: Reading, run: _Run) -> None:
    """Everyone the file's events name, and what was imported of them before: a few queries
    per file, not per event."""
    emails = sorted({e for i in reading.instances for e in i.emails} - run.people.keys())
    for chunk in _chunks(emails):
        points = ContactPoint.objects.filter(
            kind=ContactPoint.Kind.EMAIL, value__in=chunk
        ).select_related("candidate", "hiring_manager")
        run.people.update({p.value: p.person for p in points})
        users = User.objects.annotate(lower_email=Lower("email")).filter(
            is_active=True, lower_email__in=chunk
        )
        run.users.update({u.lower_email: u for u in users})
    uids = sorted({i.uid for i in reading.instances} | {s.uid for s in reading.series})
    for chunk in _chunks(uids):
        for event in CalendarEvent.objects.filter(uid__in=chunk):
            run.existing[(event.uid, event.recurrence_id)] = event


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _take(instance: Instance, run: _Run) -> None:
    """Apply one event in its own transaction; report what became of it."""
    item = instance.label
    existing = run.existing.get((instance.uid, instance.recurrence_id))
    same = _unchanged(existing, instance) if existing is not None else None
    if same:
        run.report.already(item, same)
        return
    try:
        with transaction.atomic():
            if existing is not None:
                existing = CalendarEvent.objects.select_for_update().filter(pk=existing.pk).first()
            if existing is None:
                event = _create(instance, run)
            else:
                event = _update(existing, instance, run)
    except (ValidationError, DatabaseError) as exc:
        run.report.refuse(item, _message(exc))
        return
    if event is not None:
        run.existing[(event.uid, event.recurrence_id)] = event
    lines = run.report.lines
    if instance.skipped and lines and lines[-1].item == item and lines[-1].outcome == TAKEN:
        lines[-1].note += f" ({'; '.join(instance.skipped)} could not be read and was left out)"


class _Already(Exception):
    """Nothing to change: reported as already present, with a note."""


class _Unmatched(ValidationError):
    """No candidate attends: reported as refused, and counted as unmatched."""


def _state_note(event: CalendarEvent) -> str:
    if event.state == CalendarEvent.State.CANCELLED:
        return "cancelled"
    if event.kind == CalendarEvent.Kind.INTERVIEW:
        return "interview"
    return (
        "prep session (planned)" if event.state == CalendarEvent.State.PLANNED else "prep session"
    )


def _span(instance: Instance, default: timedelta) -> tuple[datetime, datetime] | None:
    if instance.starts_at is None:
        return None
    ends_at = instance.ends_at
    if ends_at is None or ends_at <= instance.starts_at:
        ends_at = instance.starts_at + default
    return instance.starts_at, ends_at


def _default_length(kind: str) -> timedelta:
    if kind == CalendarEvent.Kind.INTERVIEW:
        return DEFAULT_INTERVIEW
    return timedelta(minutes=Activity.DEFAULT_MINUTES[Activity.Kind.PREP])


def _unchanged(event: CalendarEvent, instance: Instance) -> str | None:
    """Why there is nothing to do with this event again (the quick path of a re-import), or
    None when it may have changed."""
    if instance.sequence < event.sequence:
        return "an older version of this event"
    cancelled = event.state == CalendarEvent.State.CANCELLED
    if instance.cancelled != cancelled:
        return None
    if cancelled:
        return "cancelled"
    if _span(instance, _default_length(event.kind)) == (event.starts_at, event.ends_at):
        return _state_note(event)
    return None


def _newer(instance: Instance, event: CalendarEvent) -> bool:
    if instance.sequence != event.sequence:
        return instance.sequence > event.sequence
    return instance.stamp is None or event.stamp is None or instance.stamp > event.stamp


# --- a new event ----------------------------------------------------------------------------


@dataclass
class _Plan:
    kind: str
    candidate: Candidate
    managers: list[HiringManager]
    recruiter: User | None


def _looks_like_prep(instance: Instance, run: _Run) -> bool:
    people = [run.people.get(e) for e in instance.emails]
    if any(isinstance(p, HiringManager) for p in people):
        return False
    return bool(PREP.search(" ".join([instance.summary, *instance.categories])))


def _plan(instance: Instance, run: _Run) -> _Plan:
    people = list(dict.fromkeys(run.people[e] for e in instance.emails if e in run.people))
    candidates = [p for p in people if isinstance(p, Candidate)]
    managers = [p for p in people if isinstance(p, HiringManager)]
    recruiter = run.recruiter or _calendar_owner(instance, run)
    if not candidates:
        also = f" (only {_names(managers)}, hiring manager)" if managers else ""
        raise _Unmatched(f"no candidate among its organizer and attendees{also}")
    if len(candidates) > 1:
        raise ValidationError(
            f"several candidates attend ({_names(candidates)}): an interview or prep session "
            "is with one candidate"
        )
    if _looks_like_prep(instance, run):
        return _Plan(CalendarEvent.Kind.PREP, candidates[0], managers, recruiter)
    if managers or INTERVIEW.search(" ".join([instance.summary, *instance.categories])):
        return _Plan(CalendarEvent.Kind.INTERVIEW, candidates[0], managers, recruiter)
    raise ValidationError(
        f"a meeting with {candidates[0].full_name} that is neither an interview (no hiring "
        "manager attends and its title does not say “interview”) nor a prep session (its "
        "title does not say “prep”)"
    )


def _calendar_owner(instance: Instance, run: _Run) -> User | None:
    people = [instance.organizer, *instance.attendees] if instance.organizer else instance.attendees
    for person in people:
        if person.email in run.users:
            return run.users[person.email]
    return None


def _names(people) -> str:
    return ", ".join(p.full_name for p in people)


def _create(instance: Instance, run: _Run) -> CalendarEvent | None:
    if instance.uid.startswith(FEED_UID_PREFIX):
        run.report.already(instance.label, "an event of Candidly's own calendar feed")
        return None
    try:
        plan = _plan(instance, run)
    except _Unmatched as exc:
        run.report.refuse(instance.label, exc.messages[0])
        run.report.count("unmatched")
        return None
    if instance.cancelled:
        run.report.refuse(instance.label, "cancelled before it was imported: nothing to book")
        return None
    if plan.kind == CalendarEvent.Kind.INTERVIEW:
        return _book_interview(instance, plan, run)
    return _add_prep(instance, plan, run)


def _book_interview(instance: Instance, plan: _Plan, run: _Run) -> CalendarEvent:
    span = _span(instance, DEFAULT_INTERVIEW)
    if span is None:
        raise ValidationError("an all-day event: an interview needs a start time")
    submission = _submission_for(instance, plan)
    booked = (
        Interview.objects.filter(
            submission=submission, starts_at=span[0], status=Interview.Status.SCHEDULED
        )
        .order_by("pk")
        .first()
    )
    if booked is not None:  # typed in Candidly before the calendar was imported
        run.report.already(instance.label, "matches an interview already booked in Candidly")
        return _record(instance, plan, span, interview=booked)
    kind = interview_kind(instance)
    booked_at = instance.created if instance.created and instance.created <= run.now else run.now
    interview = interview_schedule(
        submission=submission,
        kind=kind,
        starts_at=span[0],
        ends_at=span[1],
        time_zone=instance.time_zone,
        location=(instance.location or _video_link(instance))[:200],
        interviewers=_interviewers(instance, plan, run)[:300],
        by=plan.recruiter,
        at=booked_at,
    )
    event = _record(instance, plan, span, interview=interview)
    run.report.took(
        instance.label,
        f"{interview.get_kind_display().lower()} interview: {plan.candidate.full_name} for "
        f"{submission.requisition.title}",
    )
    run.report.count("interviews")
    return event


def _submission_for(instance: Instance, plan: _Plan) -> Submission:
    candidate = plan.candidate
    open_ones = list(
        Submission.objects.filter(candidate=candidate, stage__in=OPEN_STAGES).select_related(
            "requisition"
        )
    )
    manager_ids = {m.pk for m in plan.managers}
    theirs = [s for s in open_ones if s.requisition.hiring_manager_id in manager_ids]
    for choices in (theirs, open_ones):
        if len(choices) == 1:
            return choices[0]
        if len(choices) > 1:
            titled = [s for s in choices if s.requisition.title.lower() in instance.summary.lower()]
            if len(titled) == 1:
                return titled[0]
            titles = ", ".join(sorted(s.requisition.title for s in choices))
            raise ValidationError(
                f"{candidate.full_name} is in process for several openings ({titles}) and the "
                "event does not say which: put the opening's title in its title"
            )
    raise ValidationError(f"{candidate.full_name} has no open submission to interview for")


def interview_kind(instance: Instance) -> str:
    """Onsite when the location is a street address or says so; video when there is a video
    link; otherwise a phone interview."""
    where = " ".join([instance.location, instance.summary])
    if ONSITE.search(where) and not VIDEO.search(instance.location):
        return Interview.Kind.ONSITE
    if VIDEO.search(" ".join([instance.location, instance.summary, instance.links])):
        return Interview.Kind.VIDEO
    return Interview.Kind.PHONE


def _video_link(instance: Instance) -> str:
    for word in instance.links.split():
        if word.startswith(("https://", "http://")) and VIDEO.search(word):
            return word
    return ""


def _interviewers(instance: Instance, plan: _Plan, run: _Run) -> str:
    names = [m.full_name for m in plan.managers]
    skip = {p.email for p in instance.attendees if isinstance(run.people.get(p.email), Candidate)}
    skip |= set(run.users)
    for person in instance.attendees:
        if person.email in skip or isinstance(run.people.get(person.email), HiringManager):
            continue
        names.append(person.name or person.email)
    return ", ".join(dict.fromkeys(n for n in names if n))


def _add_prep(instance: Instance, plan: _Plan, run: _Run) -> CalendarEvent:
    span = _span(instance, _default_length(CalendarEvent.Kind.PREP))
    if span is None:
        raise ValidationError("an all-day event: a prep session needs a start time")
    if plan.recruiter is None:
        raise ValidationError(
            "whose prep session is it? Name the recruiter (--recruiter), or import a calendar "
            "whose organizer is a user"
        )
    interview = _next_interview(plan.candidate, span[0])
    event = _record(instance, plan, span, interview=interview)
    if span[0] <= run.now:
        _log_prep(event, instance.description)
        run.report.took(instance.label, _prep_note(event))
        run.report.count("prep_sessions")
    else:
        run.report.took(instance.label, _prep_note(event) + " — planned: logged once it is over")
        run.report.count("planned")
    return event


def _next_interview(candidate: Candidate, at: datetime) -> Interview | None:
    return (
        Interview.objects.filter(
            submission__candidate=candidate,
            status=Interview.Status.SCHEDULED,
            starts_at__gte=at,
        )
        .select_related("submission__requisition")
        .order_by("starts_at", "pk")
        .first()
    )


def _prep_note(event: CalendarEvent) -> str:
    note = f"prep session with {event.candidate.full_name}"
    if event.interview is not None:
        local = timezone.localtime(event.interview.starts_at, ZoneInfo(event.interview.time_zone))
        note += (
            f" for the {event.interview.get_kind_display().lower()} interview "
            f"({event.interview.submission.requisition.title}, {local:%b %-d %H:%M})"
        )
    return note


def _record(instance: Instance, plan: _Plan, span, *, interview: Interview | None):
    now = timezone.now()
    prep = plan.kind == CalendarEvent.Kind.PREP
    event = CalendarEvent(
        uid=instance.uid,
        recurrence_id=instance.recurrence_id,
        sequence=instance.sequence,
        stamp=instance.stamp,
        kind=plan.kind,
        state=CalendarEvent.State.PLANNED if prep else CalendarEvent.State.ACTIVE,
        recruiter=plan.recruiter,
        candidate=plan.candidate,
        interview=interview,
        summary=instance.summary[:300],
        starts_at=span[0],
        ends_at=span[1],
        imported_at=now,
        updated_at=now,
    )
    # Built from rows just read or written, so not validated again field by field (that costs
    # a query per foreign key); the table's constraints still hold it.
    event.save(force_insert=True)
    return event


def _log_prep(event: CalendarEvent, body: str = "") -> None:
    """Log a prep session that has happened, for the interview `event` names."""
    minutes = int((event.ends_at - event.starts_at).total_seconds() // 60)
    event.activity = activity_log(
        recruiter=event.recruiter,
        kind=Activity.Kind.PREP,
        direction=Activity.Direction.OUTBOUND,
        candidate=event.candidate,
        interview=event.interview,
        occurred_at=event.starts_at,
        minutes=max(1, min(minutes, 24 * 60)),
        subject=event.summary,
        body=body[:5000],
        source=SOURCE,
        external_id=_external_id(event),
    )
    event.state = CalendarEvent.State.ACTIVE
    event.updated_at = timezone.now()
    event.save(update_fields=["interview", "activity", "state", "updated_at"])


def _external_id(event: CalendarEvent) -> str:
    return f"{event.uid}#{event.recurrence_id}" if event.recurrence_id else event.uid


def calendar_prep_record_due(*, now: datetime | None = None, report: ImportReport | None = None):
    """Log every planned prep session whose time has come, each in its own transaction."""
    now = now or timezone.now()
    due = CalendarEvent.objects.filter(
        state=CalendarEvent.State.PLANNED, starts_at__lte=now
    ).values_list("pk", flat=True)
    logged = 0
    for pk in list(due):
        event = None
        try:
            with transaction.atomic():
                event = (
                    CalendarEvent.objects.select_for_update(of=("self",))
                    .select_related("candidate", "recruiter")
                    .filter(pk=pk, state=CalendarEvent.State.PLANNED)
                    .first()
                )
                if event is None:
                    continue  # another run logged it
                # Interviews may have been booked or moved since it was planned.
                event.interview = _next_interview(event.candidate, event.starts_at)
                _log_prep(event)
        except (ValidationError, DatabaseError) as exc:
            if report is not None:
                what = f"“{event.summary}”" if event is not None else f"#{pk}"
                report.refuse(f"planned prep session {what}", _message(exc))
            continue
        logged += 1
        if report is not None:
            report.count("prep_sessions")
    return logged


# --- an event imported before ---------------------------------------------------------------


def _update(event: CalendarEvent, instance: Instance, run: _Run) -> CalendarEvent:
    item = instance.label
    try:
        if instance.sequence < event.sequence:
            raise _Already("an older version of this event")
        if instance.cancelled:
            _cancel(event, item, run)
        elif event.state == CalendarEvent.State.CANCELLED:
            if not _newer(instance, event):
                raise _Already("cancelled")
            return _reinstate(event, instance, run)
        else:
            _move(event, instance, item, run)
    except _Already as note:
        run.report.already(item, str(note))
    event.sequence = max(event.sequence, instance.sequence)
    event.stamp = max(filter(None, [event.stamp, instance.stamp]), default=None)
    event.updated_at = timezone.now()
    event.save()
    return event


def _cancel(event: CalendarEvent, item: str, run: _Run, why: str = "") -> None:
    if event.state == CalendarEvent.State.CANCELLED:
        raise _Already("cancelled")
    if event.kind == CalendarEvent.Kind.PREP and event.state == CalendarEvent.State.ACTIVE:
        raise _Already("the prep session was already logged: it stays in the ledger")
    if event.kind == CalendarEvent.Kind.INTERVIEW:
        interview = event.interview
        if interview is not None and interview.status == Interview.Status.SCHEDULED:
            interview_cancel(interview=interview)
            note = "interview cancelled"
        else:
            status = interview.get_status_display().lower() if interview else "gone"
            note = f"cancelled in the calendar (the interview was already {status})"
    else:
        note = "planned prep session cancelled"
    event.state = CalendarEvent.State.CANCELLED
    run.report.took(item, note + why)
    run.report.count("cancelled")


def _move(event: CalendarEvent, instance: Instance, item: str, run: _Run) -> None:
    span = _span(instance, _default_length(event.kind))
    if span == (event.starts_at, event.ends_at):
        raise _Already(_state_note(event))
    if not _newer(instance, event):
        raise _Already("an older version of this event")
    if span is None:
        raise ValidationError("now an all-day event: the time it was booked for stays")
    if event.kind == CalendarEvent.Kind.PREP:
        if event.state == CalendarEvent.State.ACTIVE:
            raise _Already("the prep session was already logged as it happened")
        event.starts_at, event.ends_at = span
        event.interview = _next_interview(event.candidate, span[0])
        run.report.took(item, "planned prep session moved")
        run.report.count("rescheduled")
        return
    interview = event.interview
    if interview is None:
        raise ValidationError("the interview it booked has been deleted")
    if interview.status != Interview.Status.SCHEDULED:
        raise ValidationError(
            f"the interview is {interview.get_status_display().lower()}: it can't be moved"
        )
    interview_reschedule(interview=interview, starts_at=span[0], ends_at=span[1])
    event.starts_at, event.ends_at = span
    local = timezone.localtime(span[0], ZoneInfo(interview.time_zone))
    run.report.took(item, f"interview moved to {local:%Y-%m-%d %H:%M} {interview.time_zone}")
    run.report.count("rescheduled")


def _reinstate(event: CalendarEvent, instance: Instance, run: _Run) -> CalendarEvent:
    """A cancelled event back on the calendar: booked again, as if new."""
    event.delete()
    new = _create(instance, run)
    if new is None:
        raise ValidationError("the event is back on the calendar but could not be booked again")
    return new


def _cancel_removed(series, imported: list[CalendarEvent], run: _Run) -> None:
    """Instances imported before that the series no longer has (an EXDATE added, the rule
    changed): cancelled, as a calendar app shows them gone."""
    start, end = series.window
    gone = [
        event.pk
        for event in imported
        if event.recurrence_id not in series.recurrence_ids
        and start <= event.starts_at <= end
        and event.sequence <= series.sequence
        and event.state != CalendarEvent.State.CANCELLED
    ]
    for pk in gone:
        item = f"{series.uid} (instance {pk})"
        try:
            with transaction.atomic():
                event = CalendarEvent.objects.select_for_update().filter(pk=pk).first()
                if event is None:
                    continue
                item = f"“{event.summary}” {event.starts_at:%Y-%m-%d %H:%M} UTC"
                try:
                    _cancel(event, item, run, why=": no longer in its series")
                except _Already as note:
                    run.report.already(item, str(note))
                    continue
                event.updated_at = timezone.now()
                event.save()
        except (ValidationError, DatabaseError) as exc:
            run.report.refuse(item, _message(exc))
            continue
        run.existing[(event.uid, event.recurrence_id)] = event


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return f"could not be saved ({_first_line(exc)})"


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
