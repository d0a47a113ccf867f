from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.activity.selectors import candidate_timeline
from candidly.activity.services import activity_log
from candidly.people.services import candidate_create, hiring_manager_create
from candidly.pipeline.models import Offer
from candidly.pipeline.services import (
    interview_schedule,
    offer_extend,
    offer_record_outcome,
    submission_create,
)


def test_minutes_and_side_default_from_the_kind_and_person(candidate, manager, recruiter):
    call = activity_log(recruiter=recruiter, candidate=candidate, kind="call", direction="outbound")
    meeting = activity_log(
        recruiter=recruiter, hiring_manager=manager, kind="meeting", direction="outbound"
    )
    assert (call.minutes, call.side) == (10, "candidate")
    assert (meeting.minutes, meeting.side) == (45, "hiring_manager")


def test_an_import_can_run_twice_without_adding_anything(candidate, recruiter):
    kwargs = dict(
        recruiter=recruiter,
        candidate=candidate,
        kind="email",
        direction="inbound",
        source="imap",
        external_id="<abc@mail.example>",
    )
    first = activity_log(**kwargs)
    again = activity_log(**kwargs)
    assert first.pk == again.pk
    assert Activity.objects.count() == 1


def test_an_activity_is_about_exactly_one_person(candidate, manager, recruiter):
    with pytest.raises(ValidationError, match="exactly one person"):
        activity_log(
            recruiter=recruiter,
            candidate=candidate,
            hiring_manager=manager,
            kind="call",
            direction="outbound",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            recruiter=recruiter, kind="call", direction="outbound", minutes=1, side="candidate"
        )


def test_the_future_cannot_be_logged(candidate, recruiter):
    with pytest.raises(ValidationError, match="in the future"):
        activity_log(
            recruiter=recruiter,
            candidate=candidate,
            kind="call",
            direction="outbound",
            occurred_at=timezone.now() + timedelta(hours=2),
        )


def test_only_calls_have_an_outcome(candidate, recruiter):
    with pytest.raises(ValidationError, match="Only a call"):
        activity_log(
            recruiter=recruiter,
            candidate=candidate,
            kind="email",
            direction="outbound",
            outcome="connected",
        )


def test_a_prep_session_links_to_the_interview_of_that_candidate(candidate, submission, recruiter):
    interview = interview_schedule(
        submission=submission,
        kind="onsite",
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=3),
        time_zone="America/New_York",
    )
    prep = activity_log(
        recruiter=recruiter,
        candidate=candidate,
        kind="prep",
        direction="outbound",
        interview=interview,
    )
    assert prep.submission == submission
    someone_else = candidate_create(first_name="Other", last_name="Person")
    with pytest.raises(ValidationError, match="another candidate"):
        activity_log(
            recruiter=recruiter,
            candidate=someone_else,
            kind="prep",
            direction="outbound",
            interview=interview,
        )


def test_the_timeline_holds_everything_newest_first(candidate, requisition, recruiter):
    now = timezone.now()
    submission = submission_create(
        candidate=candidate, requisition=requisition, at=now - timedelta(days=9)
    )
    activity_log(
        recruiter=recruiter,
        candidate=candidate,
        kind="voicemail",
        direction="inbound",
        occurred_at=now - timedelta(days=8),
        body="Please call me back about the role",
    )
    interview_schedule(
        submission=submission,
        kind="phone",
        starts_at=now - timedelta(days=6),
        ends_at=now - timedelta(days=6) + timedelta(minutes=30),
        time_zone="America/Chicago",
        at=now - timedelta(days=7),
    )
    offer = offer_extend(submission=submission, salary=150_000, at=now - timedelta(days=3))
    offer_record_outcome(
        offer=offer,
        status=Offer.Status.DECLINED,
        decline_reason=Offer.DeclineReason.ANOTHER_OFFER,
        at=now - timedelta(days=1),
    )
    titles = [e.title for e in candidate_timeline(candidate)]
    assert titles == [
        "Withdrawn: Backend Engineer",
        "Offer declined: Backend Engineer",
        "Offer: Backend Engineer",
        "Offer extended: Backend Engineer",
        "Phone interview: Backend Engineer",
        "Interviewing: Backend Engineer",
        "Inbound voicemail",
        "Sourced: Backend Engineer",
    ]


def test_a_manager_speaks_only_about_candidates_submitted_to_them(
    manager, company, submission, recruiter
):
    feedback = activity_log(
        recruiter=recruiter, hiring_manager=manager, kind="call", direction="inbound",
        outcome="connected", submission=submission,
    )  # fmt: skip
    assert feedback.submission == submission
    stranger = hiring_manager_create(company=company, first_name="Pat", last_name="Other")
    with pytest.raises(ValidationError, match="was not submitted to them"):
        activity_log(recruiter=recruiter, hiring_manager=stranger, kind="call",
                     direction="inbound", submission=submission)  # fmt: skip
    starts = timezone.now() + timedelta(days=2)
    interview = interview_schedule(submission=submission, kind="phone", starts_at=starts,
                                   ends_at=starts + timedelta(minutes=30),
                                   time_zone="America/New_York")  # fmt: skip
    with pytest.raises(ValidationError, match="Only an activity with a candidate"):
        activity_log(recruiter=recruiter, hiring_manager=manager, kind="note",
                     direction="internal", interview=interview)  # fmt: skip


def test_the_ledger_refuses_impossible_rows_even_past_the_service(candidate, recruiter):
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(recruiter=recruiter, candidate=candidate, kind="email",
                                direction="outbound", outcome="connected", minutes=5,
                                side="candidate")  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(recruiter=recruiter, candidate=candidate, kind="call",
                                direction="outbound", minutes=5000, side="candidate")  # fmt: skip
