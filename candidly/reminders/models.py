"""Reminder emails, one row each: claimed before sending, so that each is sent once."""

from django.conf import settings
from django.db import models


class ReminderKind(models.TextChoices):
    DIGEST = "digest", "Morning digest"
    LEAD_ALERT = "lead_alert", "Overdue alert to the team lead"


class ReminderStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


def digest_key(user_id: int, day) -> str:
    return f"digest:{user_id}:{day.isoformat()}"


def lead_alert_key(obligation_key: str) -> str:
    return f"overdue:{obligation_key}"


class Reminder(models.Model):
    """One reminder: a recruiter's digest for a day, or a lead's alert about an obligation.

    The unique key is the guarantee that two workers never send the same reminder: a worker
    sends only after it has moved the row to "sending" (or inserted it so), in a transaction
    of its own. A failed send moves it to "failed", which a later pass may claim again.
    """

    Kind = ReminderKind
    Status = ReminderStatus

    key = models.CharField(max_length=60, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Whose queue: the digest's recruiter, or the owner of the overdue obligation.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(null=True, blank=True, help_text="The recruiter's local day (digests).")
    # The overdue obligation, by its key: the key names the fact that opened it, so it
    # survives `obligations rebuild` (which renumbers rows) and an alert is never repeated.
    obligation_key = models.CharField(max_length=40, blank=True, db_index=True)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    recipient = models.EmailField(blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="Why it failed or was skipped.")
    changed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            # The scheduler: queued reminders whose task may be lost, failed ones to retry.
            # (Not partial: SQLite matches a partial index only to literal values.)
            models.Index(fields=["status", "changed_at"], name="reminder_retry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ReminderKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReminderStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="digest", day__isnull=False, obligation_key="")
                    | (models.Q(kind="lead_alert", day__isnull=True) & ~models.Q(obligation_key=""))
                ),
                name="%(app_label)s_%(class)s_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="%(app_label)s_%(class)s_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} ({self.get_status_display().lower()})"
