"""Reads shared by several screens: the timelines."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.people.models import Candidate, HiringManager
from candidly.pipeline.models import Interview, StageChange, Submission


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    category: str  # activity, stage, interview, offer, placement
    title: str
    detail: str = ""
    who: str = ""
    minutes: int | None = None
    tag: str = ""  # a short word used for styling (call, email, hired, declined…)

    # Formatted here rather than with template filters: a timeline has hundreds of entries
    # and the locale-aware `date` filter dominated the page's rendering time.
    @property
    def when(self) -> str:
        local = timezone.localtime(self.at)
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"

    @property
    def iso(self) -> str:
        return self.at.isoformat()


_KIND = dict(Activity.Kind.choices)
_DIRECTION = dict(Activity.Direction.choices)
_OUTCOME = dict(Activity.Outcome.choices)


def activity_entries(queryset, limit: int, *, name_manager: bool = False) -> list[TimelineEntry]:
    """Activities as timeline entries, newest first (plain rows: no model instances needed).

    `name_manager` adds the hiring manager's name to each title, for timelines that cover
    several managers (a client's page).
    """
    fields = [
        "occurred_at", "kind", "direction", "outcome", "subject", "body", "minutes",
        "recruiter__first_name", "recruiter__last_name", "recruiter__username",
    ]  # fmt: skip
    if name_manager:
        fields += ["hiring_manager__first_name", "hiring_manager__last_name"]
    rows = queryset.order_by("-occurred_at", "-id").values_list(*fields)[:limit]
    entries = []
    for row in rows:
        at, kind, direction, outcome, subject, body, minutes, first, last, username = row[:10]
        title = f"{_DIRECTION[direction]} {_KIND[kind].lower()}"
        if outcome:
            title += f" · {_OUTCOME[outcome].lower()}"
        if name_manager and row[10]:
            title += f" with {row[10]} {row[11]}"
        entries.append(
            TimelineEntry(
                at=at,
                category="activity",
                title=title,
                detail=" — ".join(part for part in (subject, body) if part),
                who=f"{first} {last}".strip() or username,
                minutes=minutes,
                tag=kind,
            )
        )
    return entries


def candidate_submissions(candidate: Candidate) -> list[Submission]:
    """A candidate's submissions with everything the page and timeline show about them."""
    return list(
        candidate.submissions.select_related(
            "requisition__company", "requisition__hiring_manager", "placement"
        )
        .prefetch_related(
            Prefetch("stage_changes", StageChange.objects.select_related("changed_by")),
            "interviews",
            "offers",
        )
        .order_by("-created_at")
    )


def candidate_timeline(
    candidate: Candidate, *, submissions: list[Submission] | None = None, limit: int = 200
) -> list[TimelineEntry]:
    """Everything that happened with a candidate, newest first, in a fixed number of queries.

    Pass `submissions` from `candidate_submissions` when the page has them already.
    """
    if submissions is None:
        submissions = candidate_submissions(candidate)
    entries = activity_entries(Activity.objects.filter(candidate=candidate), limit)
    for submission in submissions:
        entries.extend(_submission_entries(submission))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _submission_entries(submission: Submission):
    req = submission.requisition
    company = req.company.name
    for change in submission.stage_changes.all():
        moved_from = (
            f" · from {change.get_from_stage_display().lower()}" if change.from_stage else ""
        )
        yield TimelineEntry(
            at=change.changed_at,
            category="stage",
            title=f"{change.get_to_stage_display()}: {req.title}",
            detail=company + moved_from,
            who=str(change.changed_by or ""),
            tag=change.to_stage,
        )
    for interview in submission.interviews.all():
        local = timezone.localtime(interview.starts_at, _zone(interview.time_zone))
        yield TimelineEntry(
            at=interview.starts_at,
            category="interview",
            title=f"{interview.get_kind_display()} interview: {req.title}",
            detail=f"{company} · {local:%a %d %b %Y, %H:%M} {interview.time_zone}"
            + (f" · {interview.interviewers}" if interview.interviewers else "")
            + (" · cancelled" if interview.status == Interview.Status.CANCELLED else ""),
            tag=interview.kind,
        )
    for offer in submission.offers.all():
        salary = f" · ${offer.salary:,}" if offer.salary else ""
        yield TimelineEntry(
            at=offer.extended_at,
            category="offer",
            title=f"Offer extended: {req.title}",
            detail=company + salary,
            tag="offer",
        )
        if offer.decided_at:
            reason = f" · {offer.get_decline_reason_display()}" if offer.decline_reason else ""
            yield TimelineEntry(
                at=offer.decided_at,
                category="offer",
                title=f"Offer {offer.get_status_display().lower()}: {req.title}",
                detail=company + reason + (f" — {offer.note}" if offer.note else ""),
                tag=offer.status,
            )
    placement = getattr(submission, "placement", None)
    if placement is not None:
        fell_off = (
            f" · fell off {placement.fall_off_date:%d %b %Y}" if placement.fall_off_date else ""
        )
        yield TimelineEntry(
            at=placement.created_at,
            category="placement",
            title=f"Placed: {req.title}",
            detail=f"{company} · starts {placement.start_date:%d %b %Y}{fell_off}",
            tag="hired",
        )


def manager_timeline(manager: HiringManager, *, limit: int = 200) -> list[TimelineEntry]:
    return activity_entries(Activity.objects.filter(hiring_manager=manager), limit)


def _zone(name: str):
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError):
        return None
