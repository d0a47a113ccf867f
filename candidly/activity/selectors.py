"""Reads shared by several screens: the timelines."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from candidly.accounts.models import display_name
from candidly.activity.models import Activity
from candidly.lib.compiled import Compiled
from candidly.lib.timeutil import zone_or_none
from candidly.people.models import Candidate, HiringManager
from candidly.pipeline.models import Interview, Offer, Stage, StageChange, Submission


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    category: str  # activity, stage, interview, offer, placement
    title: str
    detail: str = ""
    who: str = ""
    minutes: int | None = None
    tag: str = ""  # a short word used for styling (call, email, hired, declined…)


_KIND = dict(Activity.Kind.choices)
_DIRECTION = dict(Activity.Direction.choices)
_OUTCOME = dict(Activity.Outcome.choices)


_ENTRY_FIELDS = (
    "occurred_at", "kind", "direction", "outcome", "subject", "body", "minutes",
    "recruiter__first_name", "recruiter__last_name", "recruiter__username",
)  # fmt: skip
_MANAGER_FIELDS = ("hiring_manager__first_name", "hiring_manager__last_name")

# The newest activities of a person (or a client): compiled once per filter and length
# (`lib.compiled`), as building the query cost more than running it.
_ACTIVITY_ROWS = Compiled(
    lambda where, limit, name_manager, person: (
        Activity.objects.filter(**{where: person})
        .order_by("-occurred_at", "-id")
        .values_list(*_ENTRY_FIELDS, *(_MANAGER_FIELDS if name_manager else ()))[:limit]
    )
)


def activity_entries(limit: int, *, name_manager: bool = False, **person) -> list[TimelineEntry]:
    """The newest activities with one person or client (`candidate_id=…`,
    `hiring_manager_id=…` or `hiring_manager__company_id=…`) as timeline entries, newest
    first (plain rows: no model instances needed).

    `name_manager` adds the hiring manager's name to each title, for timelines that cover
    several managers (a client's page).
    """
    ((where, person_id),) = person.items()
    rows = _ACTIVITY_ROWS.rows(where, limit, name_manager, person=person_id)
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
                who=display_name(first, last, username),
                minutes=minutes,
                tag=kind,
            )
        )
    return entries


_STAGE_FIELDS = ("submission_id", "changed_at", "from_stage", "to_stage",
                 "changed_by__first_name", "changed_by__last_name")  # fmt: skip
_INTERVIEW_FIELDS = ("submission_id", "starts_at", "kind", "time_zone", "interviewers", "status")
_OFFER_FIELDS = ("pk", "submission_id", "salary", "extended_at", "status", "decided_at",
                 "decline_reason", "note")  # fmt: skip

# A candidate's submissions and their history, one query each, compiled once (`lib.compiled`).
_SUBMISSIONS = Compiled(
    lambda candidate: (
        Submission.objects.filter(candidate_id=candidate)
        .select_related("requisition__company", "placement")
        .order_by("-created_at")
    )
)
_STAGE_ROWS = Compiled(
    lambda candidate: (
        StageChange.objects.filter(submission__candidate_id=candidate)
        .order_by("changed_at", "id")
        .values_list(*_STAGE_FIELDS)
    )
)
_INTERVIEW_ROWS = Compiled(
    lambda candidate: (
        Interview.objects.filter(submission__candidate_id=candidate)
        .order_by("starts_at", "id")
        .values_list(*_INTERVIEW_FIELDS)
    )
)
_OFFER_ROWS = Compiled(
    lambda candidate: (
        Offer.objects.filter(submission__candidate_id=candidate)
        .order_by("extended_at", "id")
        .values_list(*_OFFER_FIELDS)
    )
)


def candidate_submissions(candidate: Candidate) -> list[Submission]:
    """A candidate's submissions, each with its history as plain rows: `stage_rows`,
    `interview_rows` and `offer_rows` (dicts). Four queries, or one without submissions."""
    submissions = _SUBMISSIONS.objects(candidate=candidate.pk)
    by_id = {s.pk: s for s in submissions}
    for s in submissions:
        s.candidate = candidate  # as `candidate.submissions` would have it
        s.stage_rows, s.interview_rows, s.offer_rows = [], [], []
    if not by_id:
        return submissions
    for history, names, rows in (
        (_STAGE_ROWS, _STAGE_FIELDS, "stage_rows"),
        (_INTERVIEW_ROWS, _INTERVIEW_FIELDS, "interview_rows"),
        (_OFFER_ROWS, _OFFER_FIELDS, "offer_rows"),
    ):
        for values in history.rows(candidate=candidate.pk):
            row = dict(zip(names, values, strict=True))
            getattr(by_id[row["submission_id"]], rows).append(row)
    return submissions


def candidate_timeline(
    candidate: Candidate, *, submissions: list[Submission] | None = None, limit: int = 200
) -> list[TimelineEntry]:
    """Everything that happened with a candidate, newest first, in a fixed number of queries.

    Pass `submissions` from `candidate_submissions` when the page has them already.
    """
    if submissions is None:
        submissions = candidate_submissions(candidate)
    entries = activity_entries(limit, candidate_id=candidate.pk)
    for submission in submissions:
        entries.extend(_submission_entries(submission))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


_STAGE = dict(Stage.choices)
_INTERVIEW = dict(Interview.Kind.choices)
_OFFER = dict(Offer.Status.choices)
_DECLINE = dict(Offer.DeclineReason.choices)


def _submission_entries(submission: Submission):
    req = submission.requisition
    company = req.company.name
    for change in submission.stage_rows:
        moved_from = change["from_stage"]
        who = f"{change['changed_by__first_name'] or ''} {change['changed_by__last_name'] or ''}"
        yield TimelineEntry(
            at=change["changed_at"],
            category="stage",
            title=f"{_STAGE[change['to_stage']]}: {req.title}",
            detail=company + (f" · from {_STAGE[moved_from].lower()}" if moved_from else ""),
            who=who.strip(),
            tag=change["to_stage"],
        )
    for interview in submission.interview_rows:
        local = timezone.localtime(interview["starts_at"], zone_or_none(interview["time_zone"]))
        yield TimelineEntry(
            at=interview["starts_at"],
            category="interview",
            title=f"{_INTERVIEW[interview['kind']]} interview: {req.title}",
            detail=f"{company} · {local:%a %d %b %Y, %H:%M} {interview['time_zone']}"
            + (f" · {interview['interviewers']}" if interview["interviewers"] else "")
            + (" · cancelled" if interview["status"] == Interview.Status.CANCELLED else ""),
            tag=interview["kind"],
        )
    for offer in submission.offer_rows:
        salary = f" · ${offer['salary']:,}" if offer["salary"] else ""
        yield TimelineEntry(
            at=offer["extended_at"],
            category="offer",
            title=f"Offer extended: {req.title}",
            detail=company + salary,
            tag="offer",
        )
        if offer["decided_at"]:
            reason = offer["decline_reason"]
            yield TimelineEntry(
                at=offer["decided_at"],
                category="offer",
                title=f"Offer {_OFFER[offer['status']].lower()}: {req.title}",
                detail=company
                + (f" · {_DECLINE[reason]}" if reason else "")
                + (f" — {offer['note']}" if offer["note"] else ""),
                tag=offer["status"],
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
    return activity_entries(limit, hiring_manager_id=manager.pk)
