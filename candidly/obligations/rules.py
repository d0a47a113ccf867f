"""The rules: which facts open an obligation, when it is due, and which activity meets it.

Upkeep (one event at a time, inside the services) and rebuild (everything, in bulk) both
read these, so they cannot disagree about what a recruiter owes.

The meeting rule: an obligation is met by the earliest qualifying activity (by time, then
id) at or after it opened — so logging yesterday's call today meets yesterday's voicemail
exactly as logging it yesterday would have, and one conversation answers everything owed to
that person at the time. Interview prep must also come before the interview starts; a
check-in only counts while its placement lasts.
"""

from __future__ import annotations

from calendar import isleap
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic

from django.conf import settings
from django.db.models import Q

from candidly.activity.models import Activity
from candidly.obligations.businesstime import BusinessCalendar
from candidly.obligations.models import Obligation, ServiceLevel

K = Obligation.Kind
A = Activity.Kind

PREP_KINDS = (K.PHONE_PREP, K.ONSITE_PREP)
# Obligations to a candidate that a conversation with them meets.
CONVERSATION_KINDS = (K.CALLBACK, K.CLOSE_LOOP)

INTERVIEW_CANCELLED = "Interview cancelled"
PLACEMENT_ENDED = "Placement ended"


# --- keys: one per opening fact ---------------------------------------------------------------


def activity_key(kind: str, activity_id: int) -> str:
    return f"{activity_key_prefix(kind)}{activity_id}"


def activity_key_prefix(kind: str) -> str:
    return f"{kind}:a"


def interview_key(kind: str, interview_id: int) -> str:
    return f"{kind}:i{interview_id}"


def submission_key(kind: str, submission_id: int) -> str:
    return f"{kind}:s{submission_id}"


def check_in_key(placement_id: int, step: int) -> str:
    return f"{K.CHECK_IN}:p{placement_id}:{step}"


# --- what opens -----------------------------------------------------------------------------


def opened_by_activity(
    *, kind: str, direction: str, outcome: str, candidate_id, automated: bool
) -> str | None:
    """The obligation an activity opens, if any: only candidates are owed callbacks and
    replies, and only for what reached the recruiter and went unanswered."""
    if candidate_id is None or direction != Activity.Direction.INBOUND or automated:
        return None
    if kind == A.VOICEMAIL or (
        kind == A.CALL and outcome in (Activity.Outcome.NO_ANSWER, Activity.Outcome.VOICEMAIL_LEFT)
    ):
        return K.CALLBACK
    if kind == A.EMAIL:
        return K.REPLY
    return None


# Activities that can open something, as a filter (for rebuild).
OPENING_ACTIVITIES = Q(candidate__isnull=False, direction="inbound", automated=False) & (
    Q(kind=A.VOICEMAIL)
    | Q(kind=A.CALL, outcome__in=["no_answer", "voicemail_left"])
    | Q(kind=A.EMAIL)
)


def prep_kind(interview_kind: str) -> str:
    return K.ONSITE_PREP if interview_kind == "onsite" else K.PHONE_PREP


# --- what meets -----------------------------------------------------------------------------


def _reached(kinds=(A.CALL,)) -> Q:
    """An outbound call that reached the person or left them a message."""
    return Q(kind__in=kinds, direction="outbound") & ~Q(outcome="no_answer")


def meeting_activities(kind: str, policy: ServiceLevel | None = None) -> Q:
    """Activities (with the obligation's person) that can meet an obligation of `kind`;
    never an automated message (an out-of-office answers nobody)."""
    return Q(automated=False) & _meeting_activities(kind, policy)


def _meeting_activities(kind: str, policy: ServiceLevel | None) -> Q:
    if kind == K.CALLBACK:
        q = _reached() | Q(kind=A.MEETING)
        if policy is not None and policy.callback_met_by_email_or_text:
            q |= Q(kind__in=[A.EMAIL, A.TEXT], direction="outbound")
        return q
    if kind == K.REPLY:
        return Q(kind=A.EMAIL, direction="outbound")
    if kind in PREP_KINDS:
        return Q(kind=A.PREP)
    if kind == K.CLOSE_LOOP:
        return _reached() | Q(kind=A.MEETING) | Q(kind=A.EMAIL, direction="outbound")
    if kind == K.CHECK_IN:
        return Q(kind=A.CHECK_IN)
    if kind == K.FEEDBACK:
        return (Q(direction="inbound") & ~Q(kind=A.VOICEMAIL)) | Q(kind__in=[A.MEETING, A.NOTE])
    raise ValueError(kind)


def meets(kind: str, activity: Activity, policy: ServiceLevel | None = None) -> bool:
    """Whether `activity` is of a sort that meets `kind` (the person is checked elsewhere)."""
    a = activity
    if a.automated:
        return False
    reached = a.kind == A.CALL and a.direction == "outbound" and a.outcome != "no_answer"
    if kind == K.CALLBACK:
        by_writing = (
            policy is not None
            and policy.callback_met_by_email_or_text
            and a.kind in (A.EMAIL, A.TEXT)
            and a.direction == "outbound"
        )
        return reached or a.kind == A.MEETING or by_writing
    if kind == K.REPLY:
        return a.kind == A.EMAIL and a.direction == "outbound"
    if kind in PREP_KINDS:
        return a.kind == A.PREP
    if kind == K.CLOSE_LOOP:
        return reached or a.kind == A.MEETING or (a.kind == A.EMAIL and a.direction == "outbound")
    if kind == K.CHECK_IN:
        return a.kind == A.CHECK_IN
    if kind == K.FEEDBACK:
        return (a.direction == "inbound" and a.kind != A.VOICEMAIL) or a.kind in (A.MEETING, A.NOTE)
    raise ValueError(kind)


