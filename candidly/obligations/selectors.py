"""Reads over obligations: the Today queue, the litmus scorecard and its drill-downs.

The pages, the `candidly today` / `candidly litmus` commands and the reminder emails all
read through these functions, so they show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.lookups import Exact
from django.utils import timezone

from candidly.accounts.models import display_name
from candidly.lib.compiled import Compiled, Literal
from candidly.obligations.models import Obligation
from candidly.people.models import HiringManager
from candidly.pipeline.models import Interview, Placement, Submission

K = Obligation.Kind
S = Obligation.State

# The four litmus questions, then the relationship obligations, in the scorecard's order.
QUESTIONS = [
    (K.CALLBACK, "Do I always call my candidates back?"),
    (K.REPLY, "Do I always respond to my candidates' emails?"),
    (K.PHONE_PREP, "Do I prep candidates for phone interviews?"),
    (K.ONSITE_PREP, "Do I prep candidates for in-person interviews?"),
    (K.CLOSE_LOOP, "Do I close the loop with candidates who were not chosen?"),
    (K.CHECK_IN, "Do I check in with placed candidates?"),
    (K.FEEDBACK, "Do I get hiring managers' feedback on time?"),
]
OUTCOMES = ("on_time", "late", "missed", "waived")

OVERDUE_SHOWN = 25  # the queue lists the most recent; the count (and a link) the rest
AHEAD_SHOWN = 50  # due today and in the week ahead, soonest first; the counts say the rest
COMING_DAYS = 7

ROW_FIELDS = (
    "pk", "kind", "state", "opened_at", "due_at", "met_at", "waive_reason", "owner_id",
    "owner__first_name", "owner__last_name", "owner__username",
    "candidate_id", "candidate__first_name", "candidate__last_name",
    "hiring_manager_id", "hiring_manager__first_name", "hiring_manager__last_name",
    "hiring_manager__company__name", "activity__subject", "activity__kind",
    "interview_id", "interview__kind", "interview__starts_at", "interview__time_zone",
    "interview__submission__requisition__title", "submission_id",
    "submission__requisition__title", "submission__candidate__first_name",
    "submission__candidate__last_name", "placement__start_date",
    "placement__submission__requisition__title", "step", "waived_at",
)  # fmt: skip


@dataclass
class Row:
    """One obligation as a person reads it: who, why, since when, and its context."""

    id: int
    kind: str
    kind_label: str
    state: str
    opened_at: datetime
    due_at: datetime
    met_at: datetime | None
    waive_reason: str
    owner_id: int
    owner_name: str
    person: str
    candidate_id: int | None
    hiring_manager_id: int | None
    interview_id: int | None
    submission_id: int | None
    context: str
    interview_at: datetime | None
    interview_zone: str
    outcome: str
    waived_at: datetime | None = None

    @property
    def person_url(self) -> str:
        if self.candidate_id:
            return f"/candidates/{self.candidate_id}/"
        return f"/managers/{self.hiring_manager_id}/"

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "why": self.kind_label,
            "person": self.person,
            "candidate_id": self.candidate_id,
            "hiring_manager_id": self.hiring_manager_id,
            "opened_at": self.opened_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "met_at": self.met_at.isoformat() if self.met_at else None,
            "state": self.state,
            "outcome": self.outcome,
            "context": self.context,
            "waive_reason": self.waive_reason,
        }


LABELS = dict(K.choices)


def _row(values: tuple, now: datetime) -> Row:
    v = dict(zip(ROW_FIELDS, values, strict=True))
    if v["candidate_id"]:
        person = f"{v['candidate__first_name']} {v['candidate__last_name']}"
    else:
        person = f"{v['hiring_manager__first_name']} {v['hiring_manager__last_name']}"
    kind = v["kind"]
    if kind == K.REPLY:
        context = f"“{v['activity__subject']}”" if v["activity__subject"] else "Email"
    elif kind == K.CALLBACK:
        context = "Left a voicemail" if v["activity__kind"] == "voicemail" else "Missed call"
    elif kind in (K.PHONE_PREP, K.ONSITE_PREP):
        context = f"{v['interview__kind'].title()} interview · " + (
            v["interview__submission__requisition__title"] or ""
        )
    elif kind == K.FEEDBACK:
        context = (
            f"{v['submission__candidate__first_name']} {v['submission__candidate__last_name']} "
            f"for {v['submission__requisition__title']} ({v['hiring_manager__company__name']})"
        )
    elif kind == K.CHECK_IN:
        which = {1: "First week", 2: "First month", 3: "First quarter"}.get(
            v["step"], "Anniversary"
        )
        context = (
            f"{which} · {v['placement__submission__requisition__title']}, "
            f"started {v['placement__start_date']:%b %-d, %Y}"
        )
    else:
        context = f"Not chosen for {v['submission__requisition__title']}"
    outcome = _outcome(v["state"], v["due_at"], v["met_at"], now)
    return Row(
        id=v["pk"], kind=kind, kind_label=LABELS[kind], state=v["state"],
        opened_at=v["opened_at"], due_at=v["due_at"], met_at=v["met_at"],
        waive_reason=v["waive_reason"], owner_id=v["owner_id"], person=person,
        owner_name=display_name(
            v["owner__first_name"], v["owner__last_name"], v["owner__username"]
        ),
        candidate_id=v["candidate_id"], hiring_manager_id=v["hiring_manager_id"],
        interview_id=v["interview_id"], submission_id=v["submission_id"], context=context,
        interview_at=v["interview__starts_at"], interview_zone=v["interview__time_zone"] or "",
        outcome=outcome, waived_at=v["waived_at"],
    )  # fmt: skip


def _outcome(state: str, due_at: datetime, met_at: datetime | None, now: datetime) -> str:
    """As it stood at `now` (a past moment, for what preceded a declined offer)."""
    if state == S.WAIVED:
        return "waived"
    if state == S.MET and met_at <= now:
        return "on_time" if met_at <= due_at else "late"
    return "missed" if due_at < now else "pending"


# The columns of a `Row` reached through two tables or more, each read by a subquery of its
# own rather than joined: fifteen joined tables cost PostgreSQL 15–27 ms of planning a query
# (for 2–3 ms of work), seven cost it well under one. (label in ROW_FIELDS: alias, model,
# the obligation's column pointing at it, the path from there)
_CHAINED = {
    "interview__submission__requisition__title": (
        "i_title", Interview, "interview_id", "submission__requisition__title"),
    "submission__requisition__title": (
        "s_title", Submission, "submission_id", "requisition__title"),
    "submission__candidate__first_name": (
        "s_first", Submission, "submission_id", "candidate__first_name"),
    "submission__candidate__last_name": (
        "s_last", Submission, "submission_id", "candidate__last_name"),
    "hiring_manager__company__name": (
        "m_company", HiringManager, "hiring_manager_id", "company__name"),
    "interview__kind": ("i_kind", Interview, "interview_id", "kind"),
    "interview__starts_at": ("i_starts", Interview, "interview_id", "starts_at"),
    "interview__time_zone": ("i_zone", Interview, "interview_id", "time_zone"),
    "placement__start_date": ("p_start", Placement, "placement_id", "start_date"),
    "placement__submission__requisition__title": (
        "p_title", Placement, "placement_id", "submission__requisition__title"),
}  # fmt: skip


def as_rows(queryset):
    """A queryset of obligations as the columns of a `Row`, in ROW_FIELDS' order."""
    return queryset.annotate(
        **{
            alias: Subquery(model.objects.filter(pk=OuterRef(column)).order_by().values(path)[:1])
            for alias, model, column, path in _CHAINED.values()
        }
    ).values_list(*(_CHAINED[f][0] if f in _CHAINED else f for f in ROW_FIELDS))


