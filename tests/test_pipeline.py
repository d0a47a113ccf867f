from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidly.people.models import Department
from candidly.people.services import company_create, hiring_manager_create
from candidly.pipeline.models import Interview, Offer, Placement, Stage, StageChange
from candidly.pipeline.services import (
    interview_cancel,
    interview_reschedule,
    interview_schedule,
    offer_extend,
    offer_record_outcome,
    placement_record,
    placement_record_fall_off,
    requisition_close,
    requisition_open,
    submission_advance,
    submission_create,
)


def _hours(n):
    return timezone.now() + timedelta(hours=n)


def test_stage_history_gives_exact_time_in_stage(submission, recruiter):
    t1 = submission.stage_changed_at + timedelta(days=2, hours=3)
    submission_advance(submission=submission, to_stage=Stage.SUBMITTED, by=recruiter, at=t1)
    t2 = t1 + timedelta(days=5)
    submission_advance(submission=submission, to_stage=Stage.INTERVIEWING, by=recruiter, at=t2)
    history = list(StageChange.objects.filter(submission=submission))
    assert [(h.from_stage, h.to_stage) for h in history] == [
        ("", "sourced"),
        ("sourced", "submitted"),
        ("submitted", "interviewing"),
    ]
    assert history[2].changed_at - history[1].changed_at == timedelta(days=5)
    submission.refresh_from_db()
    assert (submission.stage, submission.stage_changed_at) == ("interviewing", t2)


def test_a_stage_change_cannot_go_back_in_time(submission):
    with pytest.raises(ValidationError, match="earlier than the last one"):
        submission_advance(
            submission=submission,
            to_stage=Stage.SUBMITTED,
            at=submission.stage_changed_at - timedelta(hours=1),
        )


def test_a_candidate_is_in_a_requisition_once(submission, candidate, requisition):
    with pytest.raises(ValidationError, match="already in Backend Engineer"):
        submission_create(candidate=candidate, requisition=requisition)


def test_a_closed_requisition_takes_no_submissions(candidate, requisition):
    requisition_close(requisition=requisition)
    with pytest.raises(ValidationError, match="Backend Engineer is closed"):
        submission_create(candidate=candidate, requisition=requisition)


def test_an_interview_that_ends_before_it_starts_is_refused(submission):
    with pytest.raises(ValidationError) as exc:
        interview_schedule(
            submission=submission,
            kind="onsite",
            starts_at=_hours(48),
            ends_at=_hours(47),
            time_zone="America/New_York",
        )
    assert exc.value.message_dict == {"ends_at": ["The interview must end after it starts."]}
    assert not Interview.objects.exists()


def test_scheduling_an_interview_moves_the_submission_to_interviewing(submission):
    interview = interview_schedule(
        submission=submission,
        kind="video",
        starts_at=_hours(24),
        ends_at=_hours(25),
        time_zone="Europe/Berlin",
    )
    submission.refresh_from_db()
    assert submission.stage == Stage.INTERVIEWING
    interview_cancel(interview=interview)
    with pytest.raises(ValidationError, match="cancelled"):
        interview_cancel(interview=interview)


def test_an_offer_on_a_rejected_submission_is_refused(submission):
    submission_advance(submission=submission, to_stage=Stage.REJECTED)
    with pytest.raises(ValidationError, match="Jordan Ellis is rejected for Backend Engineer"):
        offer_extend(submission=submission, salary=150_000)
    assert not Offer.objects.exists()


def test_a_declined_offer_needs_a_reason_and_withdraws_the_candidate(submission):
    offer = offer_extend(submission=submission, salary=150_000)
    with pytest.raises(ValidationError, match="Say why"):
        offer_record_outcome(offer=offer, status=Offer.Status.DECLINED)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXTENDED
    offer_record_outcome(
        offer=offer,
        status=Offer.Status.DECLINED,
        decline_reason=Offer.DeclineReason.COUNTER_OFFER,
        note="Current employer matched.",
    )
    submission.refresh_from_db()
    assert submission.stage == Stage.WITHDRAWN
    with pytest.raises(ValidationError, match="already declined"):
        offer_record_outcome(offer=offer, status=Offer.Status.ACCEPTED)


def test_one_pending_offer_at_a_time(submission):
    offer_extend(submission=submission)
    with pytest.raises(ValidationError, match="already waiting"):
        offer_extend(submission=submission)


