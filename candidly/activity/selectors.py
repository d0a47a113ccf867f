"""Reads shared by several screens: the timelines."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from candidly.activity.models import Activity
from candidly.people.models import Candidate, HiringManager
from candidly.pipeline.models import Interview, Offer, Placement, StageChange


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    category: str  # activity, stage, interview, offer, placement
    title: str
    detail: str = ""
    who: str = ""
    minutes: int | None = None
    tag: str = ""  # a short word used for styling (call, email, hired, declined…)

    @property
    def sort_key(self):
        return self.at


def _activity_entry(a: Activity) -> TimelineEntry:
    title = f"{a.get_direction_display()} {a.get_kind_display().lower()}"
    if a.outcome:
        title += f" · {a.get_outcome_display().lower()}"
    detail = " — ".join(part for part in (a.subject, a.body) if part)
    return TimelineEntry(
        at=a.occurred_at,
        category="activity",
        title=title,
        detail=detail,
        who=str(a.recruiter),
        minutes=a.minutes,
        tag=a.kind,
    )


def activity_entries(queryset, limit: int) -> list[TimelineEntry]:
    rows = queryset.select_related("recruiter").order_by("-occurred_at", "-id")[:limit]
    return [_activity_entry(a) for a in rows]


def candidate_timeline(candidate: Candidate, *, limit: int = 200) -> list[TimelineEntry]:
    """Everything that happened with a candidate, newest first, in a fixed number of queries."""
    entries = activity_entries(Activity.objects.filter(candidate=candidate), limit)
    for change in (
        StageChange.objects.filter(submission__candidate=candidate)
        .select_related("submission__requisition__company", "changed_by")
        .order_by("-changed_at")[:limit]
    ):
        req = change.submission.requisition
        entries.append(
            TimelineEntry(
                at=change.changed_at,
                category="stage",
                title=f"{change.get_to_stage_display()}: {req.title}",
                detail=f"{req.company.name}"
                + (
                    f" · from {change.get_from_stage_display().lower()}"
                    if change.from_stage
                    else ""
                ),
                who=str(change.changed_by or ""),
                tag=change.to_stage,
            )
        )
    for interview in Interview.objects.filter(submission__candidate=candidate).select_related(
        "submission__requisition__company"
    ):
        req = interview.submission.requisition
        local = timezone.localtime(interview.starts_at, _zone(interview.time_zone))
        entries.append(
            TimelineEntry(
                at=interview.starts_at,
                category="interview",
                title=f"{interview.get_kind_display()} interview: {req.title}",
                detail=f"{req.company.name} · {local:%a %d %b %Y, %H:%M} {interview.time_zone}"
                + (f" · {interview.interviewers}" if interview.interviewers else "")
                + (" · cancelled" if interview.status == Interview.Status.CANCELLED else ""),
                tag=interview.kind,
            )
        )
    for offer in Offer.objects.filter(submission__candidate=candidate).select_related(
        "submission__requisition__company"
    ):
        req = offer.submission.requisition
        salary = f" · ${offer.salary:,}" if offer.salary else ""
        entries.append(
            TimelineEntry(
                at=offer.extended_at,
                category="offer",
                title=f"Offer extended: {req.title}",
                detail=f"{req.company.name}{salary}",
                tag="offer",
            )
        )
        if offer.decided_at:
            reason = f" · {offer.get_decline_reason_display()}" if offer.decline_reason else ""
            entries.append(
                TimelineEntry(
                    at=offer.decided_at,
                    category="offer",
                    title=f"Offer {offer.get_status_display().lower()}: {req.title}",
                    detail=f"{req.company.name}{reason}"
                    + (f" — {offer.note}" if offer.note else ""),
                    tag=offer.status,
                )
            )
    for placement in Placement.objects.filter(submission__candidate=candidate).select_related(
        "submission__requisition__company"
    ):
        req = placement.submission.requisition
        entries.append(
            TimelineEntry(
                at=placement.created_at,
                category="placement",
                title=f"Placed: {req.title}",
                detail=f"{req.company.name} · starts {placement.start_date:%d %b %Y}"
                + (
                    f" · fell off {placement.fall_off_date:%d %b %Y}"
                    if placement.fall_off_date
                    else ""
                ),
                tag="hired",
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def manager_timeline(manager: HiringManager, *, limit: int = 200) -> list[TimelineEntry]:
    return activity_entries(Activity.objects.filter(hiring_manager=manager), limit)


def _zone(name: str):
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError):
        return None