def rows(queryset, now: datetime | None = None) -> list[Row]:
    """`Row`s of a queryset of obligations."""
    now = now or timezone.now()
    return [_row(values, now) for values in as_rows(queryset)]


# --- the Today queue ------------------------------------------------------------------------


@dataclass
class Queue:
    now: datetime
    overdue: list[Row] = field(default_factory=list)
    today: list[Row] = field(default_factory=list)
    coming: list[Row] = field(default_factory=list)
    overdue_count: int = 0
    today_count: int = 0
    coming_count: int = 0

    @property
    def overdue_hidden(self) -> int:
        return self.overdue_count - len(self.overdue)

    @property
    def coming_hidden(self) -> int:
        return self.coming_count - len(self.coming)

    def as_json(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "counts": {
                "overdue": self.overdue_count,
                "due_today": self.today_count,
                "coming": self.coming_count,
            },
            "overdue": [r.as_json() for r in self.overdue],
            "due_today": [r.as_json() for r in self.today],
            "coming": [r.as_json() for r in self.coming],
        }


def end_of_today(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def not_closed(now: datetime) -> Q:
    """Can still be met at `now`: a prep whose interview has started cannot (it stays
    missed on the scorecard but leaves the queue)."""
    return Q(closes_at__isnull=True) | Q(closes_at__gt=now)


# `state = 'open'` written into the SQL: PostgreSQL then plans the queue's prepared statements
# once, on the obligation_queue index (partial, WHERE state = 'open'), not at every run.
IS_OPEN = Exact(F("state"), Literal(S.OPEN))


def doable(owner_id: int, now: datetime) -> Q:
    """A recruiter's open obligations that can still be met."""
    return Q(IS_OPEN, owner_id=owner_id) & not_closed(now)


def queue_counts(owner_id: int, now: datetime | None = None) -> dict[str, int]:
    """Overdue, due today and coming (next week): one query, for the navigation bar too."""
    now = now or timezone.now()
    until = now + timedelta(days=COMING_DAYS)
    found = _COUNTS.rows(owner_id=owner_id, now=now, tonight=end_of_today(now), until=until)
    return dict(zip(("overdue", "today", "coming"), found[0] if found else (0, 0, 0), strict=True))


# Whether a row can still be met (`not_closed`) is asked inside each count, not in the WHERE:
# so PostgreSQL reads the obligation_queue index alone (an index-only scan) instead of visiting
# a table page for every open obligation. For the same reason the counts here and on the
# scorecard count due_at (never empty, in both indexes), not the id, which only SQLite keeps
# in every index. Compiled once a connection (`lib.compiled`), as it runs on every page.
_COUNTS = Compiled(
    lambda owner_id, now, tonight, until: (
        Obligation.objects.filter(IS_OPEN, owner_id=owner_id, due_at__lt=until)
        .values("owner_id")
        .annotate(
            overdue=Count("due_at", filter=not_closed(now) & Q(due_at__lt=now)),
            today=Count("due_at", filter=not_closed(now) & Q(due_at__gte=now, due_at__lt=tonight)),
            coming=Count("due_at", filter=not_closed(now) & Q(due_at__gte=tonight)),
        )
        .values_list("overdue", "today", "coming")
    )
)


# The queue's two lists of rows, compiled once a connection (`lib.compiled`): built through
# the ORM, the row query took as long to compile as to run.
_OVERDUE = Compiled(
    lambda owner_id, now: as_rows(
        Obligation.objects.filter(doable(owner_id, now), due_at__lt=now)
    ).order_by("-due_at", "-pk")[:OVERDUE_SHOWN]
)
_AHEAD = Compiled(
    lambda owner_id, now, until: as_rows(
        Obligation.objects.filter(doable(owner_id, now), due_at__gte=now, due_at__lt=until)
    ).order_by("due_at", "pk")[:AHEAD_SHOWN]
)


def today_queue(owner_id: int, now: datetime | None = None) -> Queue:
    """A recruiter's open obligations: overdue (most recent first), due today, then the week
    ahead (soonest first). Three queries, whatever the size of the backlog."""
    now = now or timezone.now()
    counts = queue_counts(owner_id, now)
    queue = Queue(now=now)
    queue.overdue_count = counts["overdue"]
    queue.today_count = counts["today"]
    queue.coming_count = counts["coming"]
    queue.overdue = [_row(v, now) for v in _OVERDUE.rows(owner_id=owner_id, now=now)]
    tonight = end_of_today(now)
    until = now + timedelta(days=COMING_DAYS)
    for values in _AHEAD.rows(owner_id=owner_id, now=now, until=until):
        row = _row(values, now)
        (queue.today if row.due_at < tonight else queue.coming).append(row)
    return queue


# --- the litmus scorecard -------------------------------------------------------------------


@dataclass
class Tally:
    on_time: int = 0
    late: int = 0
    missed: int = 0
    waived: int = 0
    pending: int = 0

    @property
    def due(self) -> int:
        """Obligations whose due time has come (or that were settled early)."""
        return self.on_time + self.late + self.missed + self.waived

    @property
    def counted(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        return self.on_time / self.counted if self.counted else None

    @property
    def always(self) -> bool | None:
        """The plain answer: yes only when every one was met on time."""
        return None if not self.counted else self.on_time == self.counted

    def add(self, other: Tally) -> None:
        for name in ("on_time", "late", "missed", "waived", "pending"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_json(self) -> dict:
        return {
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "missed": self.missed,
            "waived": self.waived,
            "not_yet_due": self.pending,
            "on_time_rate": None if self.rate is None else round(self.rate, 4),
            "always": self.always,
        }


def due_in(owner_ids, since: datetime, until: datetime, *, kinds=None) -> Q:
    """These recruiters' obligations (or, given an OuterRef, that one's) due in [since, until).

    On SQLite every kind and state is spelled out, though they are all there are: its
    obligation_scorecard index (owner, kind, state, due_at, met_at) is then read as one short
    range of due times per recruiter, kind and state, already grouped. PostgreSQL's index is
    (owner, due_at, kind, state, met_at) (migration 0005): one range per recruiter."""
    owners = (
        {"owner_id": owner_ids}
        if isinstance(owner_ids, OuterRef)
        else {"owner_id__in": list(owner_ids)}
    )
    found = Q(**owners, due_at__gte=since, due_at__lt=until)
    if connection.vendor == "sqlite":
        kinds = kinds or Obligation.Kind.values
        found &= Q(state__in=S.values)
    return found & Q(kind__in=list(kinds)) if kinds else found


def outcome_filter(outcome: str, now: datetime) -> Q:
    """One outcome as a filter; also "due" (all but pending, as Tally.due counts),
    "not_on_time" (late or missed: what makes the answer to "always?" a no) and "overdue"
    (missed but still doable, as the Today queue counts it)."""
    return {
        "on_time": Q(state=S.MET, met_at__lte=F("due_at")),
        "late": Q(state=S.MET, met_at__gt=F("due_at")),
        "missed": Q(state=S.OPEN, due_at__lt=now),
        "waived": Q(state=S.WAIVED),
        "pending": Q(state=S.OPEN, due_at__gte=now),
        "due": ~Q(state=S.OPEN) | Q(due_at__lt=now),
        "not_on_time": Q(state=S.MET, met_at__gt=F("due_at")) | Q(state=S.OPEN, due_at__lt=now),
        # Missed and still doable: the Today queue's overdue section.
        "overdue": Q(state=S.OPEN, due_at__lt=now) & not_closed(now),
    }[outcome]


@dataclass
class Scorecard:
    since: datetime
    until: datetime
    now: datetime
    # owner id → kind → tally; "team" sums every owner shown.
    by_owner: dict[int, dict[str, Tally]]
    team: dict[str, Tally]

    def as_json(self, names: dict[int, str]) -> dict:
        def kinds(tallies: dict[str, Tally]) -> dict:
            return {kind: tallies[kind].as_json() for kind, _ in QUESTIONS}

        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "recruiters": [
                {"id": owner, "name": names.get(owner, str(owner)), "kinds": kinds(tallies)}
                for owner, tallies in self.by_owner.items()
            ],
            "team": kinds(self.team),
        }


def period_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """From the start of `since` to the end of `until` (both days included), local time."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(since, time(0), tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def scorecard(
    *, owner_ids, since: datetime, until: datetime, now: datetime | None = None
) -> Scorecard:
    """For each recruiter and kind: obligations due in [since, until), by outcome. One query.

    Counted per recruiter, kind and state from the scorecard index alone (see `due_in`), with
    only two comparisons a row: whether a met one was late, whether an open one is past due. The
    outcomes follow from those."""
    now = now or timezone.now()
    owner_ids = list(owner_ids)
    counted = (
        Obligation.objects.filter(due_in(owner_ids, since, until))
        .order_by()
        .values_list("owner_id", "kind", "state")
        .annotate(
            n=Count("due_at"),
            late=Count("due_at", filter=Q(met_at__gt=F("due_at"))),
            past=Count("due_at", filter=Q(due_at__lt=now)),
        )
    )
    by_owner = {owner: {kind: Tally() for kind, _ in QUESTIONS} for owner in owner_ids}
    team = {kind: Tally() for kind, _ in QUESTIONS}
    for owner, kind, state, n, late, past in counted:
        if state == S.MET:
            tally = Tally(on_time=n - late, late=late)
        elif state == S.OPEN:
            tally = Tally(missed=past, pending=n - past)
        else:
            tally = Tally(waived=n)
        by_owner[owner][kind].add(tally)
        team[kind].add(tally)
    return Scorecard(since=since, until=until, now=now, by_owner=by_owner, team=team)


def drill_down(
    *, owner_ids, kind: str | None, outcome: str | None, since: datetime, until: datetime,
    now: datetime | None = None,
):  # fmt: skip
    """The obligations behind one number of the scorecard (a queryset, for paging)."""
    now = now or timezone.now()
    found = Obligation.objects.filter(
        due_in(owner_ids, since, until, kinds=[kind] if kind else None)
    )
    if outcome:
        found = found.filter(outcome_filter(outcome, now))
    return found.order_by("-due_at", "-pk")


def weekly_trend(*, owner_ids, weeks: int = 12, now: datetime | None = None) -> list[dict]:
    """On-time rate per kind for each of the last `weeks` weeks (Monday to Sunday, local
    time), oldest first. One query."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    starts = [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    bounds = [*starts, monday + timedelta(weeks=1)]
    settled = Q(state=S.MET) | Q(state=S.OPEN, due_at__lt=now)
    on_time = outcome_filter("on_time", now)
    aggregates = {}
    for i in range(weeks):
        week = Q(due_at__gte=bounds[i], due_at__lt=bounds[i + 1])
        aggregates[f"n{i}"] = Count("due_at", filter=week & settled)
        aggregates[f"t{i}"] = Count("due_at", filter=week & on_time)
    per_kind = {
        kind: values
        for kind, *values in Obligation.objects.filter(due_in(owner_ids, bounds[0], bounds[-1]))
        .order_by()
        .values_list("kind")
        .annotate(**aggregates)
        .values_list("kind", *aggregates)
    }
    trend = []
    for i, start in enumerate(starts):
        week = {"week_of": start.date(), "kinds": {}}
        for kind, _ in QUESTIONS:
            values = per_kind.get(kind)
            n, t = (values[2 * i], values[2 * i + 1]) if values else (0, 0)
            week["kinds"][kind] = {"counted": n, "on_time": t, "rate": t / n if n else None}
        trend.append(week)
    return trend


def misses_before_decision(offer) -> list[Row]:
    """What the candidate was owed and did not get on time before turning an offer down."""
    return misses_before_decisions([(offer.pk, offer.submission, offer.decided_at)])[offer.pk]


def misses_before_decisions(decisions) -> dict:
    """`misses_before_decision` for several offers in one query: `decisions` holds
    (offer id, submission, decided_at) triples; the answer maps each offer id to its rows."""
    decisions = [(pk, s, decided or timezone.now()) for pk, s, decided in decisions]
    if not decisions:
        return {}
    during = Q(pk__in=[])
    for _, s, decided in decisions:
        during |= (Q(candidate_id=s.candidate_id) | Q(submission_id=s.pk)) & Q(
            opened_at__gte=s.created_at, due_at__lt=decided
        )
    owed = as_rows(
        Obligation.objects.filter(during)
        .filter(Q(state=S.OPEN) | Q(state=S.MET, met_at__gt=F("due_at")))
        .exclude(kind=K.CHECK_IN)
        .order_by("due_at", "pk")
    )
    found = list(owed)
    candidate, submission, opened, due = (
        ROW_FIELDS.index(name) for name in ("candidate_id", "submission_id", "opened_at", "due_at")
    )
    return {
        pk: [
            _row(values, decided)
            for values in found
            if (values[candidate] == s.candidate_id or values[submission] == s.pk)
            and values[opened] >= s.created_at
            and values[due] < decided
        ]
        for pk, s, decided in decisions
    }
