"""Every obligation derived again from the recorded facts, in bulk.

Used after a change of service levels and after bulk imports. It reads the same rules as
upkeep (`rules.py`) and must arrive at exactly the rows upkeep keeps; waivers a recruiter
gave are facts too, and are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.lib.bulk import bulk_insert, next_id, refresh_statistics, reset_sequences
from candidly.obligations import rules
from candidly.obligations.models import Obligation
from candidly.pipeline.models import Interview, Placement, Stage, StageChange

K = Obligation.Kind
S = Obligation.State

COLUMNS = (
    "id", "key", "kind", "owner", "candidate", "hiring_manager", "activity", "interview",
    "submission", "placement", "step", "thread", "opened_at", "due_at", "closes_at", "state",
    "met_at",
    "met_by", "waived_at", "waived_by", "waive_reason",
)  # fmt: skip
CHUNK = 20_000


def _naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


class Rebuild:
    def __init__(self, *, now: datetime | None = None, progress: Callable[[str], None] = None):
        self.now = now or timezone.now()
        self.progress = progress or (lambda step: None)
        self.policies = rules.policies_by_owner(User.objects.values_list("pk", flat=True))
        self.waivers: dict[str, tuple] = {}
        self.next = 1
        self.rows: list[tuple] = []
        self.written = 0

    # --- rows ---------------------------------------------------------------------------

    def _row(self, key, kind, owner, *, candidate=None, manager=None, activity=None,
             interview=None, submission=None, placement=None, step=0, thread="",
             opened_at, due_at, closes_at=None, met_at=None, met_by=None, waived_at=None,
             reason="") -> None:  # fmt: skip
        state = S.MET if met_by else S.WAIVED if waived_at else S.OPEN
        waived_by = None
        kept = self.waivers.get(key)
        if kept is not None:  # a recruiter's waiver outlives any rebuild
            state, met_at, met_by = S.WAIVED, None, None
            waived_at, waived_by, reason = kept
        row = (self.next, key, kind, owner, candidate, manager, activity, interview, submission,
               placement, step, thread, _naive(opened_at), _naive(due_at), _naive(closes_at),
               state,
               _naive(met_at), met_by, _naive(waived_at), waived_by, reason)  # fmt: skip
        self.next += 1
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.written += bulk_insert(Obligation, COLUMNS, self.rows)
            self.rows = []

    # --- the run ------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            self.waivers = {
                key: (at, by, reason)
                for key, at, by, reason in Obligation.objects.filter(
                    state=S.WAIVED, waived_by__isnull=False
                ).values_list("key", "waived_at", "waived_by", "waive_reason")
            }
            # New rows take new ids: a page still showing an old row answers "no such
            # obligation" rather than acting on whichever row now has its id.
            self.next = next_id(Obligation)
            with connection.cursor() as cursor:  # no per-row machinery: nothing points here
                cursor.execute(
                    f"DELETE FROM {connection.ops.quote_name(Obligation._meta.db_table)}"
                )
            self.progress("activities")
            self._from_activities()
            self.progress("interviews")
            self._from_interviews()
            self.progress("stage changes")
            self._from_stage_changes()
            self.progress("placements")
            self._from_placements()
            self._flush()
            self.progress("meeting")
            self._meet()
            reset_sequences(Obligation)
        # After the commit, so that PostgreSQL can VACUUM too: the meeting step rewrote most
        # rows, and until the visibility map is fresh the queue's counts and the scorecard
        # read the table instead of their indexes. (Inside a caller's transaction: ANALYZE.)
        refresh_statistics(Obligation)
        counts = {state: 0 for state in S.values}
        counts.update(Obligation.objects.order_by().values_list("state").annotate(n=Count("pk")))
        counts["written"] = self.written
        return counts

    def _from_activities(self) -> None:
        rows = (
            Activity.objects.filter(rules.OPENING_ACTIVITIES)
            .order_by()
            .values_list(
                "pk", "kind", "outcome", "candidate_id", "recruiter_id", "occurred_at", "thread"
            )  # fmt: skip
        )
        for pk, kind, outcome, candidate, owner, at, thread in rows.iterator(chunk_size=CHUNK):
            owed = rules.opened_by_activity(
                kind=kind, direction="inbound", outcome=outcome, candidate_id=candidate,
                automated=False,
            )  # fmt: skip
            self._row(
                rules.activity_key(owed, pk), owed, owner, candidate=candidate, activity=pk,
                thread=thread if owed == K.REPLY else "", opened_at=at,
                due_at=rules.due_for_activity(owed, at, self.policies[owner]),
            )  # fmt: skip

    def _from_interviews(self) -> None:
        rows = Interview.objects.order_by().values_list(
            "pk", "kind", "starts_at", "created_at", "submission__candidate_id",
            "submission__requisition__recruiter_id", "submission__candidate__owner_id",
        )  # fmt: skip
        for pk, kind, starts, created, candidate, req_owner, cand_owner in rows.iterator(CHUNK):
            owner = req_owner or cand_owner
            if owner is None:
                continue
            owed = rules.prep_kind(kind)
            self._row(
                rules.interview_key(owed, pk), owed, owner, candidate=candidate, interview=pk,
                opened_at=created,
                due_at=rules.due_for_interview(owed, starts, self.policies[owner]),
                closes_at=starts,
            )  # fmt: skip

    def _from_stage_changes(self) -> None:
        rows = (
            StageChange.objects.filter(to_stage__in=[Stage.REJECTED, Stage.SUBMITTED])
            .order_by("changed_at", "id")
            .values_list(
                "submission_id", "to_stage", "changed_at", "submission__candidate_id",
                "submission__requisition__hiring_manager_id",
                "submission__requisition__recruiter_id", "submission__candidate__owner_id",
            )
        )  # fmt: skip
        seen = set()
        for sub, stage, at, candidate, manager, req_owner, cand_owner in rows.iterator(CHUNK):
            owner = req_owner or cand_owner
            owed = K.CLOSE_LOOP if stage == Stage.REJECTED else K.FEEDBACK
            key = rules.submission_key(owed, sub)
            if owner is None or key in seen:
                continue
            seen.add(key)
            person = {"candidate": candidate} if owed == K.CLOSE_LOOP else {"manager": manager}
            self._row(
                key, owed, owner, submission=sub, opened_at=at,
                due_at=rules.due_for_stage(owed, at, self.policies[owner]), **person,
            )  # fmt: skip

    def _from_placements(self) -> None:
        """Check-ins are settled here, before they are written (there are few of them)."""
        placements = Placement.objects.order_by().values_list(
            "pk", "start_date", "created_at", "fall_off_date", "submission__candidate_id",
            "submission__requisition__recruiter_id", "submission__candidate__owner_id",
        )  # fmt: skip
        by_candidate: dict[int, list] = {}
        for pk, start, recorded, fall_off, candidate, req_owner, cand_owner in placements:
            owner = req_owner or cand_owner
            if owner is None:
                continue
            policy = self.policies[owner]
            ended = rules.ended_at(fall_off, policy)
            for step in rules.check_in_schedule(
                start_date=start, recorded_at=recorded, fall_off_date=fall_off, policy=policy,
                now=self.now,
            ):  # fmt: skip
                key = rules.check_in_key(pk, step.step)
                row = rules.CheckInRow(
                    id=0, step=step.step, opened_at=step.opened_at, due_at=step.due_at,
                    ended=ended, human_waiver=key in self.waivers,
                )  # fmt: skip
                by_candidate.setdefault(candidate, []).append((key, owner, pk, row))
        activities: dict[int, list] = {}
        for at, pk, candidate in (
            Activity.objects.filter(kind=Activity.Kind.CHECK_IN, candidate__isnull=False)
            .order_by()
            .values_list("occurred_at", "id", "candidate_id")
            .iterator(CHUNK)
        ):
            if candidate in by_candidate:
                activities.setdefault(candidate, []).append((at, pk))
        for candidate, entries in by_candidate.items():
            rules.settle_check_ins([r for *_, r in entries], activities.get(candidate, []))
            for key, owner, placement, r in entries:
                self._row(
                    key, K.CHECK_IN, owner, candidate=candidate, placement=placement,
                    step=r.step, opened_at=r.opened_at, due_at=r.due_at, met_at=r.met_at,
                    met_by=r.met_by, waived_at=r.waived_at,
                    reason=rules.PLACEMENT_ENDED if r.waived_at else "",
                )  # fmt: skip

    # --- meeting, in the database ---------------------------------------------------------

    def _meet(self) -> None:
        """Each open obligation takes the earliest qualifying activity (see rules)."""
        opened_since = Q(occurred_at__gte=OuterRef("opened_at"))
        with_candidate = Q(candidate_id=OuterRef("candidate_id"))
        written = {owner for owner, p in self.policies.items() if p.callback_met_by_email_or_text}
        on = rules.meeting_activities(K.CALLBACK, _Switch(True))
        off = rules.meeting_activities(K.CALLBACK)
        passes = [
            (Q(kind=K.CALLBACK, owner_id__in=written), with_candidate & opened_since & on),
            (Q(kind=K.CALLBACK) & ~Q(owner_id__in=written), with_candidate & opened_since & off),
            (
                Q(kind=K.REPLY, thread=""),
                with_candidate & opened_since & rules.meeting_activities(K.REPLY),
            ),
            (
                Q(kind=K.REPLY) & ~Q(thread=""),
                with_candidate
                & opened_since
                & rules.meeting_activities(K.REPLY)
                & (Q(thread="") | Q(thread=OuterRef("thread"))),
            ),
            (
                Q(kind=K.CLOSE_LOOP),
                with_candidate & opened_since & rules.meeting_activities(K.CLOSE_LOOP),
            ),
            (
                Q(kind__in=rules.PREP_KINDS),
                Q(interview_id=OuterRef("interview_id"), occurred_at__lt=OuterRef("closes_at"))
                & rules.meeting_activities(K.PHONE_PREP),
            ),
            (
                Q(kind=K.FEEDBACK),
                Q(hiring_manager_id=OuterRef("hiring_manager_id"))
                & opened_since
                & rules.meeting_activities(K.FEEDBACK)
                & (Q(submission__isnull=True) | Q(submission_id=OuterRef("submission_id"))),
            ),
        ]
        for which, answers in passes:
            # Only the rows that are met are written, and each once: a row rewritten costs
            # every index of the table an update (on PostgreSQL, a new row version too),
            # far more than reading the answer twice.
            found = Activity.objects.filter(answers)
            earliest = found.order_by("occurred_at", "id")
            Obligation.objects.filter(which, Exists(found), state=S.OPEN).update(
                state=S.MET,
                met_by_id=Subquery(earliest.values("pk")[:1]),
                met_at=Subquery(earliest.values("occurred_at")[:1]),
            )
        cancelled = Interview.objects.filter(pk=OuterRef("interview_id"))
        Obligation.objects.filter(
            kind__in=rules.PREP_KINDS, state=S.OPEN, interview__status=Interview.Status.CANCELLED
        ).update(
            state=S.WAIVED,
            waived_at=Subquery(cancelled.values(at=Coalesce("cancelled_at", "created_at"))[:1]),
            waive_reason=rules.INTERVIEW_CANCELLED,
        )


class _Switch:
    """A stand-in policy with written callbacks allowed."""

    def __init__(self, allowed: bool):
        self.callback_met_by_email_or_text = allowed


def obligations_rebuild(
    *, now: datetime | None = None, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Derive every obligation again; returns how many rows ended in each state."""
    return Rebuild(now=now, progress=progress).run()
