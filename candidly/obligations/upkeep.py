"""Obligations opened and met as facts are recorded, one event at a time.

Called explicitly by the services that record activities, interviews, stage changes and
placements, inside their transaction. Nothing here calls those services back.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.lib.compiled import Compiled, word
from candidly.lib.inserts import RowInsert
from candidly.obligations import rules
from candidly.obligations.models import Obligation, ServiceLevel
from candidly.pipeline.models import Interview, Placement, Stage, Submission

K = Obligation.Kind
S = Obligation.State
A = Activity.Kind

OBLIGATIONS = Obligation._meta.db_table
USERS = User._meta.db_table
LEVELS = ServiceLevel._meta.db_table


def thread_matches(thread: str, *, field: str = "thread") -> Q:
    """A reply answers an email in the same thread, or any email when a thread is unknown."""
    if not thread:
        return Q()
    return Q(**{field: ""}) | Q(**{field: thread})


def activity_recorded(activity: Activity) -> None:
    """Open what a stored inbound activity asks for, and meet what an outbound one answers."""
    step = activity_upkeep(activity)
    if step is not None:
        step.run(activity.pk)


# An activity's upkeep is one statement that names the activity's id as NEW, the id of a row
# `new` beside it. It runs once the activity is stored, or, on PostgreSQL, inside the
# statement that stores it: a round trip to the server cost more than the upkeep's own work.
NEW = "(SELECT id FROM new)"


class Upkeep(NamedTuple):
    """One statement opening or meeting obligations."""

    ctes: tuple[str, ...]  # the named subqueries it reads ("answer AS (…)")
    sql: str  # one INSERT or UPDATE
    params: list  # the subqueries' then the statement's

    def run(self, activity_id: int | None = None) -> None:
        """Run it for an activity already stored (or for no activity)."""
        ctes, params = self.ctes, self.params
        if activity_id is not None:
            ctes = ("new(id) AS (SELECT CAST(%s AS bigint))", *ctes)
            params = [activity_id, *params]
        sql = f"WITH {', '.join(ctes)} {self.sql}" if ctes else self.sql
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def storing(self, insert: str, values: list) -> tuple[str, list] | None:
        """One statement running `insert` (which returns its row's id) and then this, where
        the database runs a data-modifying WITH; None where it does not (SQLite)."""
        if connection.vendor != "postgresql":
            return None
        ctes = ", ".join([f"new AS ({insert})", *self.ctes, f"upkeep AS ({self.sql})"])
        return f"WITH {ctes} SELECT id FROM new", [*values, *self.params]


class CheckIns(NamedTuple):
    """A check-in activity's upkeep: its candidate's check-ins settle again."""

    candidate_id: int

    def run(self, activity_id: int | None = None) -> None:
        settle_check_ins([self.candidate_id])

    def storing(self, insert: str, values: list) -> None:
        return None  # settling reads the stored activity


def activity_upkeep(activity: Activity) -> Upkeep | CheckIns | None:
    """What recording `activity` opens (an inbound call or email) or meets (what answers)."""
    a = activity
    kind = rules.opened_by_activity(
        kind=a.kind,
        direction=a.direction,
        outcome=a.outcome,
        candidate_id=a.candidate_id,
        automated=a.automated,
    )
    if kind is not None:
        policy = rules.policy_of_team(a.recruiter.team_id)
        return _open(
            {
                "kind": kind,
                "owner_id": a.recruiter_id,
                "candidate_id": a.candidate_id,
                "thread": a.thread if kind == K.REPLY else "",
                "opened_at": a.occurred_at,
                "due_at": rules.due_for_activity(kind, a.occurred_at, policy),
            },
            policy,
            by_new=True,
        )
    if a.kind == A.CHECK_IN:
        return None if a.candidate_id is None else CheckIns(a.candidate_id)
    return _meet(a)


def _meet(a: Activity) -> Upkeep | None:
    """Meet what this activity answers (or answer it earlier than it was): one plain UPDATE,
    because it runs for every activity logged and building it through the ORM cost ten times
    the statement itself. Its kinds and states are written into it (see `Literal`): as
    parameters, SQLite would prepare it anew at every run. The same choices as `rules.meets`
    and rebuild's passes; the rebuild-equals-upkeep property test holds them together."""
    if a.automated:
        return None  # an auto-reply or bulk message answers nobody
    at = connection.ops.adapt_datetimefield_value(a.occurred_at)
    clauses: list[str] = []
    params: list = []

    def since(kind: str, more: str = "", *more_params) -> None:
        """Meet `kind` opened before the activity (and matching `more`)."""
        clauses.append(f"(kind = {word(kind)} AND opened_at <= %s{more})")
        params.extend((at, *more_params))

    if a.candidate_id is not None:
        person, person_id = "candidate_id", a.candidate_id
        if rules.meets(K.CALLBACK, a):
            since(K.CALLBACK)
        elif a.kind in (A.EMAIL, A.TEXT) and a.direction == "outbound":
            since(
                K.CALLBACK,
                f" AND owner_id IN (SELECT u.id FROM {USERS} u JOIN {LEVELS} l "
                "ON l.team_id = u.team_id WHERE l.callback_met_by_email_or_text)",
            )
        if rules.meets(K.REPLY, a):
            if a.thread:
                since(K.REPLY, " AND thread IN ('', %s)", a.thread)
            else:
                since(K.REPLY)
        if rules.meets(K.CLOSE_LOOP, a):
            since(K.CLOSE_LOOP)
        if a.kind == A.PREP and a.interview_id is not None:
            clauses.append(
                f"(kind IN ({', '.join(map(word, rules.PREP_KINDS))}) AND interview_id = %s "
                "AND (closes_at IS NULL OR closes_at > %s))"
            )
            params += [a.interview_id, at]
    else:
        person, person_id = "hiring_manager_id", a.hiring_manager_id
        if rules.meets(K.FEEDBACK, a):
            if a.submission_id is not None:
                since(K.FEEDBACK, " AND submission_id = %s", a.submission_id)
            else:
                since(K.FEEDBACK)
    if not clauses:
        return None
    return Upkeep(
        (),
        f"UPDATE {OBLIGATIONS} SET state = {_MET}, met_at = %s, met_by_id = {NEW} "
        f"WHERE {person} = %s AND ({' OR '.join(clauses)}) "
        f"AND (state = {_OPEN} OR (state = {_MET} AND met_at > %s))",
        [at, person_id, *params, at],
    )


_MET, _OPEN = word(S.MET), word(S.OPEN)


def meeting_activity_filter(obligation: Obligation, policy) -> Q:
    """Activities that could meet this (non check-in) obligation, as a filter on Activity."""
    o = obligation
    q = rules.meeting_activities(o.kind, policy)
    if o.kind in rules.PREP_KINDS:
        return q & Q(interview_id=o.interview_id, occurred_at__lt=o.closes_at)
    q &= Q(occurred_at__gte=o.opened_at)
    if o.kind == K.FEEDBACK:
        return (
            q
            & Q(hiring_manager_id=o.hiring_manager_id)
            & (Q(submission__isnull=True) | Q(submission_id=o.submission_id))
        )
    q &= Q(candidate_id=o.candidate_id)
    if o.kind == K.REPLY:
        q &= thread_matches(o.thread)
    return q


def _open(row: dict, policy, *, by_new: bool = False) -> Upkeep:
    """Insert a new obligation (its fields, as `RowInsert.values_of` takes them), already met
    if the answer was recorded before the question. `by_new`: opened by the activity being
    recorded, whose id (NEW) the key ends with.

    A plain INSERT, like the meeting UPDATE: it runs for every inbound call and email, and
    `Model.save()` cost as much again as the statement (the model has no save logic). The
    earliest answer is looked up inside the INSERT: on PostgreSQL a lookup of its own cost a
    second round trip to the server, and on SQLite a second statement through the driver."""
    values = _OBLIGATION.values_of(row)
    if by_new:
        opener, opener_params = (f"%s || {NEW}", NEW), [rules.activity_key_prefix(row["kind"])]
    else:
        opener, opener_params = ("%s", "%s"), [row["key"], row.get("activity_id")]
    shape, known = _answer_shape(row, policy)
    answer, params = _FIRST_ANSWER.statement(*shape, **known)
    return Upkeep(
        (f"answer AS ({answer})",),
        _OBLIGATION.sql(*opener, *_FROM_ANSWER),
        [*params, *values, *opener_params],
    )


# What opened it, then what met it, are written by `_open` itself.
_OBLIGATION = RowInsert(Obligation, tail=("key", "activity", "state", "met_at", "met_by"))
_FROM_ANSWER = (
    f"COALESCE((SELECT {_MET} FROM answer), {_OPEN})",
    "(SELECT occurred_at FROM answer)",
    "(SELECT id FROM answer)",
)


def _first_answer(o: Obligation, policy) -> tuple[datetime, int] | None:
    """(time, id) of the earliest activity that meets `o`, if one is recorded."""
    row = {name: getattr(o, name) for name in ("kind", *_ANSWER_VALUES)}
    shape, known = _answer_shape(row, policy)
    found = _FIRST_ANSWER.rows(*shape, **known)
    return found[0] if found else None


def _answer_shape(row: dict, policy) -> tuple[tuple, dict]:
    """What picks the lookup's statement (the kind, the written-callback switch), and the
    obligation's values it may use."""
    kind = row["kind"]
    switch = kind == K.CALLBACK and policy.callback_met_by_email_or_text
    return (kind, switch), {name: row[name] for name in _ANSWER_VALUES if row.get(name)}


# The lookup above runs for every inbound call and email, and compiling it through the ORM
# cost several times the statement: it is compiled once a shape (the kind, the written-
# callback switch, and which of these values the obligation has).
_ANSWER_VALUES = (
    "candidate_id", "hiring_manager_id", "interview_id", "submission_id", "opened_at",
    "closes_at", "thread",
)  # fmt: skip
_FIRST_ANSWER = Compiled(
    lambda kind, switch, **known: (
        Activity.objects.filter(
            meeting_activity_filter(
                Obligation(kind=kind, **known), ServiceLevel(callback_met_by_email_or_text=switch)
            )
        )
        .order_by("occurred_at", "id")
        .values_list("occurred_at", "id")[:1]
    ),
    constants=True,  # so that neither database plans the INSERT anew at each run
)


def _submission_owner(submission: Submission) -> int | None:
    return submission.requisition.recruiter_id or submission.candidate.owner_id


def interview_scheduled(interview: Interview) -> None:
    owner = _submission_owner(interview.submission)
    if owner is None:
        return
    kind = rules.prep_kind(interview.kind)
    policy = rules.policy_for(owner)
    _open(
        {
            "key": rules.interview_key(kind, interview.pk),
            "kind": kind,
            "owner_id": owner,
            "candidate_id": interview.submission.candidate_id,
            "interview_id": interview.pk,
            "opened_at": interview.created_at,
            "due_at": rules.due_for_interview(kind, interview.starts_at, policy),
            "closes_at": interview.starts_at,
        },
        policy,
    ).run()


def interview_rescheduled(interview: Interview) -> None:
    """The prep moves with the interview; a prep session that now falls after the new start
    no longer counts, and one before it does. A waived prep stays waived, at its new time
    (as a rebuild would place it)."""
    for o in Obligation.objects.filter(interview=interview):
        policy = rules.policy_for(o.owner_id)
        o.due_at = rules.due_for_interview(o.kind, interview.starts_at, policy)
        o.closes_at = interview.starts_at
        if o.state == S.WAIVED:
            o.save(update_fields=["due_at", "closes_at"])
            continue
        answer = _first_answer(o, policy)
        o.state, o.met_at, o.met_by_id = (S.MET, *answer) if answer else (S.OPEN, None, None)
        o.save(update_fields=["due_at", "closes_at", "state", "met_at", "met_by"])


def interviews_cancelled(interview_ids, at: datetime) -> None:
    Obligation.objects.filter(interview_id__in=interview_ids, state=S.OPEN).update(
        state=S.WAIVED, waived_at=at, waive_reason=rules.INTERVIEW_CANCELLED
    )


def stage_changed(submission: Submission, to_stage: str, at: datetime) -> None:
    """A rejection owes the candidate a personal word; a submittal owes us the manager's."""
    if to_stage not in (Stage.REJECTED, Stage.SUBMITTED):
        return
    owner = _submission_owner(submission)
    if owner is None:
        return
    kind = K.CLOSE_LOOP if to_stage == Stage.REJECTED else K.FEEDBACK
    key = rules.submission_key(kind, submission.pk)
    if Obligation.objects.filter(key=key).exists():
        return  # a submittal happens once per submission; so does a rejection
    person = (
        {"candidate_id": submission.candidate_id}
        if kind == K.CLOSE_LOOP
        else {"hiring_manager_id": submission.requisition.hiring_manager_id}
    )
    policy = rules.policy_for(owner)
    _open(
        {
            "key": key,
            "kind": kind,
            "owner_id": owner,
            "submission_id": submission.pk,
            "opened_at": at,
            "due_at": rules.due_for_stage(kind, at, policy),
            **person,
        },
        policy,
    ).run()


# --- check-ins ------------------------------------------------------------------------------


def placement_changed(placement: Placement, now: datetime | None = None) -> None:
    """A placement recorded or ended: its check-ins follow, then settle against activity."""
    sync_check_ins([placement.pk], now=now)


def sync_check_ins(placement_ids, *, now: datetime | None = None) -> None:
    """Bring these placements' check-ins up to date: add those whose window has opened,
    drop any that opened after the placement ended, and settle each candidate's."""
    now = now or timezone.now()
    placements = list(
        Placement.objects.filter(pk__in=placement_ids).values_list(
            "pk",
            "start_date",
            "created_at",
            "fall_off_date",
            "submission__candidate_id",
            "submission__requisition__recruiter_id",
            "submission__candidate__owner_id",
        )
    )
    policies = rules.policies_by_owner(p[5] or p[6] for p in placements if p[5] or p[6])
    existing = set(
        Obligation.objects.filter(placement_id__in=placement_ids).values_list("key", flat=True)
    )
    new, keep, candidates = [], set(), set()
    for pk, start, recorded, fall_off, candidate, req_owner, cand_owner in placements:
        owner = req_owner or cand_owner
        if owner is None:
            continue
        candidates.add(candidate)
        for step in rules.check_in_schedule(
            start_date=start,
            recorded_at=recorded,
            fall_off_date=fall_off,
            policy=policies[owner],
            now=now,
        ):
            key = rules.check_in_key(pk, step.step)
            keep.add(key)
            if key not in existing:
                new.append(
                    Obligation(
                        key=key,
                        kind=K.CHECK_IN,
                        owner_id=owner,
                        candidate_id=candidate,
                        placement_id=pk,
                        step=step.step,
                        opened_at=step.opened_at,
                        due_at=step.due_at,
                    )
                )
    stale = existing - keep
    if stale:
        Obligation.objects.filter(key__in=stale).delete()
    Obligation.objects.bulk_create(new)
    settle_check_ins(candidates)


def settle_check_ins(candidate_ids) -> None:
    """Re-assign check-in activities to these candidates' check-ins (see rules)."""
    candidate_ids = list(candidate_ids)
    obligations = list(
        Obligation.objects.filter(candidate_id__in=candidate_ids, kind=K.CHECK_IN).select_related(
            "placement"
        )
    )
    if not obligations:
        return
    policies = rules.policies_by_owner({o.owner_id for o in obligations})
    activities: dict[int, list] = {}
    for at, pk, candidate in Activity.objects.filter(
        candidate_id__in=candidate_ids, kind=A.CHECK_IN
    ).values_list("occurred_at", "id", "candidate_id"):
        activities.setdefault(candidate, []).append((at, pk))
    by_candidate: dict[int, list] = {}
    for o in obligations:
        row = rules.CheckInRow(
            id=o.pk,
            step=o.step,
            opened_at=o.opened_at,
            due_at=o.due_at,
            ended=rules.ended_at(o.placement.fall_off_date, policies[o.owner_id]),
            human_waiver=o.state == S.WAIVED and o.waived_by_id is not None,
        )
        by_candidate.setdefault(o.candidate_id, []).append((o, row))
    changed = []
    for candidate, pairs in by_candidate.items():
        rules.settle_check_ins([r for _, r in pairs], activities.get(candidate, []))
        for o, r in pairs:
            if r.human_waiver:
                continue
            state = S.MET if r.met_by else S.WAIVED if r.waived_at else S.OPEN
            fields = (state, r.met_at, r.met_by, r.waived_at)
            if fields != (o.state, o.met_at, o.met_by_id, o.waived_at):
                o.state, o.met_at, o.met_by_id, o.waived_at = fields
                o.waive_reason = rules.PLACEMENT_ENDED if r.waived_at else ""
                changed.append(o)
    Obligation.objects.bulk_update(
        changed, ["state", "met_at", "met_by", "waived_at", "waive_reason"], batch_size=500
    )
