"""Every kind of obligation: opened by the services that record facts, met, late, missed and
waived, with due times in the team's business time."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from candidly.accounts.models import Team
from candidly.activity.services import activity_log
from candidly.obligations.models import Obligation, ServiceLevel
from candidly.obligations.rebuild import obligations_rebuild
from candidly.obligations.selectors import today_queue
from candidly.obligations.services import obligation_waive
from candidly.people.services import candidate_create
from candidly.pipeline.services import (
    interview_cancel,
    interview_reschedule,
    interview_schedule,
    offer_extend,
    offer_record_outcome,
    placement_record,
    placement_record_fall_off,
    requisition_close,
    submission_advance,
    submission_create,
)

NY = ZoneInfo("America/New_York")


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


# Wednesday 4 November 2026, mid-morning in New York (the default team zone in tests).
WED = ny(2026, 11, 4, 10, 0)


@pytest.fixture
def early(candidate, requisition):
    """A submission made in October, before everything these tests record."""
    return submission_create(candidate=candidate, requisition=requisition,
                             at=ny(2026, 10, 1, 10, 0))  # fmt: skip


def only(**filters) -> Obligation:
    return Obligation.objects.get(**filters)


def log(recruiter, candidate=None, **kw):
    return activity_log(recruiter=recruiter, candidate=candidate, **kw)


# --- callbacks ------------------------------------------------------------------------------


def test_a_voicemail_is_owed_a_callback_within_four_business_hours(recruiter, candidate):
    vm = log(recruiter, candidate, kind="voicemail", direction="inbound", occurred_at=WED)
    owed = only(kind="callback")
    assert (owed.owner, owed.candidate, owed.activity, owed.state) == (
        recruiter, candidate, vm, "open",
    )  # fmt: skip
    assert owed.due_at == ny(2026, 11, 4, 14, 0)

    call = log(recruiter, candidate, kind="call", direction="outbound", outcome="connected",
               occurred_at=WED + timedelta(hours=2))  # fmt: skip
    owed.refresh_from_db()
    assert (owed.state, owed.met_by, owed.outcome()) == ("met", call, "on_time")


def test_a_late_afternoon_call_is_due_the_next_morning_and_a_friday_one_on_monday(
    recruiter, candidate
):
    log(recruiter, candidate, kind="call", direction="inbound", outcome="no_answer",
        occurred_at=ny(2026, 11, 4, 16, 0))  # fmt: skip
    log(recruiter, candidate, kind="call", direction="inbound", outcome="voicemail_left",
        occurred_at=ny(2026, 11, 6, 15, 30))  # fmt: skip
    dues = list(Obligation.objects.order_by("opened_at").values_list("due_at", flat=True))
    assert dues == [ny(2026, 11, 5, 12, 0), ny(2026, 11, 9, 11, 30)]


def test_an_answered_call_owes_nothing_and_an_unanswered_callback_does_not_count(
    recruiter, candidate
):
    log(recruiter, candidate, kind="call", direction="inbound", outcome="connected",
        occurred_at=WED)  # fmt: skip
    assert not Obligation.objects.exists()
    log(recruiter, candidate, kind="voicemail", direction="inbound", occurred_at=WED)
    log(recruiter, candidate, kind="call", direction="outbound", outcome="no_answer",
        occurred_at=WED + timedelta(hours=1))  # fmt: skip
    log(recruiter, candidate, kind="email", direction="outbound",
        occurred_at=WED + timedelta(hours=1))  # fmt: skip
    assert only(kind="callback").state == "open"
    assert only(kind="callback").outcome(now=WED + timedelta(days=1)) == "missed"


def test_a_team_can_count_an_email_as_a_callback(recruiter, candidate):
    team = Team.objects.create(name="East")
    recruiter.team = team
    recruiter.save()
    ServiceLevel.objects.create(team=team, callback_met_by_email_or_text=True)
    log(recruiter, candidate, kind="voicemail", direction="inbound", occurred_at=WED)
    text = log(recruiter, candidate, kind="text", direction="outbound",
               occurred_at=WED + timedelta(minutes=30))  # fmt: skip
    assert only(kind="callback").met_by == text


def test_a_callback_logged_after_the_fact_meets_it_late(recruiter, candidate):
    log(recruiter, candidate, kind="voicemail", direction="inbound", occurred_at=WED)
    call = log(recruiter, candidate, kind="call", direction="outbound", outcome="voicemail_left",
               occurred_at=WED + timedelta(days=2))  # fmt: skip
    earlier = log(recruiter, candidate, kind="meeting", direction="outbound",
                  occurred_at=WED + timedelta(days=1))  # fmt: skip
    owed = only(kind="callback")
    assert owed.met_by == earlier != call  # the earliest answer counts
    assert owed.outcome() == "late"


def test_an_answer_recorded_before_the_question_meets_it_when_the_question_arrives(
    recruiter, candidate
):
    call = log(recruiter, candidate, kind="call", direction="outbound", outcome="connected",
               occurred_at=WED + timedelta(hours=1))  # fmt: skip
    log(recruiter, candidate, kind="voicemail", direction="inbound", occurred_at=WED)
    assert only(kind="callback").met_by == call


# --- replies --------------------------------------------------------------------------------


def test_an_email_is_owed_a_reply_within_a_business_day_in_its_thread(recruiter, candidate):
    log(recruiter, candidate, kind="email", direction="inbound", occurred_at=WED,
        subject="Question", thread="<a@x>")  # fmt: skip
    log(recruiter, candidate, kind="email", direction="inbound", occurred_at=WED,
        automated=True, subject="Out of office")  # fmt: skip
    owed = only(kind="reply")
    assert owed.due_at == ny(2026, 11, 5, 10, 0)
    log(recruiter, candidate, kind="email", direction="outbound", thread="<other@x>",
        occurred_at=WED + timedelta(hours=1))  # fmt: skip
    assert only(kind="reply").state == "open"
    log(recruiter, candidate, kind="email", direction="outbound", thread="<a@x>",
        automated=True, occurred_at=WED + timedelta(minutes=90))  # fmt: skip
    assert only(kind="reply").state == "open"  # the recruiter's auto-reply answers nothing
    reply = log(recruiter, candidate, kind="email", direction="outbound", thread="<a@x>",
                occurred_at=WED + timedelta(hours=2))  # fmt: skip
    assert only(kind="reply").met_by == reply


# --- interview prep -------------------------------------------------------------------------


def _interview(submission, kind, starts, *, booked=WED):
    return interview_schedule(submission=submission, kind=kind, starts_at=starts,
                              ends_at=starts + timedelta(hours=1), time_zone="America/Chicago",
                              at=booked)  # fmt: skip


def test_prep_is_due_two_hours_before_a_phone_interview_and_a_day_before_an_onsite(
    early, recruiter, candidate
):
    submission = early
    phone = _interview(submission, "video", ny(2026, 11, 10, 15, 0))
    onsite = _interview(submission, "onsite", ny(2026, 11, 12, 9, 0))
    assert only(interview=phone).kind == "phone_prep"
    assert only(interview=phone).due_at == ny(2026, 11, 10, 13, 0)
    assert only(interview=onsite).kind == "onsite_prep"
    assert only(interview=onsite).due_at == ny(2026, 11, 11, 9, 0)

    prep = log(recruiter, candidate, kind="prep", direction="outbound", interview=phone,
               occurred_at=WED + timedelta(hours=3))  # fmt: skip
    assert only(interview=phone).met_by == prep
    assert only(interview=onsite).state == "open"  # prep is per interview


def test_prep_after_the_interview_has_started_does_not_count_and_leaves_the_queue(
    early, recruiter, candidate
):
    interview = _interview(early, "phone", ny(2026, 11, 10, 15, 0))
    log(recruiter, candidate, kind="prep", direction="outbound", interview=interview,
        occurred_at=ny(2026, 11, 10, 15, 30))  # fmt: skip
    owed = only(interview=interview)
    assert (owed.state, owed.closes_at) == ("open", ny(2026, 11, 10, 15, 0))
    assert owed.outcome() == "missed"
    assert today_queue(recruiter.pk).overdue_count == 0  # nothing left to do about it
    # Moved to later that day, the same session came before it after all.
    interview_reschedule(interview=interview, starts_at=ny(2026, 11, 10, 16, 0),
                         ends_at=ny(2026, 11, 10, 17, 0))  # fmt: skip
    assert only(interview=interview).outcome() == "late"
    # And back: it no longer counts.
    interview_reschedule(interview=interview, starts_at=ny(2026, 11, 10, 15, 0),
                         ends_at=ny(2026, 11, 10, 16, 0))  # fmt: skip
    assert only(interview=interview).state == "open"


def test_rescheduling_moves_the_prep_and_cancelling_waives_it(early):
    submission = early
    interview = _interview(submission, "phone", ny(2026, 11, 10, 15, 0))
    interview_reschedule(interview=interview, starts_at=ny(2026, 11, 11, 15, 0),
                         ends_at=ny(2026, 11, 11, 16, 0))  # fmt: skip
    assert only(interview=interview).due_at == ny(2026, 11, 11, 13, 0)
    interview_cancel(interview=interview)
    owed = only(interview=interview)
    assert (owed.state, owed.waive_reason) == ("waived", "Interview cancelled")


# --- close the loop, feedback ---------------------------------------------------------------


def test_a_rejection_owes_the_candidate_a_personal_word_within_two_business_days(
    early, recruiter, candidate
):
    submission = early
    submission_advance(submission=submission, to_stage="rejected", at=ny(2026, 11, 6, 16, 0))
    owed = only(kind="close_loop")
    assert (owed.candidate, owed.submission) == (candidate, submission)
    assert owed.due_at == ny(2026, 11, 10, 16, 0)  # Friday → Tuesday, over the weekend
    log(recruiter, candidate, kind="text", direction="outbound",
        occurred_at=ny(2026, 11, 6, 17, 0))  # fmt: skip
    assert only(kind="close_loop").state == "open"  # a text is not personal enough
    email = log(recruiter, candidate, kind="email", direction="outbound",
                occurred_at=ny(2026, 11, 9, 9, 0))  # fmt: skip
    assert only(kind="close_loop").met_by == email


def test_closing_an_opening_turns_down_everyone_still_in_it(requisition, candidate, recruiter):
    other = candidate_create(first_name="Sam", last_name="Lee", owner=recruiter)
    for person in (candidate, other):
        submission_create(candidate=person, requisition=requisition, at=WED - timedelta(days=5))
    requisition_close(requisition=requisition, at=WED)
    assert set(requisition.submissions.values_list("stage", flat=True)) == {"rejected"}
    assert Obligation.objects.filter(kind="close_loop").count() == 2


def test_a_submittal_owes_us_the_managers_feedback(candidate, requisition, manager, recruiter):
    submission = submission_create(candidate=candidate, requisition=requisition,
                                   stage="submitted", at=WED)  # fmt: skip
    owed = only(kind="feedback")
    assert (owed.hiring_manager, owed.owner, owed.submission) == (manager, recruiter, submission)
    assert owed.due_at == ny(2026, 11, 6, 10, 0)
    feedback = activity_log(recruiter=recruiter, hiring_manager=manager, kind="email",
                            direction="inbound", occurred_at=ny(2026, 11, 9, 8, 0))  # fmt: skip
    owed.refresh_from_db()
    assert (owed.met_by, owed.outcome()) == (feedback, "late")


# --- check-ins ------------------------------------------------------------------------------


def _placed(submission, start: date):
    offer = offer_extend(submission=submission, at=ny(2026, 6, 1, 10, 0))
    offer_record_outcome(offer=offer, status="accepted", at=ny(2026, 6, 2, 10, 0))
    return placement_record(submission=submission, start_date=start, at=ny(2026, 6, 3, 10, 0))


def test_a_placement_is_checked_in_on_after_a_week_a_month_a_quarter_and_yearly(
    candidate, requisition, recruiter
):
    submission = submission_create(candidate=candidate, requisition=requisition,
                                   at=ny(2026, 5, 1, 10, 0))  # fmt: skip
    placement = _placed(submission, date(2026, 6, 15))
    steps = list(Obligation.objects.filter(placement=placement).values_list("step", "due_at"))
    assert steps[:4] == [
        (1, ny(2026, 6, 22, 17, 0)),
        (2, ny(2026, 7, 15, 17, 0)),
        (3, ny(2026, 9, 14, 17, 0)),  # 13 September is a Sunday
        (4, ny(2027, 6, 15, 17, 0)),
    ]
    # Each opens when the one before falls due: all are due but the last (in late 2026, the
    # year's; each anniversary since then has opened the next).
    now = timezone.now()
    assert all(due <= now for _, due in steps[:-1]) and steps[-1][1] > now
    first = log(recruiter, candidate, kind="check_in", direction="outbound",
                occurred_at=ny(2026, 6, 20, 11, 0))  # fmt: skip
    second = log(recruiter, candidate, kind="check_in", direction="outbound",
                 occurred_at=ny(2026, 8, 1, 11, 0))  # fmt: skip
    states = dict(Obligation.objects.filter(placement=placement).values_list("step", "met_by"))
    # The August call was late for the month's check-in and on time for the quarter's.
    assert states == {1: first.pk, 2: second.pk, 3: second.pk} | {s: None for s, _ in steps[3:]}
    assert only(placement=placement, step=2).outcome() == "late"
    assert only(placement=placement, step=3).outcome() == "on_time"


def test_a_placement_that_ends_owes_no_more_check_ins(candidate, requisition, recruiter):
    submission = submission_create(candidate=candidate, requisition=requisition,
                                   at=ny(2026, 5, 1, 10, 0))  # fmt: skip
    placement = _placed(submission, date(2026, 6, 15))
    placement_record_fall_off(placement=placement, fall_off_date=date(2026, 8, 1))
    rows = dict(Obligation.objects.filter(placement=placement).values_list("step", "state"))
    assert rows == {1: "open", 2: "open", 3: "waived"}  # missed the first two; no yearly one


# --- waivers --------------------------------------------------------------------------------


def test_a_waiver_needs_a_reason_and_only_the_owner_or_their_lead_may_give_it(
    recruiter, other_recruiter, lead, candidate
):
    log(recruiter, candidate, kind="voicemail", direction="inbound", occurred_at=WED)
    owed = only(kind="callback")
    with pytest.raises(ValidationError, match="Say why"):
        obligation_waive(obligation=owed, by=recruiter, reason="  ")
    with pytest.raises(PermissionDenied):
        obligation_waive(obligation=owed, by=other_recruiter, reason="Not mine")
    team = Team.objects.create(name="East", lead=other_recruiter)
    recruiter.team = team
    recruiter.save()
    owed.refresh_from_db()
    waived = obligation_waive(obligation=owed, by=other_recruiter, reason="Wrong number")
    assert (waived.state, waived.waive_reason, waived.waived_by) == (
        "waived", "Wrong number", other_recruiter,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already waived"):
        obligation_waive(obligation=owed, by=lead, reason="Again")


def test_a_waived_obligation_is_not_met_later_and_survives_a_rebuild(recruiter, candidate):
    log(recruiter, candidate, kind="voicemail", direction="inbound", occurred_at=WED)
    obligation_waive(obligation=only(kind="callback"), by=recruiter, reason="Spam caller")
    log(recruiter, candidate, kind="call", direction="outbound", outcome="connected",
        occurred_at=WED + timedelta(hours=1))  # fmt: skip
    assert only(kind="callback").state == "waived"
    obligations_rebuild()
    owed = only(kind="callback")
    assert (owed.state, owed.waive_reason, owed.waived_by) == ("waived", "Spam caller", recruiter)


def test_a_refused_activity_opens_nothing(recruiter, candidate, early):
    submission = early
    interview = _interview(submission, "phone", ny(2026, 11, 10, 15, 0))
    interview_cancel(interview=interview)
    with pytest.raises(ValidationError, match="cancelled"):
        log(recruiter, candidate, kind="prep", direction="outbound", interview=interview)
    before = Obligation.objects.count()
    with pytest.raises(ValidationError):
        log(recruiter, candidate, kind="voicemail", direction="inbound", minutes=5000)
    assert Obligation.objects.count() == before


def test_an_activity_and_what_it_opens_or_meets_are_written_together(candidate, recruiter):
    """On PostgreSQL the activity's INSERT carries its upkeep (one statement, one round trip
    to the server); SQLite, which has no round trips, runs the two one after the other."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def log(**fields):
        """The activity logged, and the statements that wrote (INSERT, UPDATE or WITH)."""
        with CaptureQueriesContext(connection) as run:
            activity = activity_log(recruiter=recruiter, candidate=candidate, **fields)
        statements = [q["sql"].split(None, 1)[0].upper() for q in run.captured_queries]
        return activity, [s for s in statements if s in ("INSERT", "UPDATE", "WITH")]

    voicemail, written = log(kind="voicemail", direction="inbound", occurred_at=WED)
    owed = Obligation.objects.get(activity=voicemail)
    assert (owed.key, owed.kind, owed.state) == (f"callback:a{voicemail.pk}", "callback", "open")
    call, written_too = log(
        kind="call", direction="outbound", outcome="connected", occurred_at=WED + timedelta(hours=1)
    )
    owed.refresh_from_db()
    assert (owed.state, owed.met_by_id, owed.met_at) == ("met", call.pk, call.occurred_at)
    together = connection.vendor == "postgresql"
    assert len(written) == len(written_too) == (1 if together else 2)
    # What the service returns is the stored row, as saving it would have left it.
    note, written = log(kind="note", direction="internal", body="Prefers mornings")
    assert written == ["INSERT"] and not note._state.adding
    note.body = "Prefers mornings, not Mondays"
    note.save()
    assert note.__class__.objects.get(pk=note.pk).body == "Prefers mornings, not Mondays"
