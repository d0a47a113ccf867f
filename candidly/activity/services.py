"""The one way an activity enters the ledger."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.lib.inserts import RowInsert
from candidly.lib.timeutil import require_aware
from candidly.obligations import upkeep
from candidly.people.models import Candidate, HiringManager
from candidly.pipeline.models import Interview, Submission

# A little slack for clocks that disagree; anything later has not happened yet.
FUTURE_SLACK = timedelta(minutes=5)


@transaction.atomic
def activity_log(
    *,
    recruiter: User,
    kind: str,
    direction: str,
    candidate: Candidate | None = None,
    hiring_manager: HiringManager | None = None,
    occurred_at: datetime | None = None,
    minutes: int | None = None,
    side: str | None = None,
    outcome: str = "",
    submission: Submission | None = None,
    interview: Interview | None = None,
    subject: str = "",
    body: str = "",
    source: str = "web",
    external_id: str | None = None,
    thread: str = "",
    automated: bool = False,
) -> Activity:
    """Record one activity, and open or meet the obligations it brings. With an
    `external_id` already recorded from the same `source`, return that row unchanged, so an
    import can be run again safely."""
    if external_id is not None:
        existing = Activity.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing
    if (candidate is None) == (hiring_manager is None):
        raise ValidationError("An activity is about exactly one person: a candidate or a manager.")
    if kind not in Activity.Kind.values:
        raise ValidationError({"kind": f"“{kind}” is not a kind of activity."})
    if outcome and kind != Activity.Kind.CALL:
        raise ValidationError({"outcome": "Only a call has an outcome."})
    occurred_at = require_aware(occurred_at, "occurred_at") or timezone.now()
    if occurred_at > timezone.now() + FUTURE_SLACK:
        raise ValidationError(
            {"occurred_at": "That time is in the future; log it once it happens."}
        )
    if minutes is None:
        minutes = Activity.DEFAULT_MINUTES[kind]
    if not 0 <= minutes <= 24 * 60:
        raise ValidationError({"minutes": "Minutes invested must be between 0 and 1440."})
    if interview is not None:
        if candidate is None:
            raise ValidationError("Only an activity with a candidate can be about an interview.")
        if interview.status == Interview.Status.CANCELLED:
            raise ValidationError({"interview": "That interview was cancelled."})
        submission = submission or interview.submission
        if interview.submission_id != submission.pk:
            raise ValidationError({"interview": "That interview belongs to another submission."})
    if submission is not None:
        if candidate is not None and submission.candidate_id != candidate.pk:
            raise ValidationError({"submission": "That submission belongs to another candidate."})
        if hiring_manager is not None and (
            submission.requisition.hiring_manager_id != hiring_manager.pk
        ):
            raise ValidationError({"submission": "That candidate was not submitted to them."})
    if side is None:
        side = Activity.Side.CANDIDATE if candidate else Activity.Side.HIRING_MANAGER
    activity = Activity(
        recruiter=recruiter,
        kind=kind,
        direction=direction,
        outcome=outcome,
        candidate=candidate,
        hiring_manager=hiring_manager,
        occurred_at=occurred_at,
        minutes=minutes,
        side=side,
        submission=submission,
        interview=interview,
        subject=subject.strip(),
        body=body.strip(),
        source=source,
        external_id=external_id,
        thread=thread.strip(),
        automated=automated,
    )
    activity.full_clean(validate_constraints=False)
    _store(activity, upkeep.activity_upkeep(activity))
    return activity


_INSERT = RowInsert(Activity)


def _store(activity: Activity, step: upkeep.Upkeep | upkeep.CheckIns | None) -> None:
    """Insert the activity and run its upkeep: in one statement where the database allows,
    which on PostgreSQL saves a round trip on every call, email and prep logged."""
    insert = _INSERT.sql(returning="id"), _INSERT.values(activity)
    joined = step.storing(*insert) if step is not None else None
    with connection.cursor() as cursor:
        cursor.execute(*(joined or insert))
        activity.pk = cursor.fetchone()[0]
    activity._state.adding = False
    activity._state.db = connection.alias
    if step is not None and joined is None:
        step.run(activity.pk)
