"""Reminders: queued once, claimed by one worker, sent, and their outcome recorded.

A reminder is sent only by the worker that moved its row to "sending" (or inserted it so),
in a transaction that commits before the email goes out. However many workers run the same
task at once, the unique key lets exactly one of them through.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from candidly.accounts.models import User
from candidly.obligations import rules
from candidly.obligations.models import Obligation, ServiceLevel
from candidly.obligations.selectors import rows, today_queue
from candidly.reminders import emails
from candidly.reminders.models import Reminder, digest_key, lead_alert_key

K = Reminder.Kind
S = Reminder.Status
CLAIMABLE = (S.QUEUED, S.FAILED)


def reminder_queue(
    *, key: str, kind: str, user_id: int, day: date | None = None,
    obligation_key: str = "", now: datetime,
) -> bool:  # fmt: skip
    """Record a reminder as queued unless its key is taken: True when this call recorded it
    (and so should enqueue its task)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(
                key=key, kind=kind, user_id=user_id, day=day, obligation_key=obligation_key,
                status=S.QUEUED, changed_at=now,
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def reminder_claim(
    *, key: str, kind: str, user_id: int, day: date | None = None,
    obligation_key: str = "", now: datetime,
) -> bool:  # fmt: skip
    """Take the sole right to send this reminder. True for exactly one caller.

    A queued or failed row is taken by a conditional update (a second worker waits for the
    first to commit, then finds the row no longer claimable); a missing row is inserted as
    "sending" (a second insert meets the unique key)."""
    with transaction.atomic():
        taken = Reminder.objects.filter(key=key, status__in=CLAIMABLE).update(
            status=S.SENDING, attempts=F("attempts") + 1, note="", changed_at=now
        )
        if taken:
            return True
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    key=key, kind=kind, user_id=user_id, day=day, obligation_key=obligation_key,
                    status=S.SENDING, attempts=1, changed_at=now,
                )  # fmt: skip
        except IntegrityError:
            return False
    return True


def _settle(key: str, **fields) -> None:
    Reminder.objects.filter(key=key, status=S.SENDING).update(changed_at=timezone.now(), **fields)


def reminder_record_sent(*, key: str, recipient: str) -> None:
    _settle(key, status=S.SENT, recipient=recipient, sent_at=timezone.now())


def reminder_record_failure(*, key: str, error: BaseException) -> None:
    """Release the claim: a failed reminder may be claimed and sent again."""
    _settle(key, status=S.FAILED, note=f"{type(error).__name__}: {error}"[:300])


def reminder_record_skipped(*, key: str, reason: str) -> None:
    _settle(key, status=S.SKIPPED, note=reason[:300])


def reminder_release(*, key: str) -> None:
    """Forget a claimed reminder that should not go out now, so a later pass may queue it."""
    Reminder.objects.filter(key=key, status=S.SENDING).delete()


# --- the morning digest ---------------------------------------------------------------------


def digest_send(*, user_id: int, day: date, now: datetime | None = None) -> str:
    """Email a recruiter their queue for `day` (their local date), once."""
    now = now or timezone.now()
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return "no such user"
    key = digest_key(user_id, day)
    if not reminder_claim(key=key, kind=K.DIGEST, user_id=user_id, day=day, now=now):
        return "already sent, or being sent"
    try:
        policy = rules.policy_for(user_id)
        with timezone.override(policy.zone):
            reason, message = "", None
            if not user.is_active:
                reason = "the user is inactive"
            elif not user.email:
                reason = "the user has no email address"
            elif timezone.localdate(now) != day:
                reason = f"{day} is over"
            else:
                queue = today_queue(user_id, now)
                if queue.overdue_count or queue.today_count or queue.coming_count:
                    message = emails.digest_message(user=user, queue=queue)
                else:
                    reason = "nothing is owed"
            if message is None:
                reminder_record_skipped(key=key, reason=reason)
                return f"skipped: {reason}"
            message.send()
    except Exception as error:
        reminder_record_failure(key=key, error=error)
        raise
    reminder_record_sent(key=key, recipient=user.email)
    return "sent"


# --- alerts to the team lead ----------------------------------------------------------------


def late_enough_to_alert(due_at: datetime, policy: ServiceLevel, now: datetime) -> bool:
    """More than the team's alert threshold of business days past due."""
    return rules.calendar_of(policy).add_days(due_at, policy.lead_alert_business_days) < now


def lead_to_alert(owner: User) -> User | None:
    """The owner's team lead, if there is one who can be emailed (and it is someone else)."""
    team = owner.team
    lead = team.lead if team is not None else None
    if lead is None or lead.pk == owner.pk or not lead.is_active or not lead.email:
        return None
    return lead


def lead_alert_send(*, obligation_key: str, now: datetime | None = None) -> str:
    """Tell the owner's team lead that this obligation is badly overdue, once."""
    now = now or timezone.now()
    owner_id = Obligation.objects.filter(key=obligation_key).values_list("owner_id", flat=True)
    owner_id = owner_id.first()
    if owner_id is None:
        return "no such obligation"
    key = lead_alert_key(obligation_key)
    claimed = reminder_claim(
        key=key, kind=K.LEAD_ALERT, user_id=owner_id, obligation_key=obligation_key, now=now
    )
    if not claimed:
        return "already sent, or being sent"
    try:
        obligation = Obligation.objects.select_related("owner__team__lead").get(key=obligation_key)
        owner = obligation.owner
        policy = rules.policy_for(owner.pk)
        lead = lead_to_alert(owner)
        if obligation.state != Obligation.State.OPEN:
            reason = "it is no longer open"
        elif lead is None:
            reason = "there is no team lead to alert"
        elif not late_enough_to_alert(obligation.due_at, policy, now):
            reason = "it is not late enough yet"
        else:
            reason = ""
        if reason:
            reminder_release(key=key)
            return f"not sent: {reason}"
        (row,) = rows(Obligation.objects.filter(pk=obligation.pk), now)
        with timezone.override(policy.zone):
            message = emails.lead_alert_message(
                lead=lead, owner=owner, row=row,
                business_days=policy.lead_alert_business_days, now=now,
            )  # fmt: skip
        message.send()
    except Exception as error:
        reminder_record_failure(key=key, error=error)
        raise
    reminder_record_sent(key=key, recipient=lead.email)
    return "sent"
