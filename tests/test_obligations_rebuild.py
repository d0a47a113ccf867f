"""Upkeep (one event at a time) and rebuild (everything at once) must agree exactly, for any
sequence of recorded facts, recorded in any order."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from candidly.accounts.models import Team, User
from candidly.activity.services import activity_log
from candidly.obligations import rules, upkeep
from candidly.obligations.models import Obligation, ServiceLevel
from candidly.obligations.rebuild import obligations_rebuild
from candidly.obligations.services import obligation_waive
from candidly.people.services import candidate_create, company_create, hiring_manager_create
from candidly.pipeline.models import Interview, Placement, Submission
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

FIELDS = [
    f.attname for f in Obligation._meta.concrete_fields if f.attname not in ("id",)
]  # every column but the id

EVENTS = [
    "activity", "activity", "activity", "activity", "manager_activity", "submit", "advance",
    "interview", "reschedule", "cancel", "offer", "place", "fall_off", "waive", "close",
]  # fmt: skip
KINDS = ["call", "voicemail", "email", "text", "meeting", "prep", "check_in", "note"]
OUTCOMES = ["connected", "no_answer", "voicemail_left", ""]
THREADS = ["", "<t1@x>", "<t2@x>"]

event = st.tuples(
    st.sampled_from(EVENTS),
    st.integers(0, 2),  # which person / submission
    # minutes after the start of the story: mostly within a month, sometimes over a year
    st.one_of(st.integers(0, 60 * 24 * 30), st.integers(0, 60 * 24 * 400)),
    st.integers(0, 11),  # a variant: kind, stage…
    st.integers(0, 5),  # another: direction, thread, outcome…
)


def snapshot() -> list[tuple]:
    return sorted(Obligation.objects.values_list(*FIELDS))


class Story:
    """A small agency and a random sequence of things happening to it."""

    def __init__(self, now):
        self.now = now
        self.start = now - timedelta(days=420)
        rules.forget_policies()  # ids of rolled-back teams come round again
        team = Team.objects.create(name="T")
        ServiceLevel.objects.create(team=team, callback_met_by_email_or_text=True)
        self.alex = User.objects.create_user("alex-p", team=team)
        self.blair = User.objects.create_user("blair-p")  # default service levels
        company = company_create(name="Acme")
        self.manager = hiring_manager_create(company=company, first_name="M", last_name="M")
        self.reqs = [
            requisition_open(title=f"Role {i}", hiring_manager=self.manager,
                             recruiter=self.alex if i else None, opened_at=self.start)
            for i in range(2)
        ]  # fmt: skip
        self.people = [
            candidate_create(first_name=f"C{i}", last_name="X",
                             owner=self.blair if i == 2 else self.alex)
            for i in range(3)
        ]  # fmt: skip

    def at(self, minutes):
        return min(self.start + timedelta(minutes=minutes), self.now)

    def subs(self):
        return list(Submission.objects.order_by("pk"))

    def play(self, name, who, minutes, variant, detail=0):
        at = self.at(minutes)
        person = self.people[who]
        subs = self.subs()
        sub = subs[who % len(subs)] if subs else None
        if name == "activity":
            kind = KINDS[variant % len(KINDS)]
            direction = ["inbound", "outbound"][detail % 2] if kind != "note" else "internal"
            interview = None
            if kind == "prep":
                interview = (
                    Interview.objects.filter(submission__candidate=person, status="scheduled")
                    .order_by("pk")
                    .first()
                )
            activity_log(
                recruiter=self.alex, candidate=person, kind=kind, direction=direction,
                outcome=OUTCOMES[detail % 4] if kind == "call" else "", occurred_at=at,
                thread=THREADS[detail // 2] if kind == "email" else "",
                automated=kind == "email" and variant == 10, interview=interview,
            )  # fmt: skip
        elif name == "manager_activity":
            activity_log(
                recruiter=self.alex, hiring_manager=self.manager,
                kind=["email", "call", "meeting", "note", "voicemail"][variant % 5],
                direction=["inbound", "outbound"][detail % 2], occurred_at=at,
                submission=sub if variant > 6 and sub else None,
            )  # fmt: skip
        elif name == "submit":
            submission_create(candidate=person, requisition=self.reqs[variant % 2],
                              stage=["sourced", "submitted"][variant % 2], at=at)  # fmt: skip
        elif name == "advance" and sub:
            stage = ["submitted", "interviewing", "rejected", "withdrawn"][variant % 4]
            submission_advance(submission=sub, to_stage=stage, at=max(at, sub.stage_changed_at))
        elif name == "interview" and sub:
            starts = self.start + timedelta(minutes=minutes + 60 * 24 * 3)
            interview_schedule(submission=sub, kind=["phone", "video", "onsite"][variant % 3],
                               starts_at=starts, ends_at=starts + timedelta(hours=1),
                               time_zone="Europe/Berlin", at=at)  # fmt: skip
        elif name == "reschedule":
            interview = Interview.objects.filter(status="scheduled").order_by("pk").first()
            if interview:
                starts = interview.starts_at + timedelta(hours=variant - 5)
                interview_reschedule(interview=interview, starts_at=starts,
                                     ends_at=starts + timedelta(hours=1))  # fmt: skip
        elif name == "cancel":
            interview = Interview.objects.filter(status="scheduled").order_by("-pk").first()
            if interview:
                interview_cancel(interview=interview)
        elif name == "offer" and sub:
            offer = offer_extend(submission=sub, at=max(at, sub.stage_changed_at))
            offer_record_outcome(offer=offer, status=["accepted", "declined"][variant % 2],
                                 decline_reason="" if variant % 2 == 0 else "compensation",
                                 at=offer.extended_at + timedelta(days=1))  # fmt: skip
        elif name == "place" and sub:
            placement_record(submission=sub, start_date=at.date() + timedelta(days=variant),
                             at=max(at, sub.stage_changed_at))  # fmt: skip
        elif name == "fall_off":
            placement = Placement.objects.filter(fall_off_date=None).order_by("pk").first()
            if placement:
                placement_record_fall_off(
                    placement=placement,
                    fall_off_date=placement.start_date + timedelta(days=variant * 20),
                )
        elif name == "waive":
            owed = Obligation.objects.filter(state="open").order_by("pk")[variant : variant + 1]
            for o in owed:
                obligation_waive(obligation=o, by=self.alex if o.owner == self.alex else
                                 User.objects.get(pk=o.owner_id), reason=f"Because {variant}",
                                 at=at)  # fmt: skip
        elif name == "close":
            requisition_close(requisition=self.reqs[variant % 2], at=at)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(event, min_size=10, max_size=60))
# Stories worth telling every run: a reply in another thread; an answer logged before the
# question; a check-in after the placement ended; a cancelled interview's prep; a waived
# prep whose interview then moves.
@example([("activity", 0, 10, 2, 2), ("activity", 0, 20, 2, 5), ("activity", 0, 30, 2, 3)])
@example([("activity", 1, 50, 0, 1), ("activity", 1, 40, 1, 0), ("activity", 1, 45, 0, 3)])
@example(
    [
        ("submit", 0, 0, 0, 0),
        ("offer", 0, 10, 0, 0),
        ("place", 0, 20, 0, 0),
        ("fall_off", 0, 0, 2, 0),
        ("activity", 0, 60 * 24 * 60, 6, 1),
        ("activity", 0, 60 * 24 * 10, 6, 1),
    ]
)
@example(
    [
        ("submit", 1, 0, 1, 0),
        ("interview", 1, 10, 0, 0),
        ("activity", 1, 20, 5, 1),
        ("interview", 1, 30, 2, 0),
        ("cancel", 0, 0, 0, 0),
        ("advance", 1, 40, 2, 0),
        ("manager_activity", 0, 60 * 24 * 5, 7, 0),
    ]
)
@example([("submit", 0, 0, 0, 0), ("interview", 0, 10, 0, 0), ("waive", 0, 20, 0, 0),
          ("reschedule", 0, 0, 2, 0)])  # fmt: skip
def test_rebuild_arrives_at_exactly_what_upkeep_kept(events):
    now = timezone.now()
    with transaction.atomic():
        story = Story(now)
        for played in events:
            try:
                with transaction.atomic():
                    story.play(*played)
            except ValidationError:
                pass  # refused: recorded nothing, changed nothing
        # The periodic runner adds check-ins whose window has opened since.
        upkeep.sync_check_ins(Placement.objects.values_list("pk", flat=True), now=now)
        kept = snapshot()
        obligations_rebuild(now=now)
        rebuilt = snapshot()
        assert rebuilt == kept
        transaction.set_rollback(True)


def test_the_story_opens_every_kind_of_obligation(db):
    """The property above is only as good as its stories: one that touches every kind."""
    story = Story(timezone.now())
    plays = [
        ("activity", 0, 60, 1), ("activity", 0, 120, 2), ("submit", 0, 200, 1),
        ("manager_activity", 0, 400, 0), ("interview", 0, 500, 0), ("interview", 0, 600, 2),
        ("activity", 0, 700, 5), ("offer", 0, 800, 0), ("place", 0, 900, 0),
        ("submit", 1, 1000, 0), ("advance", 1, 1100, 2),
    ]  # fmt: skip
    for play in plays:
        story.play(*play)
    kinds = set(Obligation.objects.values_list("kind", flat=True))
    assert kinds == set(Obligation.Kind.values)
    assert date.today() > story.start.date()