def test_a_placement_follows_an_accepted_offer_and_fills_the_requisition(submission, requisition):
    with pytest.raises(ValidationError, match="accepted offer before the placement"):
        placement_record(submission=submission, start_date=date.today())
    offer = offer_extend(submission=submission, salary=140_000)
    offer_record_outcome(offer=offer, status=Offer.Status.ACCEPTED)
    placement = placement_record(submission=submission, start_date=date.today())
    submission.refresh_from_db()
    requisition.refresh_from_db()
    assert submission.stage == Stage.HIRED
    assert requisition.status == "filled"
    with pytest.raises(ValidationError, match="fall off before it starts"):
        placement_record_fall_off(placement=placement, fall_off_date=date.today() - timedelta(1))
    placement_record_fall_off(placement=placement, fall_off_date=date.today() + timedelta(60))
    assert Placement.objects.get().fall_off_date is not None


def test_hired_is_reached_only_through_a_placement(submission):
    with pytest.raises(ValidationError, match="Record the placement"):
        submission_advance(submission=submission, to_stage=Stage.HIRED)


def test_the_database_refuses_what_the_services_refuse(submission):
    # The constraints hold even for writes that bypass the services.
    with pytest.raises(IntegrityError), transaction.atomic():
        Interview.objects.create(
            submission=submission,
            kind="phone",
            starts_at=_hours(2),
            ends_at=_hours(1),
            time_zone="UTC",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(submission=submission, status="accepted")  # no decided_at
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(submission=submission, decline_reason="personal")


def _accept(submission):
    offer = offer_extend(submission=submission, salary=120_000)
    return offer_record_outcome(offer=offer, status=Offer.Status.ACCEPTED)


def test_a_rejected_candidate_cannot_be_placed(submission):
    _accept(submission)
    submission_advance(submission=submission, to_stage=Stage.REJECTED)
    with pytest.raises(ValidationError, match="accepted offer before the placement"):
        placement_record(submission=submission, start_date=date.today())
    assert not Placement.objects.exists()


def test_no_new_offer_once_one_was_accepted(submission):
    _accept(submission)
    with pytest.raises(ValidationError, match="accepted an offer: record the placement"):
        offer_extend(submission=submission)


def test_a_candidate_with_an_offer_pending_cannot_be_turned_down(submission):
    offer_extend(submission=submission)
    with pytest.raises(ValidationError, match="waiting for an answer"):
        submission_advance(submission=submission, to_stage=Stage.REJECTED)
    submission.refresh_from_db()
    assert submission.stage == Stage.OFFER


def test_turning_a_candidate_down_cancels_their_coming_interviews(submission):
    coming = interview_schedule(
        submission=submission, kind="onsite", starts_at=_hours(48), ends_at=_hours(50),
        time_zone="UTC",
    )  # fmt: skip
    submission_advance(submission=submission, to_stage=Stage.WITHDRAWN)
    coming.refresh_from_db()
    assert coming.status == Interview.Status.CANCELLED


def test_an_interview_moves_when_rescheduled(submission):
    interview = interview_schedule(
        submission=submission, kind="phone", starts_at=_hours(24), ends_at=_hours(25),
        time_zone="UTC",
    )  # fmt: skip
    starts = _hours(30).replace(microsecond=0)
    interview_reschedule(interview=interview, starts_at=starts, ends_at=starts + timedelta(hours=1))
    interview.refresh_from_db()
    assert (interview.starts_at, interview.ends_at) == (starts, starts + timedelta(hours=1))


def test_a_time_without_a_zone_is_refused(submission):
    with pytest.raises(ValidationError, match="needs its time zone"):
        submission_advance(submission=submission, to_stage=Stage.SUBMITTED, at=datetime(2030, 1, 1))


def test_an_impossible_salary_is_refused(submission):
    with pytest.raises(ValidationError, match="salary"):
        offer_extend(submission=submission, salary=10**12)
    assert not Offer.objects.exists()


def test_a_requisition_keeps_to_its_company(manager, recruiter):
    other = company_create(name="Globex")
    hiring_manager_create(company=other, first_name="Hank", last_name="Scorpio")
    department = Department.objects.create(company=other, name="Volcano")
    with pytest.raises(ValidationError, match="Volcano is not part of Northwind Labs"):
        requisition_open(title="X", hiring_manager=manager, department=department)
