from django.conf import settings
from django.db import models
from django.utils import timezone

from candidly.lib.constraints import choice_check, exactly_one_of
from candidly.people.models import Candidate, HiringManager
from candidly.pipeline.models import Interview, Submission


class ActivityKind(models.TextChoices):
    CALL = "call", "Call"
    VOICEMAIL = "voicemail", "Voicemail"
    EMAIL = "email", "Email"
    TEXT = "text", "Text"
    MEETING = "meeting", "Meeting"
    PREP = "prep", "Prep session"
    CHECK_IN = "check_in", "Check-in"
    NOTE = "note", "Note"


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    INTERNAL = "internal", "Internal"


class Side(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    HIRING_MANAGER = "hiring_manager", "Hiring manager"


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    VOICEMAIL_LEFT = "voicemail_left", "Left voicemail"
    NO_ANSWER = "no_answer", "No answer"


class Activity(models.Model):
    """One piece of work a recruiter did for (or received from) one of the two clients.

    The investment ledger: every row carries the minutes invested and the client side served.
    """

    Kind = ActivityKind
    Direction = Direction
    Side = Side
    Outcome = CallOutcome

    # Minutes a recruiter typically invests per kind; the quick-log forms start from these.
    DEFAULT_MINUTES = {
        ActivityKind.CALL: 10,
        ActivityKind.VOICEMAIL: 2,
        ActivityKind.EMAIL: 5,
        ActivityKind.TEXT: 2,
        ActivityKind.MEETING: 45,
        ActivityKind.PREP: 30,
        ActivityKind.CHECK_IN: 15,
        ActivityKind.NOTE: 2,
    }

    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, blank=True)
    # The three person/recruiter foreign keys are covered by the composite indexes below.
    candidate = models.ForeignKey(
        Candidate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
    )
    hiring_manager = models.ForeignKey(
        HiringManager,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
    )
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    minutes = models.PositiveSmallIntegerField()
    side = models.CharField(max_length=14, choices=Side.choices)
    # Most activities concern no particular submission or interview: partial indexes below.
    submission = models.ForeignKey(
        Submission,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        db_index=False,
    )
    interview = models.ForeignKey(
        Interview,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        db_index=False,
    )
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    # The conversation an email belongs to (the Message-ID of its first message), when known:
    # a reply in the same thread is what answers it.
    thread = models.CharField(max_length=300, blank=True, db_default="")
    # An auto-reply, out-of-office or bulk message: recorded, but it asks nothing of anyone.
    automated = models.BooleanField(default=False, db_default=False)
    # Where the row came from ("web", "demo", "imap", "calls-csv", …) and its id there;
    # unique together so any import can be re-run without adding anything twice.
    source = models.CharField(max_length=30, default="web")
    external_id = models.CharField(max_length=300, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # Candidate timeline: one person's activities, newest first.
            models.Index(fields=["candidate", "-occurred_at"], name="activity_candidate_at"),
            # Hiring-manager timeline.
            models.Index(fields=["hiring_manager", "-occurred_at"], name="activity_manager_at"),
            # Per-recruiter investment over a period (ledger and scorecard reads).
            models.Index(fields=["recruiter", "occurred_at"], name="activity_recruiter_at"),
            # Work done for one submission or interview (prep sessions, closing the loop).
            models.Index(
                fields=["submission"],
                name="activity_submission",
                condition=models.Q(submission__isnull=False),
            ),
            models.Index(
                fields=["interview"],
                name="activity_interview",
                condition=models.Q(interview__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="%(app_label)s_%(class)s_unique_source_external_id",
            ),
            exactly_one_of("candidate", "hiring_manager"),
            choice_check("kind", ActivityKind.choices),
            choice_check("direction", Direction.choices),
            choice_check("side", Side.choices),
            models.CheckConstraint(
                condition=models.Q(outcome="")
                | models.Q(kind="call", outcome__in=[v for v, _ in CallOutcome.choices]),
                name="%(app_label)s_%(class)s_outcome_only_for_calls",
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__lte=24 * 60),
                name="%(app_label)s_%(class)s_minutes_within_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_kind_display().lower()}"

    @property
    def person(self):
        return self.candidate or self.hiring_manager
