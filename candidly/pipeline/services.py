"""Every write to requisitions, submissions, interviews, offers and placements."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from candidly.accounts.models import User
from candidly.lib.timeutil import require_aware
from candidly.obligations import upkeep
from candidly.people.models import Candidate, Department, HiringManager
from candidly.people.services import validate_time_zone
from candidly.pipeline.models import (
    OPEN_STAGES,
    Interview,
    Offer,
    Placement,
    Requisition,
    Stage,
    StageChange,
    Submission,
)

MAX_SALARY = 100_000_000

# Stages that end a candidate's part in an opening without a hire.
CLOSED_STAGES = (Stage.REJECTED, Stage.WITHDRAWN)


@transaction.atomic
def requisition_open(
    *,
    title: str,
    hiring_manager: HiringManager,
    recruiter: User | None = None,
    department: Department | None = None,
    location: str = "",
    opened_at: datetime | None = None,
) -> Requisition:
    require_aware(opened_at, "opened_at")
    department = department or hiring_manager.department
    if department is not None and department.company_id != hiring_manager.company_id:
        raise ValidationError(
            {"department": f"{department.name} is not part of {hiring_manager.company}."}
        )
    requisition = Requisition(
        title=title.strip(),
        company_id=hiring_manager.company_id,
        department=department,
        hiring_manager=hiring_manager,
        recruiter=recruiter,
        location=location.strip(),
        opened_at=opened_at or timezone.now(),
    )
    requisition.full_clean()
    requisition.save()
    return requisition


@transaction.atomic
def requisition_close(
    *, requisition: Requisition, status: str = Requisition.Status.CLOSED, at=None, by=None
) -> Requisition:
    """Close an opening. Everyone still in process is turned down (each is then owed a
    personal word); a candidate with an offer waiting keeps it until it is decided."""
    if status not in (Requisition.Status.CLOSED, Requisition.Status.FILLED):
        raise ValidationError({"status": "A requisition closes as filled or closed."})
    if requisition.status in (Requisition.Status.CLOSED, Requisition.Status.FILLED):
        raise ValidationError(f"{requisition.title} is already {requisition.get_status_display()}.")
    at = require_aware(at, "at") or timezone.now()
    requisition.status = status
    requisition.closed_at = at
    requisition.save(update_fields=["status", "closed_at"])
    still_open = (
        requisition.submissions.filter(stage__in=OPEN_STAGES)
        .exclude(offers__status=Offer.Status.EXTENDED)
        .select_related("candidate", "requisition")
    )
    for submission in still_open:
        _cancel_coming_interviews(submission)
        _move(submission, Stage.REJECTED, by=by, at=max(at, submission.stage_changed_at))
    return requisition


def _cancel_coming_interviews(submission: Submission) -> None:
    """Nobody goes to an interview for an opening they are out of."""
    now = timezone.now()
    coming = list(
        submission.interviews.filter(
            status=Interview.Status.SCHEDULED, starts_at__gt=now
        ).values_list("pk", flat=True)
    )
    if coming:
        Interview.objects.filter(pk__in=coming).update(
            status=Interview.Status.CANCELLED, cancelled_at=now
        )
        upkeep.interviews_cancelled(coming, now)


def _move(submission: Submission, to_stage: str, *, by: User | None, at: datetime) -> None:
    require_aware(at, "at")
    if at < submission.stage_changed_at:
        raise ValidationError(
            f"A stage change can't be earlier than the last one "
            f"({timezone.localtime(submission.stage_changed_at):%Y-%m-%d %H:%M})."
        )
    StageChange.objects.create(
        submission=submission,
        from_stage=submission.stage,
        to_stage=to_stage,
        changed_at=at,
        changed_by=by,
    )
    submission.stage = to_stage
    submission.stage_changed_at = at
    submission.save(update_fields=["stage", "stage_changed_at"])
    upkeep.stage_changed(submission, to_stage, at)


@transaction.atomic
def submission_create(
    *,
    candidate: Candidate,
    requisition: Requisition,
    stage: str = Stage.SOURCED,
    by: User | None = None,
    at: datetime | None = None,
) -> Submission:
    if requisition.status != Requisition.Status.OPEN:
        raise ValidationError(f"{requisition.title} is {requisition.get_status_display().lower()}.")
    if stage not in (Stage.SOURCED, Stage.SUBMITTED):
        raise ValidationError({"stage": "A new submission starts as sourced or submitted."})
    existing = Submission.objects.filter(candidate=candidate, requisition=requisition).first()
    if existing is not None:
        raise ValidationError(
            f"{candidate.full_name} is already in {requisition.title} "
            f"({existing.get_stage_display().lower()})."
        )
    at = at or timezone.now()
    submission = Submission.objects.create(
        candidate=candidate,
        requisition=requisition,
        stage=stage,
        stage_changed_at=at,
        created_at=at,
    )
    StageChange.objects.create(submission=submission, to_stage=stage, changed_at=at, changed_by=by)
    upkeep.stage_changed(submission, stage, at)
    return submission


@transaction.atomic
def submission_advance(
    *, submission: Submission, to_stage: str, by: User | None = None, at: datetime | None = None
) -> Submission:
    """Move a submission to another stage and record the move in its history."""
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": f"“{to_stage}” is not a stage."})
    if not submission.is_open:
        raise ValidationError(
            f"This submission is {submission.get_stage_display().lower()}; it can't move any more."
        )
    if to_stage == submission.stage:
        raise ValidationError(f"The submission is already {submission.get_stage_display()}.")
    if to_stage == Stage.HIRED:
        raise ValidationError("Record the placement to mark a candidate hired.")
    at = at or timezone.now()
    if to_stage in CLOSED_STAGES:
        if submission.offers.filter(status=Offer.Status.EXTENDED).exists():
            raise ValidationError(
                "An offer is waiting for an answer: record its outcome (or rescind it) first."
            )
        _cancel_coming_interviews(submission)
    _move(submission, to_stage, by=by, at=at)
    return submission


def _require_open(submission: Submission, what: str) -> None:
    if not submission.is_open:
        raise ValidationError(
            f"Can't {what}: {submission.candidate.full_name} is "
            f"{submission.get_stage_display().lower()} for {submission.requisition.title}."
        )


@transaction.atomic
def interview_schedule(
    *,
    submission: Submission,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    time_zone: str,
    location: str = "",
    interviewers: str = "",
    by: User | None = None,
    at: datetime | None = None,
) -> Interview:
    """Book an interview; `at` is when it was booked (now, unless entered after the fact)."""
    _require_open(submission, "schedule an interview")
    require_aware(starts_at, "starts_at")
    require_aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The interview must end after it starts."})
    validate_time_zone(time_zone)
    interview = Interview(
        submission=submission,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        location=location,
        interviewers=interviewers,
        created_at=at or timezone.now(),
    )
    interview.full_clean()
    interview.save()
    upkeep.interview_scheduled(interview)
    if submission.stage in (Stage.SOURCED, Stage.SUBMITTED):
        _move(
            submission,
            Stage.INTERVIEWING,
            by=by,
            at=max(interview.created_at, submission.stage_changed_at),
        )
    return interview


@transaction.atomic
def interview_reschedule(
    *, interview: Interview, starts_at: datetime, ends_at: datetime
) -> Interview:
    if interview.status != Interview.Status.SCHEDULED:
        raise ValidationError(f"This interview is {interview.get_status_display().lower()}.")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The interview must end after it starts."})
    interview.starts_at, interview.ends_at = starts_at, ends_at
    interview.save(update_fields=["starts_at", "ends_at"])
    upkeep.interview_rescheduled(interview)
    return interview


@transaction.atomic
def interview_cancel(*, interview: Interview) -> Interview:
    if interview.status != Interview.Status.SCHEDULED:
        raise ValidationError(f"This interview is {interview.get_status_display().lower()}.")
    interview.status = Interview.Status.CANCELLED
    interview.cancelled_at = timezone.now()
    interview.save(update_fields=["status", "cancelled_at"])
    upkeep.interviews_cancelled([interview.pk], interview.cancelled_at)
    return interview


@transaction.atomic
def offer_extend(
    *,
    submission: Submission,
    salary: int | None = None,
    at: datetime | None = None,
    by: User | None = None,
) -> Offer:
    _require_open(submission, "extend an offer")
    statuses = set(submission.offers.values_list("status", flat=True))
    if Offer.Status.EXTENDED in statuses:
        raise ValidationError("An offer is already waiting for an answer on this submission.")
    if Offer.Status.ACCEPTED in statuses:
        raise ValidationError("The candidate has accepted an offer: record the placement.")
    if salary is not None and not 0 <= salary <= MAX_SALARY:
        raise ValidationError({"salary": f"A salary is between 0 and {MAX_SALARY:,}."})
    at = require_aware(at, "at") or timezone.now()
    offer = Offer.objects.create(submission=submission, salary=salary, extended_at=at)
    if submission.stage != Stage.OFFER:
        _move(submission, Stage.OFFER, by=by, at=max(at, submission.stage_changed_at))
    return offer


# What happens to the submission when an offer is decided.
_STAGE_AFTER_OFFER = {
    Offer.Status.ACCEPTED: None,  # stays at "offer" until the placement is recorded
    Offer.Status.DECLINED: Stage.WITHDRAWN,
    Offer.Status.EXPIRED: Stage.WITHDRAWN,
    Offer.Status.RESCINDED: Stage.REJECTED,
}


@transaction.atomic
def offer_record_outcome(
    *,
    offer: Offer,
    status: str,
    decline_reason: str = "",
    note: str = "",
    at: datetime | None = None,
    by: User | None = None,
) -> Offer:
    if offer.status != Offer.Status.EXTENDED:
        raise ValidationError(f"This offer was already {offer.get_status_display().lower()}.")
    if status not in _STAGE_AFTER_OFFER:
        raise ValidationError({"status": "An offer is accepted, declined, rescinded or expires."})
    if status == Offer.Status.DECLINED and decline_reason not in Offer.DeclineReason.values:
        raise ValidationError({"decline_reason": "Say why the offer was declined (or “Unknown”)."})
    if status != Offer.Status.DECLINED and decline_reason:
        raise ValidationError({"decline_reason": "Only a declined offer has a decline reason."})
    if status == Offer.Status.ACCEPTED and not offer.submission.is_open:
        raise ValidationError(
            f"The submission is {offer.submission.get_stage_display().lower()}; "
            "its offer can no longer be accepted."
        )
    at = require_aware(at, "at") or timezone.now()
    if at < offer.extended_at:
        raise ValidationError({"at": "An offer can't be decided before it was extended."})
    offer.status, offer.decline_reason, offer.note, offer.decided_at = (
        status,
        decline_reason,
        note,
        at,
    )
    offer.save(update_fields=["status", "decline_reason", "note", "decided_at"])
    next_stage = _STAGE_AFTER_OFFER[status]
    submission = offer.submission
    if next_stage and submission.is_open:
        _move(submission, next_stage, by=by, at=max(at, submission.stage_changed_at))
    return offer


@transaction.atomic
def placement_record(
    *, submission: Submission, start_date: date, by: User | None = None, at: datetime | None = None
) -> Placement:
    if hasattr(submission, "placement"):
        raise ValidationError("This submission already has a placement.")
    if (
        submission.stage != Stage.OFFER
        or not submission.offers.filter(status=Offer.Status.ACCEPTED).exists()
    ):
        raise ValidationError("Record the accepted offer before the placement.")
    if submission.requisition.status == Requisition.Status.CLOSED:
        raise ValidationError(f"{submission.requisition.title} is closed.")
    at = at or timezone.now()
    placement = Placement.objects.create(
        submission=submission, start_date=start_date, created_at=at
    )
    _move(submission, Stage.HIRED, by=by, at=max(at, submission.stage_changed_at))
    upkeep.placement_changed(placement)
    requisition = submission.requisition
    if requisition.status == Requisition.Status.OPEN:
        requisition_close(requisition=requisition, status=Requisition.Status.FILLED, at=at, by=by)
    return placement


@transaction.atomic
def placement_record_fall_off(
    *, placement: Placement, fall_off_date: date, reason: str = ""
) -> Placement:
    if placement.fall_off_date is not None:
        raise ValidationError("This placement already fell off.")
    if fall_off_date < placement.start_date:
        raise ValidationError({"fall_off_date": "A placement can't fall off before it starts."})
    placement.fall_off_date, placement.fall_off_reason = fall_off_date, reason
    placement.save(update_fields=["fall_off_date", "fall_off_reason"])
    upkeep.placement_changed(placement)
    return placement