# --- service levels -------------------------------------------------------------------------

_calendars: dict[tuple, BusinessCalendar] = {}


def default_policy() -> ServiceLevel:
    return ServiceLevel(time_zone=settings.TIME_ZONE)


def calendar_of(policy: ServiceLevel) -> BusinessCalendar:
    """One calendar per policy version, kept for the process (holiday tables are costly)."""
    key = (policy.pk, policy.updated_at, policy.time_zone)
    found = _calendars.get(key)
    if found is None:
        found = _calendars[key] = policy.calendar
    return found


def policies_by_owner(owner_ids) -> dict[int, ServiceLevel]:
    """The service levels each of these recruiters works to (their team's, or the default)."""
    from candidly.accounts.models import User

    teams = dict(User.objects.filter(pk__in=set(owner_ids)).values_list("pk", "team_id"))
    levels = {sl.team_id: sl for sl in ServiceLevel.objects.filter(team_id__in=teams.values())}
    fallback = default_policy()
    return {owner: levels.get(team, fallback) for owner, team in teams.items()}


def policy_for(owner_id: int) -> ServiceLevel:
    from candidly.accounts.models import User

    team = User.objects.filter(pk=owner_id).values_list("team_id", flat=True).first()
    return policy_of_team(team)


# Service levels change rarely and are read on every inbound call and email: each process
# keeps what it read for a minute. The admin clears this process's copy when it saves one.
POLICY_TTL = 60.0
_team_policies: dict[int | None, tuple[float, ServiceLevel]] = {}


def policy_of_team(team_id: int | None) -> ServiceLevel:
    now = monotonic()
    cached = _team_policies.get(team_id)
    if cached is not None and now - cached[0] < POLICY_TTL:
        return cached[1]
    level = None
    if team_id is not None:
        level = ServiceLevel.objects.filter(team_id=team_id).first()
    level = level or default_policy()
    _team_policies[team_id] = (now, level)
    return level


def forget_policies() -> None:
    _team_policies.clear()


# --- when it is due -------------------------------------------------------------------------


def due_for_activity(kind: str, opened_at: datetime, policy: ServiceLevel) -> datetime:
    cal = calendar_of(policy)
    if kind == K.CALLBACK:
        return cal.add(opened_at, timedelta(minutes=policy.callback_business_minutes))
    return cal.add_days(opened_at, policy.reply_business_days)


def due_for_interview(kind: str, starts_at: datetime, policy: ServiceLevel) -> datetime:
    hours = (
        policy.onsite_prep_hours_before if kind == K.ONSITE_PREP else policy.phone_prep_hours_before
    )
    return starts_at - timedelta(hours=hours)


def due_for_stage(kind: str, changed_at: datetime, policy: ServiceLevel) -> datetime:
    days = (
        policy.close_loop_business_days if kind == K.CLOSE_LOOP else policy.feedback_business_days
    )
    return calendar_of(policy).add_days(changed_at, days)


def _years_later(day: date, years: int) -> date:
    if day.month == 2 and day.day == 29 and not isleap(day.year + years):
        return date(day.year + years, 2, 28)
    return day.replace(year=day.year + years)


def ended_at(fall_off_date: date | None, policy: ServiceLevel) -> datetime | None:
    """The moment a placement ended: the start of its fall-off day, in the team's zone."""
    if fall_off_date is None:
        return None
    return datetime.combine(fall_off_date, time(0), tzinfo=policy.zone).astimezone(UTC)


@dataclass(frozen=True)
class CheckInStep:
    step: int
    opened_at: datetime
    due_at: datetime


def check_in_schedule(
    *,
    start_date: date,
    recorded_at: datetime,
    fall_off_date: date | None,
    policy: ServiceLevel,
    now: datetime,
) -> list[CheckInStep]:
    """The check-ins owed so far on a placement: after the start at each of the policy's
    offsets, then on every anniversary. Each opens when the one before falls due; none
    opens after the placement ended. The first always exists."""
    cal = calendar_of(policy)
    ended = ended_at(fall_off_date, policy)
    offsets = policy.check_in_offsets
    steps: list[CheckInStep] = []
    opened = recorded_at
    step = 1
    while True:
        if step <= len(offsets):
            day = start_date + timedelta(days=offsets[step - 1])
        else:
            day = _years_later(start_date, step - len(offsets))
        due = cal.end_of_day(day)
        steps.append(CheckInStep(step, opened, due))
        opened, step = due, step + 1
        if opened > now or (ended is not None and opened >= ended):
            return steps


@dataclass
class CheckInRow:
    """A check-in obligation as the settling pass sees it."""

    id: int
    step: int
    opened_at: datetime
    due_at: datetime
    ended: datetime | None  # when its placement ended, if it did
    human_waiver: bool  # waived by a recruiter: left alone
    met_at: datetime | None = None
    met_by: int | None = None
    waived_at: datetime | None = None


def settle_check_ins(rows: list[CheckInRow], activities: list[tuple[datetime, int]]) -> None:
    """Settle one candidate's check-ins against their check-in activities (time, id), in
    place.

    Like every other kind, a check-in is met by the earliest check-in activity once its
    window has opened — so one conversation covers every check-in owed at the time (late
    for an overdue one, on time for the current one) — but only while the placement lasts;
    the check-ins still unmet that fall due after their placement ended are waived then.
    """
    activities = sorted(activities)
    for r in rows:
        if r.human_waiver:
            continue
        r.met_at = r.met_by = r.waived_at = None
        for at, activity_id in activities:
            if r.opened_at <= at and (r.ended is None or at < r.ended):
                r.met_at, r.met_by = at, activity_id
                break
        if r.met_by is None and r.ended is not None and r.due_at > r.ended:
            r.waived_at = r.ended
