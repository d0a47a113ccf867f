"""The periodic runner: each minute, queue the reminders that have come due, and open the
check-ins whose time has come. `candidly worker` runs it between tasks.

Every pass is safe to repeat and to run in several workers at once: a reminder is queued
only by the pass that inserts its row, and its task is enqueued when that pass commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial, reduce
from operator import or_

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from candidly.accounts.models import Team, User
from candidly.obligations import rules, upkeep
from candidly.obligations.models import Obligation, ServiceLevel
from candidly.obligations.selectors import COMING_DAYS
from candidly.reminders.models import Reminder, digest_key, lead_alert_key
from candidly.reminders.services import late_enough_to_alert, reminder_queue
from candidly.reminders.tasks import alert_lead, send_digest

K = Reminder.Kind
S = Reminder.Status
OPEN = Obligation.State.OPEN
CHECK_IN = Obligation.Kind.CHECK_IN

# What came due longer ago than this without a worker noticing is left alone: a lead is
# alerted about fresh lateness, not about last month's.
LOOKBACK = timedelta(days=7)
# A queued reminder whose task has not run by then (lost between commit and enqueue, say)
# is queued again; its claim keeps a second task from sending it twice.
REQUEUE_AFTER = timedelta(minutes=15)
# A failed send is tried again after this, up to MAX_ATTEMPTS times in all.
RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5


@dataclass
class Pass:
    """What one pass did."""

    digests: int = 0
    lead_alerts: int = 0
    requeued: int = 0
    check_ins: int = 0  # placements whose check-ins were brought up to date

    def __str__(self) -> str:
        return (
            f"{self.digests} digest(s) and {self.lead_alerts} lead alert(s) queued, "
            f"{self.requeued} queued again; check-ins of {self.check_ins} placement(s) updated"
        )


def schedule_due_reminders(now: datetime | None = None) -> Pass:
    now = now or timezone.now()
    done = Pass()
    placements = placements_due_a_check_in(now)
    if placements:
        with transaction.atomic():
            upkeep.sync_check_ins(placements, now=now)
        done.check_ins = len(placements)
    with transaction.atomic():
        done.digests = queue_digests(now)
        done.lead_alerts = queue_lead_alerts(now)
        done.requeued = requeue_stalled(now)
    return done


def _enqueue_digest(user_id: int, day) -> None:
    transaction.on_commit(partial(send_digest.enqueue, user_id, day.isoformat()))


def _enqueue_lead_alert(obligation_key: str) -> None:
    transaction.on_commit(partial(alert_lead.enqueue, obligation_key))


# --- digests --------------------------------------------------------------------------------


def queue_digests(now: datetime) -> int:
    """Each recruiter's digest, once their team's digest hour has come on their local day.
    Only active recruiters with an email address and something in their queue get one."""
    owes = Obligation.objects.filter(
        owner=OuterRef("pk"), state=OPEN, due_at__lt=now + timedelta(days=COMING_DAYS)
    )  # the obligation_queue index: open, by owner and due time
    recruiters = (
        User.objects.filter(is_active=True).exclude(email="").filter(Exists(owes)).order_by()
    )
    policies = rules.policies_by_owner(recruiters.values_list("pk", flat=True))
    due = {}
    for user_id, policy in policies.items():
        local = now.astimezone(policy.zone)
        if local.hour >= policy.digest_hour:
            due[digest_key(user_id, local.date())] = (user_id, local.date())
    taken = set(Reminder.objects.filter(key__in=due).values_list("key", flat=True))
    queued = 0
    for key, (user_id, day) in due.items():
        if key not in taken and reminder_queue(
            key=key, kind=K.DIGEST, user_id=user_id, day=day, now=now
        ):
            _enqueue_digest(user_id, day)
            queued += 1
    return queued


# --- alerts to team leads -------------------------------------------------------------------


def queue_lead_alerts(now: datetime) -> int:
    """An alert for each open obligation that has newly become more than its team's
    threshold overdue, in teams whose lead can be emailed."""
    teams = dict(
        Team.objects.filter(lead__is_active=True).exclude(lead__email="").values_list("pk", "lead")
    )
    if not teams:
        return 0
    levels = {sl.team_id: sl for sl in ServiceLevel.objects.filter(team_id__in=teams)}
    fallback = rules.default_policy()
    policy_of: dict[int, ServiceLevel] = {}
    windows = []
    members: dict[int, list[int]] = {}
    for user_id, team in User.objects.filter(team__in=teams).values_list("pk", "team"):
        if user_id != teams[team]:
            members.setdefault(team, []).append(user_id)
    for team, owners in members.items():
        policy = levels.get(team, fallback)
        policy_of.update(dict.fromkeys(owners, policy))
        # n business days take at least n working days of clock time, so nothing due after
        # `latest` can qualify; the exact test, in business time, follows below.
        latest = now - rules.calendar_of(policy).day * policy.lead_alert_business_days
        windows.append(Q(owner_id__in=owners, due_at__gte=now - LOOKBACK, due_at__lt=latest))
    if not windows:
        return 0
    alerted = Reminder.objects.filter(obligation_key=OuterRef("key"), kind=K.LEAD_ALERT)
    candidates = (
        Obligation.objects.filter(reduce(or_, windows), state=OPEN)  # obligation_queue index
        .exclude(Exists(alerted))
        .order_by()
        .values_list("key", "owner_id", "due_at")
    )
    queued = 0
    for key, owner_id, due_at in candidates:
        if late_enough_to_alert(due_at, policy_of[owner_id], now) and reminder_queue(
            key=lead_alert_key(key), kind=K.LEAD_ALERT, user_id=owner_id, obligation_key=key,
            now=now,
        ):  # fmt: skip
            _enqueue_lead_alert(key)
            queued += 1
    return queued


# --- retries --------------------------------------------------------------------------------


def requeue_stalled(now: datetime, limit: int = 500) -> int:
    """Queue again the reminders whose task seems lost, and failed ones due another try."""
    stalled = (
        Reminder.objects.filter(  # the reminder_retry index, once for each status
            Q(status=S.QUEUED, changed_at__lt=now - REQUEUE_AFTER)
            | Q(status=S.FAILED, changed_at__lt=now - RETRY_AFTER, attempts__lt=MAX_ATTEMPTS)
        )
        .order_by("changed_at")
        .values_list("pk", "status", "changed_at", "kind", "user_id", "day", "obligation_key")
    )
    requeued = 0
    for pk, status, changed_at, kind, user_id, day, obligation_key in stalled[:limit]:
        # Conditional, so two passes at once queue it once.
        if Reminder.objects.filter(pk=pk, status=status, changed_at=changed_at).update(
            status=S.QUEUED, changed_at=now
        ):
            if kind == K.DIGEST:
                _enqueue_digest(user_id, day)
            else:
                _enqueue_lead_alert(obligation_key)
            requeued += 1
    return requeued


# --- check-ins ------------------------------------------------------------------------------


def placements_due_a_check_in(now: datetime) -> list[int]:
    """Placements still running whose latest check-in has fallen due: the next one (the
    yearly one, in time) opens now.

    Reads only the check-ins that fell due within the lookback, by due time (the
    obligation_check_in_due index), keeping those with no later step (one probe of the
    obligation_placement index each)."""
    later_step = Obligation.objects.filter(
        placement_id=OuterRef("placement_id"), kind=CHECK_IN, step=OuterRef("step") + 1
    )
    return list(
        Obligation.objects.filter(kind=CHECK_IN, due_at__gte=now - LOOKBACK, due_at__lte=now)
        .filter(
            Q(placement__fall_off_date__isnull=True) | Q(placement__fall_off_date__gt=now.date())
        )
        .exclude(Exists(later_step))
        .order_by()
        .values_list("placement_id", flat=True)
        .distinct()
    )
